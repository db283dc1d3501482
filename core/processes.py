"""Child processes that die with their parent, even when the parent is killed with SIGKILL.

A parent killed by `kill -9` runs no clean-up, so its children would be re-parented to init and
run on (parser processes, gunicorn, Celery). Linux's PR_SET_PDEATHSIG has the kernel signal a
child when its parent exits, however it exits. The setting survives exec, so a command is
wrapped by running this file first (`with_parent_death`), which sets it and then execs the
command: no `preexec_fn`, which is unsafe in a parent with threads. The kernel watches the
parent *thread* that forked the child, so children must be started from a long-lived thread
(the main one, as `serve` and the ingest pool do).

This file imports nothing from the project, so running it as a script costs only an interpreter
start. Elsewhere than Linux it does nothing.
"""

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, signum: int = signal.SIGTERM) -> None:
    """Have the kernel send `signum` to this process when `parent` exits; exit now if it already has."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the prctl: nobody will signal us
        os._exit(1)


def with_parent_death(argv: list[str], signum: int = signal.SIGTERM) -> list[str]:
    """`argv` run so that it gets `signum` when this process (its parent) exits."""
    return [sys.executable, "-S", os.path.abspath(__file__), str(os.getpid()), str(int(signum)), "--", *argv]


def _exec_main(args: list[str]) -> None:
    parent, signum, separator, *argv = args
    if separator != "--" or not argv:
        raise SystemExit("usage: processes.py PARENT_PID SIGNAL -- COMMAND [ARG...]")
    die_with_parent(int(parent), int(signum))
    os.execvp(argv[0], argv)  # noqa: S606 - the argv our own supervisor built, never a shell string


if __name__ == "__main__":
    _exec_main(sys.argv[1:])

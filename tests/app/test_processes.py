"""Children die with their parent, even when the parent is killed with SIGKILL (no clean-up runs)."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO_ROOT

PARENT = """
import subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor
import functools, multiprocessing, os, signal
from core.processes import die_with_parent, with_parent_death

wrapped = subprocess.Popen(with_parent_death(["sleep", "120"]), start_new_session=True)
pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"),
                           initializer=functools.partial(die_with_parent, os.getpid(), signal.SIGKILL))
list(pool.map(abs, range(4)))  # both pool processes started
print("ready", flush=True)
time.sleep(120)
"""


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_a_wrapped_command_and_pool_processes_die_when_their_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "ready"
        children = children_of(parent.pid)
        assert len(children) == 3, children  # the wrapped sleep and two pool processes
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert wait_gone(children) == [], "a child outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait()


def test_a_wrapped_command_runs_with_its_own_arguments_and_exit_status():
    from core.processes import with_parent_death

    done = subprocess.run(with_parent_death(["sh", "-c", "echo $0 $1; exit 3", "a b", "c"]), capture_output=True)
    assert (done.returncode, done.stdout) == (3, b"a b c\n")

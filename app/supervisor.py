"""Runs the web server, worker and beat as children and stops them together.

Children get their own process groups, so Ctrl-C reaches only us and we stop
them in order, gracefully first: gunicorn finishes its requests, the worker
its current tasks (an unfinished late-acked task is redelivered later).
If we are killed outright (SIGKILL), the kernel sends each child SIGTERM
(PR_SET_PDEATHSIG, core/processes.py), so none outlives us.
"""

import contextlib
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field

from core.processes import with_parent_death

log = logging.getLogger(__name__)


@dataclass
class Supervisor:
    grace_seconds: float = 20.0
    children: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, argv: list[str]) -> None:
        self.children[name] = subprocess.Popen(with_parent_death(argv), start_new_session=True)

    def first_exited(self) -> str | None:
        return next((name for name, child in self.children.items() if child.poll() is not None), None)

    def stop_all(self) -> None:
        for child in reversed(self.children.values()):
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for name, child in reversed(self.children.items()):
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0fs; killing it", name, self.grace_seconds)
            _signal_group(child, signal.SIGKILL)  # also reaps grandchildren left behind
            child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)

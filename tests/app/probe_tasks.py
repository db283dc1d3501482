"""A task for the worker tests: it leaves a trace of each attempt so a test can kill one mid-run.

Loaded into the test worker with `--include`; production workers never import it.
"""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.probe.slow_attempt")
def slow_attempt(trace_dir: str, seconds: float) -> int:
    trace = Path(trace_dir)
    attempt = len(list(trace.glob("attempt-*"))) + 1
    (trace / f"attempt-{attempt}").write_text(str(os.getpid()))
    time.sleep(seconds)
    (trace / f"finished-{attempt}").write_text(str(os.getpid()))
    return attempt

"""What every benchmark does first: Django set up for the benchmarks' own embedded server (var/bench,
port 6395), so a run never touches a developer's data. Import this before anything that needs Django."""

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("EMBEDDED_PORT", "6395")
sys.path.insert(0, str(ROOT))

import django

django.setup()

from core.embedded import EmbeddedServer, from_settings


def server_start() -> tuple[EmbeddedServer, bool]:
    """The benchmark server, and whether this call started it (stop it at the end only then). A server that
    is not running starts empty: replaying the last run's append-only file (GBs after a big run) costs
    minutes. Its password stays, since settings have read it."""
    server = from_settings()
    if server.running_pid() is None:
        shutil.rmtree(server.data_dir / "appendonlydir", ignore_errors=True)
    return server, server.ensure_running()

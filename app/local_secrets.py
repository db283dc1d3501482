"""Secrets the embedded default generates for itself under `var/`.

A fresh clone must start with no set-up, yet must not ship a known secret key
or leave the embedded server open to every local user: each secret is made
once, at random, in a file only the owner can read, and reused after.
"""

import os
import secrets
import time
from pathlib import Path


def local_secret(path: Path, *, nbytes: int = 48) -> str:
    """Read the secret at `path`, creating it atomically (first writer wins) if absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_nonempty(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(nbytes))
    return _read_nonempty(path)


def _read_nonempty(path: Path) -> str:
    """A creator may not have finished writing yet; an empty read is retried briefly."""
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it and start again")

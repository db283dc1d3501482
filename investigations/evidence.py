"""What evidence may be and how it is fingerprinted: content types recognised from the bytes themselves
(a name or a browser's claim proves nothing), size limits, and SHA-256 taken while the bytes are read."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import ChainSleuthError

# Binary types by their signatures; text types must also decode as UTF-8.
MAGIC = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
TEXT_TYPES = {".csv": "text/csv", ".json": "application/json", ".txt": "text/plain", ".md": "text/markdown"}


class EvidenceError(ChainSleuthError, ValueError):
    """Refused evidence; the message names the file and the rule it broke."""


@dataclass(frozen=True)
class Fingerprint:
    content_type: str
    size: int
    sha256: str


def fingerprint(name: str, chunks: Iterable[bytes], *, max_bytes: int) -> tuple[Fingerprint, bytes]:
    """Hash and measure the upload as it streams in; refuse it past `max_bytes` or when its bytes are not
    an accepted type. Returns the fingerprint and the content (bounded by `max_bytes`)."""
    digest, parts, size = hashlib.sha256(), [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise EvidenceError(f"{name}: larger than the {max_bytes:,}-byte limit for evidence")
        digest.update(chunk)
        parts.append(chunk)
    content = b"".join(parts)
    if not content:
        raise EvidenceError(f"{name}: empty")
    return Fingerprint(_content_type(name, content), size, digest.hexdigest()), content


def snapshot_bytes(snapshot: dict) -> bytes:
    """A graph view as canonical JSON (sorted keys, compact), so the same view always hashes the same."""
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("nodes"), list):
        raise EvidenceError("a graph snapshot is a JSON object with a list of nodes (and edges)")
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _content_type(name: str, content: bytes) -> str:
    for content_type, magic in MAGIC.items():
        if content.startswith(magic):
            return content_type
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if extension in TEXT_TYPES:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise EvidenceError(f"{name}: not UTF-8 text, though named {extension}") from None
        return TEXT_TYPES[extension]
    accepted = ", ".join(["PDF", "PNG", "JPEG", *sorted(TEXT_TYPES)])
    raise EvidenceError(f"{name}: not an accepted evidence type ({accepted})")

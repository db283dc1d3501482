"""Case management's tables. The audit log's two tables are append-only: triggers in the database refuse
UPDATE and DELETE on them (migration 0002), so not even a bug in our own code can rewrite history."""

from django.db import models


class AuditEvent(models.Model):
    """One action, a leaf of the audit log's Merkle tree; `seq` is its 0-based leaf index."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="username: text, so deleting a user changes no leaf")
    action = models.CharField(max_length=64, help_text="e.g. case.create, evidence.acquire")
    target = models.CharField(max_length=200, help_text="what it acted on, e.g. case:12")
    data = models.JSONField(default=dict)
    leaf_hash = models.CharField(max_length=64, help_text="hex SHA-256 of 0x00 and the canonical event")

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.target}"


class TreeHead(models.Model):
    """The log's size and root after an append, signed (Ed25519) with the audit key; `frontier` holds the
    roots of the perfect subtrees that make up the tree, so the next append costs log(size) hashes."""

    size = models.PositiveBigIntegerField(unique=True)
    root = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.CharField(max_length=16, help_text="first 8 bytes of SHA-256 of the public key, hex")
    signature = models.CharField(max_length=128)
    frontier = models.JSONField(default=list)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"tree head {self.size}: {self.root[:16]}…"

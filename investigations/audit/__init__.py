"""The tamper-evident audit log: an append-only Merkle tree (RFC 9162) of every investigator action."""

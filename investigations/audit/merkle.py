"""Merkle tree hashing and proofs exactly as RFC 9162 (Certificate Transparency 2.0, after RFC 6962) defines them.

Leaves and interior nodes hash with different prefixes (0x00 and 0x01), so a node can never pass as
a leaf. An inclusion proof shows that one event is in the tree a signed head commits to; a
consistency proof shows that a later tree only appended to an earlier one: nothing edited, removed
or reordered. Plain functions over 32-byte hashes; the tests check them against CT's published vectors.
"""

from hashlib import sha256

EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def root(leaves: list[bytes]) -> bytes:
    """MTH over leaf hashes, bottom-up: pairs hash level by level and an odd last node rises unpaired,
    which yields the same tree as the RFC's split at the largest power of two below n."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + level[len(paired) * 2 :]
    return level[0]


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def inclusion_proofs(indexes: list[int], leaves: list[bytes]) -> list[list[bytes]]:
    """inclusion_proof for many leaves of one tree, each subtree hashed once: O(n + k log n) for k proofs
    where calling inclusion_proof k times costs O(k n)."""
    memo: dict[tuple[int, int], bytes] = {}

    def subtree(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaves[start]
        if (start, end) not in memo:
            k = _split(end - start)
            memo[start, end] = node_hash(subtree(start, start + k), subtree(start + k, end))
        return memo[start, end]

    def path(index: int, start: int, end: int) -> list[bytes]:
        if end - start == 1:
            return []
        k = _split(end - start)
        if index < start + k:
            return [*path(index, start, start + k), subtree(start + k, end)]
        return [*path(index, start + k, end), subtree(start, start + k)]

    for index in indexes:
        if not 0 <= index < len(leaves):
            raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    return [path(index, 0, len(leaves)) for index in indexes]


def consistency_proof(old_size: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"no consistency proof from size {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], expected_root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, size: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old_size == size:
        return not proof and old_root == new_root
    if not 0 < old_size < size or not proof:
        return False
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        proof = [old_root, *proof]
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Append a leaf to a tree kept as its frontier: the roots of the perfect subtrees its size decomposes
    into, largest first. Equal-sized subtrees merge as in binary addition: log(size) hashes at most."""
    stack, node = list(frontier), leaf
    while size & 1:
        node = node_hash(stack.pop(), node)
        size >>= 1
    return [*stack, node]


def frontier_root(frontier: list[bytes]) -> bytes:
    """The tree's root from its frontier: the subtrees fold from the right, as the RFC's splits nest."""
    if not frontier:
        return EMPTY_ROOT
    node = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        node = node_hash(subtree, node)
    return node

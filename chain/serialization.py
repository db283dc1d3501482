"""Bitcoin's wire format, only as far as bitcoinlib cannot be trusted with it.

bitcoinlib computes a txid by re-serializing the transaction it parsed, and for
some real transactions (block 574,200 has one, with a P2SH-P2WSH input) that
re-serialization differs from the bytes on chain, so the txid is wrong and the
block's merkle root does not verify. Here we only find each transaction's
bytes and hash them as Bitcoin does; bitcoinlib still reads the scripts.
"""

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from chain.errors import ChainDataError

HEADER_SIZE = 80
NULL_TXID = "00" * 32


@dataclass(frozen=True, slots=True)
class RawTx:
    offset: int  # within the block
    txid: str
    data: bytes
    outpoints: tuple[tuple[str, int], ...]  # (spent txid, output index) per input
    outputs: tuple[tuple[int, bytes], ...]  # (satoshis, scriptPubKey)
    script_sigs: tuple[bytes, ...] = ()  # per input: what names the spender when the spent output is unknown
    witnesses: tuple[tuple[bytes, ...], ...] = ()  # per input; empty tuples for a transaction without witness

    @property
    def coinbase(self) -> bool:
        return len(self.outpoints) == 1 and self.outpoints[0] == (NULL_TXID, 0xFFFFFFFF)


class _Reader:
    def __init__(self, data: bytes, where: str) -> None:
        self.data, self.where, self.pos = data, where, 0

    def take(self, size: int) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise ChainDataError(
                self.where,
                f"truncated or corrupt at byte {self.pos}: {size} more bytes needed, {len(self.data) - self.pos} left",
            )
        chunk, self.pos = self.data[self.pos : end], end
        return chunk

    def varint(self) -> int:
        first = self.take(1)[0]
        if first < 0xFD:
            return first
        return struct.unpack(
            "<" + {0xFD: "H", 0xFE: "I", 0xFF: "Q"}[first], self.take({0xFD: 2, 0xFE: 4, 0xFF: 8}[first])
        )[0]


def hash256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def merkle_root(txids: list[str]) -> str:
    """The block merkle root of `txids` (display hex), as Bitcoin Core computes it."""
    return merkle_hash([bytes.fromhex(txid)[::-1] for txid in txids])[::-1].hex()


def merkle_hash(hashes: list[bytes]) -> bytes:
    """The merkle root of hashes in wire byte order (txids for the header, wtxids for BIP141)."""
    level = list(hashes)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hash256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def split_block(raw: bytes, *, where: str) -> list[RawTx]:
    """Each transaction's bytes and txid; raises naming the byte offset if the block is cut short or padded."""
    reader = _Reader(raw, where)
    reader.take(HEADER_SIZE)
    txs = [_raw_tx(reader) for _ in range(reader.varint())]
    if reader.pos != len(raw):
        raise ChainDataError(where, f"{len(raw) - reader.pos} unexpected bytes after the last transaction")
    return txs


def read_tx(raw: bytes, *, where: str) -> RawTx:
    """One serialized transaction, which must fill `raw` exactly."""
    reader = _Reader(raw, where)
    tx = _raw_tx(reader)
    if reader.pos != len(raw):
        raise ChainDataError(where, f"{len(raw) - reader.pos} unexpected bytes after the transaction")
    return tx


def _raw_tx(reader: _Reader) -> RawTx:
    start = reader.pos
    version = reader.take(4)
    segwit = reader.data[reader.pos : reader.pos + 2] == b"\x00\x01"
    if segwit:
        reader.take(2)
    body_start = reader.pos
    n_inputs = reader.varint()
    outpoints, script_sigs = [], []
    for _ in range(n_inputs):
        outpoint = reader.take(36)
        outpoints.append((outpoint[31::-1].hex(), int.from_bytes(outpoint[32:], "little")))
        script_sigs.append(reader.take(reader.varint()))
        reader.take(4)
    outputs = []
    for _ in range(reader.varint()):
        value = int.from_bytes(reader.take(8), "little")
        outputs.append((value, reader.take(reader.varint())))
    body = reader.data[body_start : reader.pos]
    witnesses = [_witness(reader) for _ in range(n_inputs)] if segwit else [()] * n_inputs
    locktime = reader.take(4)
    txid = hash256(version + body + locktime)[::-1].hex()
    return RawTx(
        start, txid, reader.data[start : reader.pos], tuple(outpoints), tuple(outputs), tuple(script_sigs),
        tuple(witnesses),
    )  # fmt: skip


def _witness(reader: _Reader) -> tuple[bytes, ...]:
    count = reader.varint()
    return tuple(reader.take(reader.varint()) for _ in range(count))


def coinbase_height(coinbase: bytes) -> int | None:
    """The height a BIP34 coinbase pushes first in its input script (None if it pushes no number)."""
    reader = _Reader(coinbase, "coinbase")
    try:
        reader.take(4)
        if coinbase[4:6] == b"\x00\x01":
            reader.take(2)
        reader.varint()
        reader.take(36)
        script = reader.take(reader.varint())
    except ChainDataError:
        return None
    if not script or not 1 <= script[0] <= 8 or len(script) < 1 + script[0]:
        return None
    return int.from_bytes(script[1 : 1 + script[0]], "little")


# --- writing: the simulator and the tests build real blocks with these ---


def varint(number: int) -> bytes:
    if number < 0xFD:
        return bytes([number])
    if number <= 0xFFFF:
        return b"\xfd" + number.to_bytes(2, "little")
    if number <= 0xFFFFFFFF:
        return b"\xfe" + number.to_bytes(4, "little")
    return b"\xff" + number.to_bytes(8, "little")


@dataclass(frozen=True)
class OutPoint:
    txid: str
    n: int


def serialize_tx(
    inputs: list[tuple[OutPoint, bytes]],
    outputs: list[tuple[int, bytes]],
    *,
    version: int = 2,
    locktime: int = 0,
    sequence: int = 0xFFFFFFFF,
) -> bytes:
    """A legacy-format transaction: inputs as (outpoint, script_sig), outputs as (satoshis, script_pubkey)."""
    wire_inputs = [(bytes.fromhex(o.txid)[::-1] + o.n.to_bytes(4, "little"), sig, ()) for o, sig in inputs]
    return build_tx(wire_inputs, outputs, version=version, locktime=locktime, sequence=sequence)[0]


def build_tx(
    inputs: Sequence[tuple[bytes, bytes, Sequence[bytes]]],
    outputs: Sequence[tuple[int, bytes]],
    *,
    version: int = 2,
    locktime: int = 0,
    sequence: int = 0xFFFFFFFF,
) -> tuple[bytes, bytes]:
    """(raw transaction, txid in wire byte order) from inputs as (36-byte outpoint, script_sig, witness
    items). Written in BIP144's segwit form when any input has a witness; the txid hashes the form without."""
    parts = [varint(len(inputs))]
    seq = sequence.to_bytes(4, "little")
    for outpoint, script_sig, _ in inputs:
        parts += [outpoint, varint(len(script_sig)), script_sig, seq]
    parts.append(varint(len(outputs)))
    for value, script in outputs:
        parts += [value.to_bytes(8, "little"), varint(len(script)), script]
    head, body, tail = version.to_bytes(4, "little"), b"".join(parts), locktime.to_bytes(4, "little")
    txid = hash256(head + body + tail)
    if not any(witness for _, _, witness in inputs):
        return head + body + tail, txid
    witnesses = [varint(len(w)) + b"".join(varint(len(item)) + item for item in w) for _, _, w in inputs]
    return head + b"\x00\x01" + body + b"".join(witnesses) + tail, txid


def coinbase_tx(height: int, outputs: list[tuple[int, bytes]], *, tag: bytes = b"ChainSleuth") -> bytes:
    """A coinbase whose input script pushes `height` first (BIP34)."""
    return serialize_tx([(OutPoint("00" * 32, 0xFFFFFFFF), coinbase_script(height, tag))], outputs)


def coinbase_script(height: int, tag: bytes = b"ChainSleuth") -> bytes:
    """A coinbase input script: the height pushed first (BIP34), then a miner's tag."""
    height_bytes = height.to_bytes(max(1, (height.bit_length() + 8) // 8), "little")
    return bytes([len(height_bytes)]) + height_bytes + bytes([len(tag)]) + tag


def txid_of(raw_tx: bytes) -> str:
    return read_tx(raw_tx, where="built transaction").txid


def serialize_block(
    txs: list[bytes],
    *,
    prev_hash: str,
    time: int,
    version: int = 0x20000000,
    bits: int = 0x207FFFFF,
    nonce: int = 0,
    txids: list[bytes] | None = None,
) -> bytes:
    """A block with a correct merkle root; proof of work is not searched for (the nonce is as given).

    `txids` (wire byte order), when the caller has them, saves parsing each transaction again.
    """
    root = merkle_hash(list(txids) if txids is not None else [bytes.fromhex(txid_of(tx))[::-1] for tx in txs])
    header = (
        version.to_bytes(4, "little")
        + bytes.fromhex(prev_hash)[::-1]
        + root
        + time.to_bytes(4, "little")
        + bits.to_bytes(4, "little")
        + nonce.to_bytes(4, "little")
    )
    return header + varint(len(txs)) + b"".join(txs)


def block_hash_of(raw_block: bytes) -> str:
    return hash256(raw_block[:HEADER_SIZE])[::-1].hex()

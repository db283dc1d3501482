"""Where blocks come from: Bitcoin Core blk*.dat files, raw blocks (hex or binary), getblock JSON files.

A source first lists its blocks cheaply (hash, parent, where) so the chain can
be put in order; each entry then loads and parses its own block, in a worker
process when there are many (entries are small and picklable).
"""

import json
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from chain.addresses import script_address
from chain.blocks import Block, Tx, TxOut, parse_block, parse_header, parse_tx
from chain.errors import ChainDataError
from chain.networks import NULL_HASH, Network, network_of_magic
from chain.rpc import CoreRPC
from chain.serialization import HEADER_SIZE, merkle_root, read_tx, split_block

RECORD_PREFIX = 8  # magic (4) + little-endian size (4)
MAX_BLOCK_SIZE = 4_000_000  # consensus limit (weight / serialized size)
_CORE_SCRIPT_TYPES = {
    "pubkeyhash": "p2pkh",
    "scripthash": "p2sh",
    "witness_v0_keyhash": "p2wpkh",
    "witness_v0_scripthash": "p2wsh",
    "witness_v1_taproot": "p2tr",
    "pubkey": "p2pk",
    "multisig": "multisig",
    "nulldata": "op_return",
}


@dataclass(frozen=True)
class BlkEntry:
    """A block inside a blk*.dat file; `offset` is where its record (magic) starts."""

    path: str
    offset: int
    size: int
    hash: str
    prev_hash: str

    @property
    def where(self) -> str:
        return f"{self.path} byte {self.offset}"

    def raw(self) -> bytes:
        with open(self.path, "rb") as handle:
            handle.seek(self.offset + RECORD_PREFIX)
            return handle.read(self.size)

    def load(self, network: Network) -> Block:
        return parse_block(self.raw(), where=self.where, network=network)


@dataclass(frozen=True)
class RawEntry:
    data: bytes
    hash: str
    prev_hash: str
    where: str
    height: int | None = None  # when the source knows it (a node)

    def load(self, network: Network) -> Block:
        block = parse_block(self.data, where=self.where, network=network)
        return block if self.height is None else replace(block, stated_height=self.height)


@dataclass(frozen=True)
class RpcEntry:
    """A block on a Bitcoin Core node, fetched when it is parsed (in a parser process when there are several)."""

    url: str  # with credentials: kept in memory only, never stored on the run
    cookie_file: str | None
    height: int
    hash: str
    prev_hash: str

    @property
    def where(self) -> str:
        return f"{CoreRPC(self.url, cookie_file=self.cookie_file).where} height {self.height}"

    def load(self, network: Network) -> Block:
        answer = CoreRPC(self.url, cookie_file=self.cookie_file).block(self.hash, self.height)
        if isinstance(answer, str):
            block = RawEntry(bytes.fromhex(answer), self.hash, self.prev_hash, self.where, self.height).load(network)
        else:
            block = json_block(answer, where=self.where, network=network)
        if block.hash != self.hash:
            raise ChainDataError(self.where, f"the node sent block {block.hash} for {self.hash}")
        return block


@dataclass(frozen=True)
class JsonFileEntry:
    """A getblock answer in a file: only its hashes are kept until it is parsed, so a big directory
    costs little memory (the file is read twice: once for the chain order, once to load)."""

    path: str
    hash: str
    prev_hash: str
    height: int

    @property
    def where(self) -> str:
        return f"{self.path} (height {self.height})"

    def load(self, network: Network) -> Block:
        return json_block(_read_json(Path(self.path)), where=self.where, network=network)


Entry = BlkEntry | RawEntry | JsonFileEntry | RpcEntry


@dataclass
class Scan:
    entries: list[Entry]
    errors: list[ChainDataError]  # records that could not even be framed, in file order


def blk_paths(path: Path) -> list[Path]:
    if path.is_dir():
        paths = sorted(path.glob("blk*.dat"))
        if not paths:
            raise ChainDataError(str(path), "no blk*.dat files in this directory")
        return paths
    if not path.exists():
        raise ChainDataError(str(path), "no such file")
    return [path]


def scan_blk_file(path: Path, network: Network) -> Scan:
    """Frame every record; a bad record ends the file's scan (its size can no longer be trusted)."""
    entries: list[Entry] = []
    data_size = path.stat().st_size
    with open(path, "rb") as handle:
        while True:
            offset = handle.tell()
            prefix = handle.read(RECORD_PREFIX)
            if not prefix.strip(b"\0"):
                return Scan(entries, [])  # end of file, or Core's zero-filled preallocation
            try:
                size = _record_size(prefix, path, offset, network, data_size)
                header = parse_header(handle.read(HEADER_SIZE), where=f"{path} byte {offset}")
            except ChainDataError as error:
                return Scan(entries, [error])
            entries.append(BlkEntry(str(path), offset, size, header.hash, header.prev_hash))
            handle.seek(offset + RECORD_PREFIX + size)


def _record_size(prefix: bytes, path: Path, offset: int, network: Network, data_size: int) -> int:
    where = f"{path} byte {offset}"
    if len(prefix) < RECORD_PREFIX:
        raise ChainDataError(where, f"truncated record: {len(prefix)} bytes where magic and size need 8")
    magic, size = prefix[:4], int.from_bytes(prefix[4:], "little")
    if magic != network.magic:
        other = network_of_magic(magic)
        hint = f"; this is a {other.name} file" if other else ""
        raise ChainDataError(where, f"wrong magic {magic.hex()}, expected {network.name}'s {network.magic.hex()}{hint}")
    if not HEADER_SIZE < size <= MAX_BLOCK_SIZE:
        raise ChainDataError(where, f"implausible block size {size}")
    if offset + RECORD_PREFIX + size > data_size:
        raise ChainDataError(where, f"truncated file: the block needs {size} bytes, {data_size - offset - 8} remain")
    return size


def is_lone_transaction(data: bytes, *, where: str) -> bool:
    """Raw input is a block if it frames as one; otherwise it must be exactly one transaction."""
    try:
        split_block(data, where=where)
        return False
    except ChainDataError as as_block:
        try:
            read_tx(data, where=where)
        except ChainDataError:
            raise ChainDataError(where, f"neither a block nor a transaction: {as_block.message}") from None
        return True


def raw_entry(data: bytes, *, where: str) -> RawEntry:
    header = parse_header(data, where=where)
    return RawEntry(data=data, hash=header.hash, prev_hash=header.prev_hash, where=where)


def decode_raw(text_or_bytes: bytes, *, where: str) -> bytes:
    """Raw input is hex (whitespace allowed) or binary; hex is recognised by its alphabet."""
    stripped = b"".join(text_or_bytes.split())
    if stripped and all(char in b"0123456789abcdefABCDEF" for char in stripped):
        if len(stripped) % 2:
            raise ChainDataError(where, "hex input has an odd number of digits")
        return bytes.fromhex(stripped.decode())
    return text_or_bytes


def json_paths(source: str) -> list[Path]:
    """A run's JSON source: newline-separated files or directories (whose *.json are taken, sorted)."""
    paths: list[Path] = []
    for name in filter(None, source.splitlines()):
        path = Path(name)
        paths.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return paths


def json_entry(path: Path) -> JsonFileEntry:
    """The chain-order facts of a getblock JSON file; the transactions are read when it loads."""
    block = _read_json(path)
    if not isinstance(block, dict) or not {"hash", "height", "tx"} <= block.keys():
        raise ChainDataError(str(path), "not a getblock answer with verbosity 2 or 3 (no hash, height and tx)")
    try:
        height = int(block["height"])
    except (TypeError, ValueError):
        raise ChainDataError(str(path), f"height {block['height']!r} is not a number") from None
    return JsonFileEntry(str(path), str(block["hash"]), str(block.get("previousblockhash", NULL_HASH)), height)


def _read_json(path: Path) -> object:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ChainDataError(str(path), f"not a readable JSON file: {exc}") from None
    return document.get("result", document) if isinstance(document, dict) else document


def json_block(block: object, *, where: str, network: Network) -> Block:
    """A getblock answer (verbosity 2 or 3) as a block; the node's height is taken as stated."""
    if not isinstance(block, dict) or not isinstance(block.get("tx"), list) or "height" not in block:
        raise ChainDataError(where, "not a getblock answer with verbosity 2 or 3 (no 'tx' list of objects)")
    if not block["tx"]:
        raise ChainDataError(where, "the block has no transactions")
    try:
        txs = tuple(_json_tx(tx, index, where, network) for index, tx in enumerate(block["tx"]))
        fields = (block["hash"], block.get("previousblockhash", NULL_HASH), int(block["version"]), int(block["time"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise ChainDataError(where, f"malformed getblock answer: {type(exc).__name__} {exc}") from None
    if merkle_root([tx.txid for tx in txs]) != block.get("merkleroot"):
        raise ChainDataError(where, "merkle root does not match the transactions")
    return Block(
        hash=fields[0],
        prev_hash=fields[1],
        version=fields[2],
        time=fields[3],
        txs=txs,
        stated_height=int(block["height"]),
        where=where,
    )


def _json_tx(tx: dict, index: int, where: str, network: Network) -> Tx:
    if not isinstance(tx, dict) or "hex" not in tx:
        raise ChainDataError(where, f"transaction #{index} has no 'hex' (use getblock verbosity 2 or 3)")
    parsed = parse_tx(bytes.fromhex(tx["hex"]), where=f"{where} tx #{index}", network=network)
    prevouts = [_json_prevout(vin.get("prevout"), network) for vin in tx.get("vin", [])]
    if parsed.coinbase or not any(prevouts):
        return parsed
    inputs = tuple(replace(i, prevout=prevout) for i, prevout in zip(parsed.inputs, prevouts, strict=True))
    return Tx(txid=parsed.txid, coinbase=False, inputs=inputs, outputs=parsed.outputs, size=parsed.size)


def _json_prevout(prevout: dict | None, network: Network) -> TxOut | None:
    """Verbosity 3 gives each input's spent output. Its script is read as we read outputs (Core names no
    address for P2PK, where we use the key's P2PKH address), so both sides of a spend agree."""
    if not prevout:
        return None
    script = prevout.get("scriptPubKey", {})
    satoshis = int((Decimal(str(prevout["value"])) * 100_000_000).to_integral_value())
    if "hex" in script:
        script_type, address = script_address(bytes.fromhex(script["hex"]), network)
    else:
        script_type, address = _CORE_SCRIPT_TYPES.get(script.get("type"), "nonstandard"), script.get("address")
    return TxOut(n=-1, value=satoshis, script_type=script_type, address=address)


def rpc_entries(rpc: CoreRPC, url: str, cookie_file: str | None, first: int, last: int) -> list[RpcEntry]:
    """Headers for heights first..last (cheap calls); the blocks themselves are fetched as they are parsed."""
    entries = []
    for height in range(first, last + 1):
        block_hash = rpc.block_hash(height)
        header = rpc.call("getblockheader", block_hash, where=f"{rpc.where} height {height}")
        entries.append(RpcEntry(url, cookie_file, height, block_hash, header.get("previousblockhash", NULL_HASH)))
    return entries

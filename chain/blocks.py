"""Parsed Bitcoin blocks and transactions.

The rest of ChainSleuth sees these small frozen records: they pickle cheaply
between parser processes and say exactly what the graph needs. Amounts are
integers in satoshis. The framing and txids are ours (chain/serialization.py:
bitcoinlib's txids are wrong for some segwit spends) and so is the script
template match (chain/scripts.py); addresses are encoded by bitcoinlib
(chain/addresses.py). tests/chain/test_parsing.py checks every output of the
real fixture blocks against bitcoinlib's own full parse.
"""

from dataclasses import dataclass

from chain.addresses import input_address, script_address
from chain.errors import ChainDataError
from chain.networks import Network
from chain.serialization import (
    HEADER_SIZE,
    NULL_TXID,
    RawTx,
    coinbase_height,
    hash256,
    merkle_root,
    read_tx,
    split_block,
)


@dataclass(frozen=True, slots=True)
class TxOut:
    n: int
    value: int
    script_type: str
    address: str | None  # p2pk outputs carry the P2PKH address of their key, as explorers show them


@dataclass(frozen=True, slots=True)
class TxIn:
    prev_txid: str
    prev_n: int
    prevout: TxOut | None = None  # the spent output, when the source says (Core's getblock verbosity 3)
    derived: tuple[str, str] | None = None  # (script type, address) the input's own scripts name (chain/scripts.py)


@dataclass(frozen=True, slots=True)
class Tx:
    txid: str
    coinbase: bool
    inputs: tuple[TxIn, ...]  # empty for a coinbase
    outputs: tuple[TxOut, ...]
    size: int

    @property
    def value(self) -> int:
        return sum(output.value for output in self.outputs)


@dataclass(frozen=True, slots=True)
class Block:
    hash: str
    prev_hash: str
    version: int
    time: int
    txs: tuple[Tx, ...]
    stated_height: int | None  # from the coinbase (BIP34) or the node that served it; None before BIP34
    where: str


@dataclass(frozen=True, slots=True)
class Header:
    hash: str
    prev_hash: str


def parse_header(raw: bytes, *, where: str) -> Header:
    if len(raw) < HEADER_SIZE:
        raise ChainDataError(where, f"truncated block header ({len(raw)} of {HEADER_SIZE} bytes)")
    return Header(hash=hash256(raw[:HEADER_SIZE])[::-1].hex(), prev_hash=raw[4:36][::-1].hex())


def parse_block(raw: bytes, *, where: str, network: Network) -> Block:
    """Parse a serialized block; a corrupt transaction fails the merkle check and is named by its offset."""
    header = parse_header(raw, where=where)
    raw_txs = split_block(raw, where=where)
    if not raw_txs:
        raise ChainDataError(where, "the block has no transactions")
    if merkle_root([tx.txid for tx in raw_txs]) != raw[36:68][::-1].hex():
        raise ChainDataError(where, "merkle root does not match the transactions: the block is corrupt")
    txs = tuple(_parse_raw_tx(tx, index, where, network) for index, tx in enumerate(raw_txs))
    if not txs[0].coinbase or any(tx.coinbase for tx in txs[1:]):
        raise ChainDataError(where, "the first transaction, and only the first, must be the coinbase")
    # Version-1 coinbases pushed arbitrary numbers (often the target bits); BIP34 starts with version 2.
    version = int.from_bytes(raw[0:4], "little")
    stated = coinbase_height(raw_txs[0].data) if version >= 2 else None
    return Block(
        hash=header.hash,
        prev_hash=header.prev_hash,
        version=version,
        time=int.from_bytes(raw[68:72], "little"),
        txs=txs,
        stated_height=stated if stated is not None and stated >= network.bip34_height else None,
        where=where,
    )


def parse_tx(raw: bytes, *, where: str, network: Network) -> Tx:
    """One serialized transaction (a whole-input parse: trailing bytes are an error)."""
    return _parse_raw_tx(read_tx(raw, where=where), 0, where, network)


def _parse_raw_tx(raw_tx: RawTx, index: int, where: str, network: Network) -> Tx:
    coinbase = raw_tx.coinbase
    if not coinbase and any(txid == NULL_TXID for txid, _ in raw_tx.outpoints):
        raise ChainDataError(where, f"transaction #{index} at block byte {raw_tx.offset} spends the null outpoint")
    inputs = () if coinbase else tuple(_inputs(raw_tx, network))
    outputs = tuple(_output(n, value, script, network) for n, (value, script) in enumerate(raw_tx.outputs))
    return Tx(txid=raw_tx.txid, coinbase=coinbase, inputs=inputs, outputs=outputs, size=len(raw_tx.data))


def _inputs(raw_tx: RawTx, network: Network):
    for (txid, n), script_sig, witness in zip(raw_tx.outpoints, raw_tx.script_sigs, raw_tx.witnesses, strict=True):
        yield TxIn(txid, n, derived=input_address(script_sig, witness, network))


def _output(n: int, value: int, script: bytes, network: Network) -> TxOut:
    script_type, address = script_address(script, network)
    return TxOut(n=n, value=value, script_type=script_type, address=address)

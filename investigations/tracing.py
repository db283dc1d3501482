"""Follow the money: where an address's funds went (forward) or came from (backward), hop by hop,
with two taint measures side by side (docs/exploration.md):

- **Haircut**: value is traced in proportion. A transaction whose inputs are 30 % traced passes 30 %
  of each output on; an address passes on the share of what it received that was traced.
- **Poison**: any contact taints in full. Every output of a transaction with a traced input is
  traced, whatever its size: the widest net, and the one courts and sanctions lists often use.

Time runs one way: forward, an address's spends are followed only from the block the traced funds
reached it in; backward, its payments only up to the block it passed them on in. Each transaction
is counted once, at the hop it is first met. Each hop looks at no more than `fanout` transactions
per address (the earliest forward, the latest backward) and `OUTPUTS` outputs per transaction, and
follows the `max_nodes` most traced addresses on; the answer says where it was cut. Amounts are
satoshis.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.errors import ChainSleuthError
from graph import get_graph
from graph.explore import address_detail, inputs_of, payments, received_of, risks_of, spends

MAX_HOPS = 6
OUTPUTS = 50  # a transaction's outputs (or inputs, backward) followed
NEVER = 2**62  # backward from an address: every payment it ever got counts


class TraceError(ChainSleuthError):
    """A trace no one can follow as asked (hops out of range, an unknown direction): 400."""


@dataclass
class Trace:
    direction: str
    source: str
    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)  # address → hop, haircut, poison
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, Any]] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "source": self.source,
            "addresses": [{"address": a, **v} for a, v in self.addresses.items()],
            "transactions": [{"txid": t, **v} for t, v in self.transactions.items()],
            "edges": self.edges,
            "cut": bool(self.cut),
            "notes": self.cut,
        }


def follow_money(
    *,
    address: str,
    direction: str = "forward",
    hops: int = 3,
    fanout: int = 25,
    max_nodes: int = 200,
    stop: Callable[[list[str]], set[str]] | None = None,
) -> Trace | None:
    """None when the graph does not hold `address`. `stop` picks, among the addresses a hop reached, those
    the money is not followed past (screening stops at tagged services: funds that reach one have arrived)."""
    if not 1 <= hops <= MAX_HOPS:
        raise TraceError(f"hops: {hops} is not between 1 and {MAX_HOPS}")
    if direction not in ("forward", "backward"):
        raise TraceError(f"direction: {direction!r} is neither forward nor backward")
    store = get_graph()
    start = address_detail(store, address)
    if start is None:
        return None
    trace = Trace(direction=direction, source=address)
    whole = start.received or 0
    since = 0 if direction == "forward" else NEVER
    trace.addresses[address] = {
        **{"hop": 0, "haircut": whole, "poison": whole, "received": whole, "height": since},
        "risk": start.risk,
    }
    frontier = [address]
    step = _forward_hop if direction == "forward" else _backward_hop
    for hop in range(1, hops + 1):
        reached = step(store, trace, frontier, hop, fanout)
        if stop is not None:
            stopped = stop(reached)
            reached = [a for a in reached if a not in stopped]
        frontier = sorted(reached, key=lambda a: -trace.addresses[a]["haircut"])
        if len(frontier) > max_nodes:
            trace.cut.append(f"hop {hop}: followed the {max_nodes} most traced of {len(frontier):,} addresses")
            frontier = frontier[:max_nodes]
        if not frontier:
            break
    return trace


def _share(address: str, trace: Trace) -> tuple[float, bool]:
    """The haircut share of an address's funds that is traced, and whether poison reached it."""
    node = trace.addresses[address]
    received = node["received"] or 0
    return (min(1.0, node["haircut"] / received) if received else 0.0), node["poison"] > 0


def _frontier_rows(trace: Trace, frontier: list[str]) -> list[dict]:
    return [{"address": address, "height": trace.addresses[address]["height"]} for address in frontier]


def _forward_hop(store, trace: Trace, frontier: list[str], hop: int, fanout: int) -> list[str]:
    rows = spends(store, _frontier_rows(trace, frontier), fanout=fanout)
    _note_fanout(trace, rows, fanout, hop, "spends")
    reached = []
    for txid, spenders in _new_transactions(trace, rows).items():
        tx = spenders[0]
        # A spend of an output outside the graph (value unknown) carries none of the traced funds.
        traced = sum((row["spent"] or 0) * _share(row["address"], trace)[0] for row in spenders)
        share = _record(trace, txid, tx, hop, traced)
        for row in spenders:
            trace.edges.append({"from": row["address"], "to": txid, "value": row["spent"]})
        outputs = [(payee, value) for payee, value in zip(tx["out_address"] or [], tx["out_value"] or [], strict=True)]
        if len(outputs) > OUTPUTS:
            trace.cut.append(f"hop {hop}: followed the first {OUTPUTS} of {len(outputs)} outputs of {txid}")
        for payee, value in outputs[:OUTPUTS]:
            if not payee:
                continue
            trace.edges.append({"from": txid, "to": payee, "value": value, "haircut": value * share})
            if _credit(trace, payee, hop, haircut=value * share, poison=value, height=tx["height"]):
                reached.append(payee)
    _fill_received(store, trace, reached)
    return reached


def _backward_hop(store, trace: Trace, frontier: list[str], hop: int, fanout: int) -> list[str]:
    rows = payments(store, _frontier_rows(trace, frontier), fanout=fanout)
    _note_fanout(trace, rows, fanout, hop, "payments")
    paid_by_tx = _new_transactions(trace, rows)
    sources = defaultdict(list)
    for row in inputs_of(store, list(paid_by_tx), fanout=OUTPUTS):
        sources[row["txid"]].append(row)
    reached = []
    for txid, paid in paid_by_tx.items():
        tx, unknown = _with_unknown_inputs(paid[0])
        share = _record(trace, txid, tx, hop, sum(row["paid"] * _share(row["address"], trace)[0] for row in paid))
        for row in paid:
            trace.edges.append({"from": txid, "to": row["address"], "value": row["paid"]})
        if len(sources[txid]) >= OUTPUTS:
            trace.cut.append(f"hop {hop}: followed the {OUTPUTS} largest inputs of {txid} only")
        for source in sources[txid]:
            value = unknown if source["value"] is None else source["value"]
            trace.edges.append({"from": source["source"], "to": txid, "value": value, "haircut": value * share})
            if _credit(trace, source["source"], hop, haircut=value * share, poison=value, height=tx["height"]):
                reached.append(source["source"])
    _fill_received(store, trace, reached)
    return reached


def _with_unknown_inputs(tx: dict) -> tuple[dict, float]:
    """An input whose spent output is not loaded has a known address (read from the input) but no value.
    Backward, such inputs share what the known ones do not cover of the outputs (the fee is unknown: taken
    as none), equally; `in_value` is then that estimate of the whole. Returns (tx, each one's estimate)."""
    unresolved = tx.get("unresolved") or 0
    if not unresolved or tx.get("coinbase"):
        return tx, 0.0
    known = tx["in_value"] or 0
    missing = max((tx.get("value") or 0) - known, 0)
    return {**tx, "in_value": known + missing}, missing / unresolved


def _new_transactions(trace: Trace, rows: list[dict]) -> dict[str, list[dict]]:
    """The rows grouped by transaction, leaving out transactions met at an earlier hop (counted there)."""
    by_tx: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["txid"] not in trace.transactions:
            by_tx[row["txid"]].append(row)
    return by_tx


def _record(trace: Trace, txid: str, tx: dict, hop: int, traced: float) -> float:
    """Note the transaction and return the share of its value that is traced (traced / its inputs)."""
    share = traced / tx["in_value"] if tx["in_value"] else 0.0
    trace.transactions[txid] = {"hop": hop, "height": tx["height"], "time": tx["time"], "share": share}
    return share


def _credit(trace: Trace, address: str, hop: int, *, haircut: float, poison: int, height: int) -> bool:
    """Add traced value to an address; True when it is newly reached (it joins the next frontier, from the
    block `height` the traced funds reached it in)."""
    node = trace.addresses.get(address)
    if node is None:
        trace.addresses[address] = {
            "hop": hop,
            "haircut": haircut,
            "poison": poison,
            "received": None,
            "height": height,
            "risk": None,  # the model's score, filled in with `received`
        }
        return True
    node["haircut"] += haircut
    node["poison"] += poison
    return False


def _fill_received(store, trace: Trace, addresses: list[str]) -> None:
    """What each newly reached address received in all (the denominator of its haircut share), and its
    score, so whoever draws the trace colours each address as the address itself would be."""
    received, risks = received_of(store, addresses), risks_of(store, addresses)
    for address in addresses:
        trace.addresses[address].update(received=received.get(address, 0), risk=risks.get(address))


def _note_fanout(trace: Trace, rows: list[dict], fanout: int, hop: int, what: str) -> None:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["address"]] += 1
    full = [address for address, n in counts.items() if n >= fanout]
    if full:
        trace.cut.append(f"hop {hop}: looked at {fanout} {what} only of {len(full)} addresses")

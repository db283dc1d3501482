"""Address clustering heuristics, each with its confidence and its source.

Pure functions over one transaction and its resolved inputs. They say which
addresses a transaction links and why; chain/clusters.py turns those links
into cluster merges. docs/clustering.md explains each rule.

- multi_input (common-input-ownership; Nakamoto 2008 §10, Meiklejohn et al. 2013
  "A Fistful of Bitcoins"): the inputs of one transaction are signed by one owner.
  Skipped for CoinJoins, which break it by design.
- Change heuristics, for a plain payment with two outputs (one pays someone,
  the other returns change to the spender). Each names the change output:
  address_reuse (the output pays back an input address), fresh_change (the
  only output to a never-seen address; Meiklejohn et al. 2013), script_type
  (the only output of the inputs' script type; Möser & Narayanan 2022,
  BlockSci), round_payment (the other output is a round amount; Nick 2015).
  Guesses that agree combine (1 - Π(1 - c)); guesses that disagree cancel.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chain.blocks import Tx
from graph.chain import Prevout

MULTI_INPUT_CONFIDENCE = 0.9
DEFAULT_CHANGE_MIN_CONFIDENCE = 0.6  # CLUSTER_CHANGE_MIN_CONFIDENCE's default: a lone weak guess merges nothing
CHANGE_CONFIDENCE = {"address_reuse": 0.95, "fresh_change": 0.6, "script_type": 0.5, "round_payment": 0.4}
ROUND_UNIT = 100_000  # 0.001 BTC: payments are often whole multiples of it, change almost never

WHIRLPOOL_POOLS = frozenset({100_000, 1_000_000, 5_000_000, 50_000_000})
WASABI1_DENOMINATION = (9_000_000, 11_000_000)  # about 0.1 BTC


@dataclass(frozen=True)
class ChangeGuess:
    n: int
    address: str
    heuristics: tuple[str, ...]
    confidence: float


@dataclass(frozen=True)
class TxClustering:
    """What one transaction says about ownership."""

    coinjoin: str | None  # which CoinJoin rule matched, if any
    input_addresses: tuple[str, ...]  # distinct, in input order; linked when multi_input applies
    multi_input: bool
    change: ChangeGuess | None


def analyse(tx: Tx, prevouts: Sequence[Prevout | None], seen_before: Callable[[str], bool]) -> TxClustering:
    if tx.coinbase:
        return TxClustering(None, (), False, None)
    addresses = tuple(dict.fromkeys(p.address for p in prevouts if p is not None and p.address))
    coinjoin = coinjoin_kind(tx, prevouts)
    if coinjoin:
        return TxClustering(coinjoin, addresses, False, None)
    change = guess_change(tx, prevouts, seen_before)
    return TxClustering(None, addresses, len(addresses) > 1, change)


def coinjoin_kind(tx: Tx, prevouts: Sequence[Prevout | None]) -> str | None:
    """The CoinJoin shape this transaction has, checked most specific first (docs/clustering.md)."""
    values = [out.value for out in tx.outputs if out.address]
    if not values:
        return None
    value, equal = Counter(values).most_common(1)[0]
    inputs = len(tx.inputs)
    if 5 <= inputs <= 8 and len(tx.outputs) == inputs and equal == inputs and value in WHIRLPOOL_POOLS:
        return "whirlpool"
    if equal >= 10 and WASABI1_DENOMINATION[0] <= value <= WASABI1_DENOMINATION[1] and inputs >= equal:
        return "wasabi"
    if inputs >= 50 and len(values) >= 50 and _repeated_share(values) >= 0.3:
        return "wasabi2"
    distinct_owners = len({p.address for p in prevouts if p is not None and p.address})
    equal_addresses = len({out.address for out in tx.outputs if out.value == value and out.address})
    # One owner paying several people the same amount is a batch payment, not a CoinJoin.
    if equal >= 3 and equal_addresses == equal and inputs >= equal and len(tx.outputs) <= 2 * equal + 1:
        return "joinmarket" if distinct_owners != 1 else None
    return None


def guess_change(tx: Tx, prevouts: Sequence[Prevout | None], seen_before: Callable[[str], bool]) -> ChangeGuess | None:
    """Which of exactly two outputs returns change to the spender, by every heuristic that can tell."""
    outputs = tx.outputs
    if len(outputs) != 2 or not all(out.address for out in outputs) or any(p is None for p in prevouts):
        return None
    if outputs[0].address == outputs[1].address:
        return None
    votes: dict[int, list[str]] = {0: [], 1: []}
    for heuristic, n in _change_votes(outputs, prevouts, seen_before):
        votes[n].append(heuristic)
    if votes[0] and votes[1]:
        return None  # the heuristics disagree: no guess is better than a wrong one
    n = 0 if votes[0] else 1
    if not votes[n]:
        return None
    miss = 1.0
    for heuristic in votes[n]:
        miss *= 1 - CHANGE_CONFIDENCE[heuristic]
    return ChangeGuess(n, outputs[n].address, tuple(votes[n]), round(1 - miss, 4))


def _change_votes(outputs, prevouts, seen_before):
    input_addresses = {p.address for p in prevouts}
    reused = [out.n for out in outputs if out.address in input_addresses]
    if len(reused) == 1:
        yield "address_reuse", reused[0]
    fresh = [out.n for out in outputs if not seen_before(out.address)]
    if len(fresh) == 1:
        yield "fresh_change", fresh[0]
    input_types = {p.script_type for p in prevouts}
    if len(input_types) == 1:
        matching = [out.n for out in outputs if out.script_type in input_types]
        if len(matching) == 1:
            yield "script_type", matching[0]
    round_outputs = [out.n for out in outputs if out.value % ROUND_UNIT == 0]
    if len(round_outputs) == 1:
        yield "round_payment", 1 - round_outputs[0]


def _repeated_share(values: list[int]) -> float:
    counts = Counter(values)
    return sum(count for count in counts.values() if count > 1) / len(values)

"""Address screening: a verdict per address, each answered on its own so one bad address never fails
a batch. Scores are cached per address until the graph's tip, the active model or the tags change.
How the score is made: docs/screening.md.
"""

import functools
import time
from typing import Any

from bitcoinlib.encoding import EncodingError
from bitcoinlib.keys import deserialize_address
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from chain.addresses import address_normalise
from graph import get_graph
from graph.chain import chain_tip
from graph.explore import AddressDetail, address_detail
from graphml.models import LabelingJob, ModelVersion
from investigations.models import AuditEvent
from screening.exposure import Exposure, exposure, tags_exposure

BATCH_MAX = 1_000
LEVELS = ((80, "severe"), (60, "high"), (30, "medium"), (0, "low"))
TAG_EVENTS = ("tagpack.import", "tag.add", "tag.remove")
# What a tag on the address itself, or on its cluster, says about risk (docs/screening.md). A sanctions list
# is severe either way: paying a listed party is what an exchange must not do.
DIRECT_SCORE = {("address", "sanctioned"): 100, ("cluster", "sanctioned"): 100, ("address", "illicit"): 100,
                ("cluster", "illicit"): 90, ("address", "high_risk"): 70, ("cluster", "high_risk"): 60}  # fmt: skip
INDIRECT_WEIGHT = {"sanctioned": 100, "illicit": 100, "high_risk": 60}  # times the share, halved each hop past 1
PROCESS_MEMO = 10_000  # verdicts a web process keeps (a few KiB each)
EPOCH_SECONDS = 1.0  # how stale a cached verdict may be after the graph, model or tags change

_epoch_memo: dict[str, tuple[float, str]] = {}  # graph name → (when read, epoch)


def screen_addresses(addresses: list[str], *, hops: int = 2) -> list[dict[str, Any]]:
    epoch, graph_name = screening_epoch(), settings.GRAPH_NAME
    return [_screen_memo(text, hops, epoch, graph_name) for text in addresses]


@functools.lru_cache(maxsize=PROCESS_MEMO)
def _screen_memo(text: str, hops: int, epoch: str, graph_name: str) -> dict[str, Any]:
    """Each web process keeps its latest verdicts: a repeated address costs no round trip at all. The epoch
    is in the key, so a change of graph, model or tags makes every kept verdict unreachable."""
    return _screen_cached(text, hops, epoch)


def _screen_cached(text: str, hops: int, epoch: str) -> dict[str, Any]:
    normal, problem = address_checked(text)
    if problem:
        return {"address": text, "status": 400, "error": problem}
    key = f"screen:{settings.GRAPH_NAME}:{epoch}:{hops}:{normal}"
    found = cache.get(key)
    if found is None:
        found = address_screen(normal, hops=hops)
        cache.set(key, found, timeout=3600)
    return found


def address_checked(text: str) -> tuple[str, str | None]:
    """(the address as stored, None) or (text, what is wrong with it)."""
    if not isinstance(text, str) or not text.strip():
        return text, "empty: give a Bitcoin address"
    normal = address_normalise(text)
    if normal is None:
        return text, "not a Bitcoin address (wrong characters or length)"
    try:
        deserialize_address(normal)
    except (EncodingError, ValueError, TypeError) as error:
        return text, f"not a valid Bitcoin address: {error}"
    return normal, None


def address_screen(address: str, *, hops: int = 2) -> dict[str, Any]:
    """The verdict on one address. One the graph has never seen on chain is judged by its tags alone (a brand
    new sanctioned address is severe); only an address that is neither seen nor tagged is not found (404)."""
    store = get_graph()
    detail = address_detail(store, address)
    found = exposure(detail, hops=hops) if detail is not None else tags_exposure(address)
    if found is None:
        return {"address": address, "status": 404, "error": "never seen on chain by this installation"}
    score, reasons = risk_score(detail or AddressDetail.unseen(address), found)
    if detail is None:
        detail = AddressDetail.unseen(address)
        reasons.append("never seen on chain by this installation: judged by its tags alone")
    return {
        "address": address,
        "status": 200,
        "risk_score": score,
        "risk_level": next(level for floor, level in LEVELS if score >= floor),
        "score_reasons": reasons,
        "model": {
            "score": detail.risk,
            "label": detail.risk_label,
            "version": detail.risk_model,
            "reasons": detail.reasons or [],
        },
        "cluster": detail.cluster,
        "exposure": {"direct": found.direct, "received": found.received, "sent": found.sent},
        "cut": found.cut,
    }


def risk_score(detail: AddressDetail, found: Exposure) -> tuple[int, list[str]]:
    """0-100: the highest of the model's score, the direct tags and the indirect illicit exposure."""
    parts = [(round((detail.risk or 0) * 100), f"model {detail.risk_model or '-'}: {detail.risk or 0:.2f}")]
    for tag in found.direct:
        points = DIRECT_SCORE.get((tag["via"], tag["risk_class"]))
        if points:
            parts.append((points, f"{tag['via']} tagged {tag['category']} ({tag['label']})"))
    for way, shares in (("received from", found.received), ("sent to", found.sent)):
        for category, entry in shares.items():
            weight = INDIRECT_WEIGHT.get(entry["risk_class"])
            if weight:
                points = round(weight * entry["share"] / 2 ** (entry["hops"] - 1))
                parts.append((points, f"{entry['share']:.0%} {way} {category} at {entry['hops']} hops"))
    parts.sort(key=lambda part: -part[0])
    return min(parts[0][0], 100), [reason for points, reason in parts if points > 0][:5]


def screening_epoch() -> str:
    """Changes when a block is ingested, a model is promoted, a labeling job writes scores or tags change;
    read at most once a second per process."""
    now, graph_name = time.monotonic(), settings.GRAPH_NAME
    at, value = _epoch_memo.get(graph_name, (0.0, ""))
    if not value or now - at > EPOCH_SECONDS:
        tip = chain_tip(get_graph())
        model = ModelVersion.objects.filter(active=True).values_list("version", flat=True).first()
        labeled = LabelingJob.objects.filter(status=LabelingJob.Status.SUCCEEDED).aggregate(last=Max("id"))["last"]
        tags = AuditEvent.objects.filter(action__in=TAG_EVENTS).aggregate(last=Max("seq"))["last"]
        value = f"{tip[1] if tip else 0}:{model}:{labeled}:{tags}"
        _epoch_memo[graph_name] = (now, value)
    return value

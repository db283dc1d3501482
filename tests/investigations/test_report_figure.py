"""The report's figure: the explorer view saved to the case, drawn at its saved positions in the explorer's
risk colours, with labels that overlap neither each other nor a node; without a saved view, the subjects
with their transactions, an address joined to its cluster."""

import io
import itertools
import random
import time

import pytest
from PIL import Image

from investigations.report.figure import figure_png
from investigations.report.view import Edge, Node, View, case_view
from investigations.services import case_create, evidence_snapshot_acquire, subject_add
from tests.investigations.test_exploration import addr, flows  # noqa: F401 - a hand-built chain

pytestmark = pytest.mark.django_db


def node(ref: str, x: float, y: float, risk: float | None, kind: str = "address", note: str = "") -> dict:
    prefix = "a" if kind == "address" else "t"
    return {"id": f"{prefix}:{ref}", "kind": kind, "ref": ref, "risk": risk, "note": note, "position": {"x": x, "y": y}}


def overlapping(drawn) -> list[tuple[str, str]]:
    return [(a, b) for (a, box), (b, other) in itertools.combinations(drawn.labels, 2) if box.overlaps(other)]


def colour_at(drawn, node_id: str) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(drawn.png)).convert("RGB")
    x, y = drawn.centres[node_id]
    return image.getpixel((round(x), image.height - round(y)))  # PNG rows run top down


def test_the_saved_view_is_drawn_where_the_investigator_left_it(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="Saved view")
    source, payee = "bc1qsource000000000000000000000000000000", "bc1qpayee0000000000000000000000000000000"
    view = {
        "start": source,
        "nodes": [
            node(source, 0, 0, 0.95, note="mixer in"),
            node("ab" * 32, 300, 0, None, kind="transaction"),
            node(payee, 600, 200, 0.05),
        ],
        "edges": [
            {"source": f"a:{source}", "target": f"t:{'ab' * 32}", "value": 150_000_000},
            {"source": f"t:{'ab' * 32}", "target": f"a:{payee}", "value": 149_000_000},
        ],
    }
    evidence_snapshot_acquire(user=people["ana"], case_id=case.id, name="payout path", snapshot=view)
    drawn_view = case_view(case)
    assert "“payout path”" in drawn_view.caption
    drawn = figure_png(drawn_view)
    at = drawn.centres
    assert at[f"a:{source}"][0] < at[f"t:{'ab' * 32}"][0] < at[f"a:{payee}"][0], "left to right, as saved"
    assert at[f"a:{payee}"][1] < at[f"a:{source}"][1], "the payee lower, as saved (the explorer's y runs down)"
    labels = [text for text, _ in drawn.labels]
    assert "mixer in · bc1qso…000000" in labels
    assert "1.50 BTC" in labels
    assert overlapping(drawn) == []
    red, green, _ = colour_at(drawn, f"a:{source}")
    assert (red > 150, green < 100) == (True, True), "a risky address is red"
    red, green, _ = colour_at(drawn, f"a:{payee}")
    assert (green > 130, red < 100) == (True, True), "a low-risk address is green"


def test_a_clusters_addresses_are_drawn_in_one_box_named_after_it(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="One owner")
    spender, change, payee = (f"bc1q{name}" + "0" * 30 for name in ("spender", "change", "payee"))
    nodes = [
        {**node(spender, 0, 0, 0.7), "cluster": "cl_0123456789abcdef"},
        {**node(change, 0, 80, 0.7), "cluster": "cl_0123456789abcdef"},
        {**node(payee, 400, 40, 0.2), "cluster": "cl_ffff"},
    ]
    evidence_snapshot_acquire(user=people["ana"], case_id=case.id, name="owner", snapshot={"nodes": nodes})
    view = case_view(case)
    assert view.clusters == {"cl_0123456789abcdef": [f"a:{spender}", f"a:{change}"]}, "a cluster of one has no box"
    drawn = figure_png(view)
    assert "cluster cl_01…bcdef" in [text for text, _ in drawn.labels]
    assert overlapping(drawn) == []


def test_crowded_labels_never_overlap_and_the_subjects_keep_theirs(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="A crowd")
    refs = [f"bc1qcrowd{i:03d}" + "0" * 30 for i in range(160)]
    crowd = [node(ref, (i % 16) * 12, (i // 16) * 10, i / 160) for i, ref in enumerate(refs)]
    evidence_snapshot_acquire(
        user=people["ana"], case_id=case.id, name="crowd", snapshot={"start": refs[17], "nodes": crowd, "edges": []}
    )
    drawn = figure_png(case_view(case))
    assert overlapping(drawn) == []
    assert drawn.left_out > 0, "a crowd this dense cannot label every node"
    assert drawn.left_out + len(drawn.labels) == 160
    assert drawn.labels[0][0] == "bc1qcr…000000", "the subject's label is placed first"


def test_without_a_saved_view_an_address_is_joined_to_its_cluster(people, flows, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    store = flows[0]
    cluster = store.read(
        "MATCH (:Address {address: $a})-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS c", a=addr("B")
    )[0]["c"]
    case = case_create(user=people["ana"], title="B and its cluster")
    subject_add(user=people["ana"], case_id=case.id, kind="address", ref=addr("B"))
    subject_add(user=people["ana"], case_id=case.id, kind="cluster", ref=cluster)
    view = case_view(case)
    assert "no explorer view was saved" in view.caption
    joined = [(e.source, e.target, e.label) for e in view.edges if e.target == f"cluster:{cluster}"]
    assert joined == [(f"address:{addr('B')}", f"cluster:{cluster}", "in cluster")]
    drawn = figure_png(view)
    assert overlapping(drawn) == []
    assert drawn.left_out == 0
    assert {f"address:{addr('B')}", f"cluster:{cluster}"} <= set(drawn.centres)


def test_a_view_of_two_thousand_nodes_is_drawn_in_seconds_without_overlaps():
    """A whole saved expansion: the report must not hang on it (it took minutes before labels.py's grid)."""
    shuffle = random.Random(3)
    nodes = [
        Node(
            f"n{i}",
            "address",
            f"bc1q…{i:05d}",
            shuffle.random(),
            i == 0,
            (shuffle.random() * 3000, shuffle.random() * 2000),
        )
        for i in range(2000)
    ]
    edges = [Edge(f"n{i}", f"n{shuffle.randrange(2000)}", "0.1 BTC") for i in range(2000)]
    started = time.monotonic()
    drawn = figure_png(View(caption="", nodes=nodes, edges=edges))
    assert time.monotonic() - started < 60
    assert overlapping(drawn) == []
    assert len(drawn.centres) == 2000

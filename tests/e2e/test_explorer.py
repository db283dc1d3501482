"""The explorer reads at a glance, in a real browser at 1280 by 720: a cluster laid out as a block of legible
labels, each result (a trace, a path) drawn in view without pressing Fit, risk colours on every node whatever
answer brought it, a legend, where the traced money ended, a cut counted in transactions, ISO dates, and a
font that draws ₿."""

import re

import pytest

from tests.e2e.conftest import shot, sign_in
from tests.e2e.seed import WALLET

pytestmark = pytest.mark.slow

CY = "document.querySelector('[data-testid=canvas]')._cyreg.cy"
UNSCORED = "#9aa5b1"  # format.ts riskColour(null)
LABEL_PX = 12  # an address's label at zoom 1 (GraphCanvas.tsx)

# Each drawn node (not a cluster's box) with its label's box and its body's box, in model coordinates.
BOXES = f"""() => {CY}.nodes().filter(n => !n.isParent()).map(n => ({{
  id: n.id(),
  label: n.boundingBox({{includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false}}),
  body: n.boundingBox({{includeNodes: true, includeEdges: false, includeLabels: false, includeOverlays: false}}),
}}))"""

# Each drawn node's box on screen, and the canvas's size: what the investigator sees without moving the view.
ON_SCREEN = f"""() => {{
  const cy = {CY};
  return {{
    width: cy.width(), height: cy.height(), zoom: cy.zoom(),
    nodes: cy.nodes().filter(n => !n.isParent()).map(n => ({{id: n.id(), box: n.renderedBoundingBox()}})),
  }};
}}"""


def _meets(a: dict, b: dict) -> bool:
    return a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]


def _overlapping_share(boxes: list[dict]) -> float:
    """The share of labels that overlap another node's label or body."""
    clashing = sum(
        any(
            _meets(one["label"], other["label"]) or _meets(one["label"], other["body"])
            for other in boxes
            if other is not one
        )
        for one in boxes
    )
    return clashing / len(boxes)


def _colour(page, ref: str) -> str:
    return page.evaluate(f"() => {CY}.getElementById('a:{ref}').data('colour')")


def _all_in_view(page) -> None:
    drawn = page.evaluate(ON_SCREEN)
    outside = [
        n["id"]
        for n in drawn["nodes"]
        if n["box"]["x1"] < 0
        or n["box"]["y1"] < 0
        or n["box"]["x2"] > drawn["width"]
        or n["box"]["y2"] > drawn["height"]
    ]
    assert not outside, f"drawn outside the canvas: {outside}"


def _legible(page) -> None:
    zoom = page.evaluate(f"() => {CY}.zoom()")
    assert zoom * LABEL_PX >= 8, f"labels drawn at {zoom * LABEL_PX:.1f} px are too small to read"


def _away(page) -> None:
    """The investigator zoomed in on a corner: a new result must still come into view."""
    page.evaluate(f"() => {{ const cy = {CY}; cy.zoom(2); cy.pan({{x: -4000, y: -4000}}); }}")


def test_a_cluster_opens_as_a_block_of_legible_labels_with_a_legend(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/explore?cluster={web['wallet']}")
    page.get_by_text(f"{WALLET} nodes,").wait_for()
    page.wait_for_function(f"() => {CY}.nodes().filter(n => !n.isParent()).length === {WALLET}")
    boxes = page.evaluate(BOXES)
    share = _overlapping_share(boxes)
    assert share <= 0.05, f"labels must not pile on one another: {share:.0%} overlap"
    xs = [b["body"]["x1"] for b in boxes]
    ys = [b["body"]["y1"] for b in boxes]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    assert height > 0, "not one line of dots"
    assert width / height < 4, f"a block, not a line of dots ({width:.0f} by {height:.0f})"
    _legible(page)
    _all_in_view(page)
    scored = [
        b["id"] for b in boxes if page.evaluate(f"() => {CY}.getElementById('{b['id']}').data('colour')") != UNSCORED
    ]
    assert len(scored) == 14, "the 14 scored members are coloured by risk"
    legend = page.get_by_role("region", name="Legend")
    assert legend.bounding_box()["y"] + legend.bounding_box()["height"] <= 720, "the legend is on screen"
    assert all(word in legend.inner_text() for word in ("severe", "low", "unscored", "transaction", "cut", "path"))
    page.get_by_label("Colour by").select_option("category")
    legend.get_by_text("untagged").wait_for()
    assert "severe" not in legend.inner_text()
    shot(page, "explorer-cluster")


def test_a_trace_is_drawn_in_view_coloured_by_risk_and_says_where_the_money_ended(page, web):
    sign_in(page, web)
    thief, shop = web["thief"][0], web["shop"]
    page.goto(f"{web['url']}/app/explore?address={thief}")
    page.get_by_text(re.compile(r"^[2-9] nodes,")).wait_for()
    page.get_by_role("list", name="nodes").get_by_role("button", name=re.compile("Address " + thief[:6])).click()
    _away(page)
    page.get_by_role("complementary", name="selected node").get_by_role("button", name="Follow the money").click()
    page.get_by_role("note").filter(has_text=re.compile(r"Forward 3 hops")).wait_for()
    _all_in_view(page)
    _legible(page)
    assert _colour(page, shop) not in (UNSCORED, None), "the shop, brought by the trace, is scored 0.2"
    assert _colour(page, shop) != _colour(page, thief), "low and severe differ"
    summary = page.get_by_role("region", name="Trace summary")
    assert "Where the money ended" in summary.inner_text()
    assert re.search(r"2 hops · 3 addresses · 2 transactions", summary.inner_text())
    untagged = summary.get_by_role("row").filter(has_text="untagged")
    assert re.match(r"untagged\s+2\s+49 BTC\s+98 BTC", untagged.inner_text()), untagged.inner_text()
    shot(page, "explorer-trace")


def test_a_path_colours_the_addresses_it_brings(page, web):
    sign_in(page, web)
    thief, shop = web["thief"][0], web["shop"]
    page.goto(f"{web['url']}/app/explore?address={thief}")
    page.get_by_text(re.compile(r"^[2-9] nodes,")).wait_for()
    page.get_by_role("list", name="nodes").get_by_role("button", name=re.compile("Address " + thief[:6])).click()
    _away(page)
    panel = page.get_by_role("complementary", name="selected node")
    panel.get_by_label("Path to address").fill(web["supplier"])
    panel.get_by_role("button", name="Find path").click()
    page.get_by_role("note").filter(has_text="Path: 2 hops").wait_for()
    _all_in_view(page)
    assert _colour(page, shop) not in (UNSCORED, None), "the shop, brought by the path, is scored 0.2"
    assert _colour(page, web["supplier"]) == UNSCORED, "the supplier is not scored"


def test_a_cut_counts_transactions_not_edges(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/explore?address={web['w0']}&limit=1")
    note = page.get_by_role("note").filter(has_text="Cut:")
    note.wait_for()
    assert note.inner_text().startswith("Cut: 1 of 2 transactions shown (3 edges matched)."), note.inner_text()


def test_dates_are_iso_whatever_the_locale_and_bitcoin_amounts_draw_their_sign(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/explore?address={web['shop']}")
    page.get_by_text(re.compile(r"^[2-9] nodes,")).wait_for()
    since = page.get_by_label("From", exact=True)
    assert since.get_attribute("placeholder") == "yyyy-mm-dd"
    since.fill("01/02/2030")
    assert since.get_attribute("aria-invalid") == "true", "an en-US date is refused, not read"
    since.fill("2030-01-02")
    assert since.get_attribute("aria-invalid") == "false"
    assert since.input_value() == "2030-01-02"
    page.get_by_role("button", name="pick the from date").click()  # the browser's calendar, without an error
    page.keyboard.press("Escape")
    assert since.input_value() == "2030-01-02"
    assert page.evaluate(f"() => {CY}.edges().some(e => e.data('label').includes('₿'))"), "edge amounts in ₿"
    drawn = page.evaluate(
        """async () => {
          await document.fonts.load('11px "Noto Sans"', '₿');
          const canvas = document.createElement('canvas');
          canvas.width = canvas.height = 40;
          const pen = canvas.getContext('2d');
          const draw = (text) => {
            pen.clearRect(0, 0, 40, 40);
            pen.font = '28px ' + getComputedStyle(document.body).fontFamily;  // the page's own stack
            pen.fillText(text, 4, 32);
            return Array.from(pen.getImageData(0, 0, 40, 40).data).join();
          };
          return {bitcoin: draw('₿'), missing: draw('\\uE000'), blank: draw(' ')};
        }"""
    )
    assert drawn["bitcoin"] != drawn["blank"], "₿ draws something"
    assert drawn["bitcoin"] != drawn["missing"], "₿ draws a glyph, not the box of a missing one"

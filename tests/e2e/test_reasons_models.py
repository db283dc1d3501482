"""Reasons a person can read and the model view, in a real browser at 1280 by 720: the address page says in
words why the model scored it, which way each reason pushed and how much, and its influential neighbours open
the explorer; the cluster page combines its members' reasons; the model page shows the confusion matrix,
recall per typology for each model, and how the scores spread over the graph."""

import re

from tests.e2e.conftest import shot, sign_in


def test_the_address_page_says_why_in_words_and_a_neighbour_opens_the_explorer(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/addresses/{web['thief'][0]}")
    why = page.get_by_role("region", name="Why the model scored it")
    reasons = why.get_by_role("table", name="reasons")
    reasons.get_by_role("row").nth(3).wait_for()
    rows = [row.inner_text().split("\t") for row in reasons.get_by_role("row").all()[1:]]
    assert [(text, effect, weight.strip()) for text, effect, weight in rows] == [
        ("Share of its bitcoin sent to addresses tagged illicit", "raises the risk", "80 %"),
        ("Share of its transactions that are CoinJoins", "raises the risk", "15 %"),
        ("Script type P2PKH (legacy, starts with 1)", "lowers the risk", "5 %"),
    ]
    assert "illicit_tag_sent_share" not in why.inner_text(), "no raw feature name on the screen"
    neighbours = why.get_by_role("list", name="influential neighbours")
    assert "in the same cluster" in neighbours.get_by_role("listitem").first.inner_text()
    shot(page, "address-reasons")

    neighbours.get_by_role("link", name=web["thief"][1]).click()
    page.wait_for_url(re.compile(r"/app/explore\?address="))
    assert web["thief"][1] in page.url
    page.get_by_text(re.compile(r"^[1-9]\d* nodes,")).wait_for()


def test_the_cluster_page_combines_its_members_reasons(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/clusters/{web['cluster']}")
    why = page.get_by_role("region", name="Why the model flagged this cluster")
    why.get_by_text("Combined from 2 explained members").wait_for()
    first = why.get_by_role("table", name="reasons").get_by_role("row").nth(1).inner_text()
    assert first.startswith("Share of its bitcoin sent to addresses tagged illicit"), "1.6: the strongest in all"
    shop = why.get_by_role("list", name="influential neighbours").get_by_role("listitem").first
    assert web["shop"] in shop.inner_text()
    assert "pushed up 2 members" in shop.inner_text(), "both thief addresses name the shop"


def test_the_model_page_shows_the_confusion_matrix_recall_per_typology_and_the_risk_spread(page, web):
    sign_in(page, web)
    page.get_by_role("link", name="Models").click()
    matrix = page.get_by_role("table", name="confusion matrix")
    matrix.wait_for()
    assert matrix.get_by_role("row", name=re.compile("^Illicit")).inner_text().split("\t")[1:] == [
        "177 caught",
        "53 missed",
    ]
    assert "41 false alarms" in matrix.inner_text()

    recall = page.get_by_role("table", name="recall per typology")
    header = recall.get_by_role("row").first.inner_text().split("\t")
    assert header == ["Typology", "Illicit in test", "gat", "gradient_boosting"], "the shipped model first"
    assert recall.get_by_role("row", name=re.compile("^sanctioned")).inner_text().split("\t") == [
        "sanctioned",
        "70",
        "0.51",
        "0.34",
    ], "the weak typology shows, for each model"

    side = page.get_by_role("table", name="models side by side")
    assert side.get_by_role("row").nth(1).inner_text().startswith("gat (shipped)\t0.979\t0.873")

    spread = page.get_by_role("img", name="risk distribution")
    spread.wait_for()
    bars = spread.locator("rect.bar")
    assert bars.count() == 20
    counts = [int(bar.get_attribute("data-addresses")) for bar in bars.all()]
    scored = int(
        re.search(
            r"([\d,]+) addresses scored", page.get_by_role("region", name="Risk over the whole graph").inner_text()
        )[1].replace(",", "")
    )
    assert sum(counts) == scored >= 17, "the thief's two, the shop and 14 wallet addresses at least"
    assert counts[18] >= 2, "the thief's two at 0.93"
    assert counts[0] >= 1, "W1 at 0.03"
    shot(page, "models")

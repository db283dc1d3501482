"""The investigator web app in a real browser: sign in, the queue, a flagged cluster in the explorer, expanding
it, a path, the address page, bulk triage, and a case from a saved view to its four-eyes closing and PDF."""

import hashlib
import json
import re

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.slow


def test_signing_in_refuses_a_wrong_password_then_opens_the_queue(page, web):
    page.goto(f"{web['url']}/app/explore")
    page.get_by_label("Username").wait_for()
    shot(page, "sign-in")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="wrong username or password").wait_for()
    assert all("403" in error for error in page.console_errors), "only the refused sign-in's own answer"
    page.console_errors.clear()
    sign_in(page, web)
    assert page.get_by_text("ana · Blue").is_visible()
    flagged = page.get_by_role("region", name="Flagged clusters")
    flagged.get_by_role("link").first.wait_for()
    assert flagged.get_by_role("row").count() == 2, "a header and the thief's cluster"
    assert "severe" in flagged.get_by_role("row").nth(1).inner_text()
    assert page.get_by_role("link", name="Cluster flagged illicit by model e2e").is_visible()
    page.get_by_text("Active model: version 1 (gat). PR-AUC 0.873").wait_for()
    plot = page.get_by_role("img", name="training curves")
    plot.wait_for()
    page.wait_for_function("() => document.querySelector('.plots img').naturalWidth > 0")
    assert "12 / 12" in page.get_by_role("table", name="labeling jobs").inner_text()
    shot(page, "queue")


def test_a_flagged_cluster_opens_in_the_explorer_expands_and_finds_a_path(page, web):
    sign_in(page, web)
    page.get_by_role("region", name="Flagged clusters").get_by_role("link").first.click()
    nodes = page.get_by_role("list", name="nodes")
    nodes.get_by_role("button").first.wait_for()
    assert nodes.get_by_role("button").count() == 2, "the thief's two addresses"
    assert page.get_by_label("Group by cluster").is_checked()
    nodes.get_by_role("button").first.focus()
    page.keyboard.press("Enter")  # keyboard alone selects
    panel = page.get_by_role("complementary", name="selected node")
    assert "severe" in panel.inner_text()
    panel.get_by_role("button", name="Expand").click()
    page.get_by_text(re.compile(r"^[3-9] nodes|^\d\d+ nodes")).wait_for()
    panel.get_by_label("Path to address").fill(web["supplier"])
    panel.get_by_role("button", name="Find path").click()
    page.get_by_role("note").filter(has_text="Path: 2 hops").wait_for()
    assert nodes.get_by_role("button", name=re.compile("Address " + web["supplier"][:6])).count() == 1
    page.get_by_label("Colour by").select_option("category")
    nodes.get_by_role("button", name=re.compile(web["shop"][:6] + ".* · exchange")).wait_for()
    panel.get_by_role("button", name="Follow the money").click()
    page.get_by_role("note").filter(has_text=re.compile(r"Forward 3 hops: [1-9]\d* addresses")).wait_for()
    shot(page, "explorer")


def test_the_address_page_shows_risk_and_transactions_and_alerts_can_be_acknowledged(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/addresses/{web['thief'][0]}")
    page.get_by_role("heading", name="Transactions").wait_for()
    assert "severe" in page.locator(".facts").inner_text()
    exposure = page.get_by_role("region", name="Exposure")
    exposure.get_by_role("cell", name="exchange").wait_for()
    assert "sent to" in exposure.inner_text(), "the thief paid the tagged shop"
    page.get_by_role("region", name="Transactions").get_by_role("row").nth(1).wait_for()
    shot(page, "address")
    page.get_by_role("link", name="Queue").click()
    page.get_by_label(re.compile("choose alert")).first.check()
    page.get_by_role("button", name="Acknowledge 1").click()
    page.get_by_text("No alert matches.").wait_for()
    page.get_by_label("Status").select_option("acknowledged")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Cluster flagged illicit by model e2e"))
    row.wait_for()
    assert "acknowledged" in row.inner_text()


def test_a_saved_view_goes_into_a_case_that_a_second_person_approves_closing_and_exporting(page, second_page, web):
    sign_in(page, web)
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("textbox", name="New case").fill("The thief's cluster")
    page.get_by_role("button", name="Open case").click()
    page.get_by_role("heading", name=re.compile("The thief's cluster")).wait_for()
    case_url = page.url

    page.goto(f"{web['url']}/app/explore?cluster={web['cluster']}")
    page.get_by_role("list", name="nodes").get_by_role("button").first.click()
    page.get_by_role("complementary", name="selected node").get_by_role("button", name="Expand").click()
    page.get_by_text(re.compile(r"^[3-9] nodes")).wait_for()
    page.get_by_role("button", name="Save to case").click()
    page.get_by_role("status").filter(has_text="Saved to case #").wait_for()

    page.goto(case_url)
    evidence = page.get_by_role("region", name="Evidence")
    evidence.get_by_role("row").nth(1).wait_for()
    assert "graph from cl_" in evidence.inner_text()
    page.get_by_label("Evidence file").set_input_files(
        files=[{"name": "exchange-reply.txt", "mimeType": "text/plain", "buffer": b"KYC: the shop's owner"}]
    )
    page.get_by_role("button", name="Upload").click()
    evidence.get_by_role("cell", name="exchange-reply.txt").wait_for()
    assert hashlib.sha256(b"KYC: the shop's owner").hexdigest()[:10] in evidence.inner_text()
    page.get_by_role("textbox", name=re.compile("^Note")).fill("**Two** addresses spent together: one owner.")
    page.get_by_role("button", name="Add note").click()
    page.locator(".note strong", has_text="Two").wait_for()
    workflow = page.get_by_role("group", name="workflow")
    for step in ("Start work", "Confirm illicit", "Ask to close", "Ask to export a report"):
        workflow.get_by_role("button", name=step).click()
        if step == "Confirm illicit":  # the verdict trains the next model: a dialog names the labels first
            page.get_by_role("dialog").get_by_role("button", name=re.compile("^Confirm illicit")).click()
        workflow.get_by_role("button", name=step).wait_for(state="detached")
    approvals = page.get_by_role("region", name="Waiting for approval")
    approvals.get_by_text(re.compile("waiting for .*supervisor or admin")).first.wait_for()
    assert approvals.get_by_role("button", name="Approve close").count() == 0, "an analyst is not offered it"

    sign_in(second_page, web, "sam")
    second_page.goto(case_url)
    second_page.get_by_role("button", name="Approve export").click()
    second_page.get_by_role("link", name="PDF").wait_for()
    second_page.get_by_role("button", name="Approve close").click()
    second_page.get_by_text("closed", exact=True).wait_for()
    with second_page.expect_download() as download:
        second_page.get_by_role("link", name="PDF").click()
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    report = " ".join(" ".join(sheet.extract_text().split()) for sheet in PdfReader(download.value.path()).pages)
    assert "status closed" in report, "made again when the case closed, after the export"
    assert "evidence “graph from cl_" in report, "the view saved from the explorer is the figure"
    assert "Two addresses spent together: one owner." in report, "the note's Markdown rendered, no **"
    audit = second_page.get_by_role("region", name="Audit trail")
    audit.get_by_text("approval.approved").first.wait_for()
    shot(second_page, "case")


def test_search_finds_an_address_and_leads_to_its_cluster_and_transactions(page, web):
    sign_in(page, web)
    page.get_by_role("searchbox").fill(web["thief"][0])
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("Results for")).wait_for()
    page.get_by_role("link", name=web["thief"][0]).click()
    page.get_by_role("link", name=re.compile("^cluster ")).click()
    members = page.get_by_role("region", name="members")
    members.get_by_role("row").nth(2).wait_for()
    assert members.get_by_role("row").count() == 3, "a header and the thief's two addresses"
    page.get_by_role("region", name="Transactions").get_by_role("row").nth(3).wait_for()  # two coinbases, the heist
    page.get_by_role("region", name="Exposure").get_by_role("cell", name="exchange").wait_for()
    shot(page, "cluster")
    members.get_by_role("link").first.click()
    page.get_by_role("region", name="Transactions").get_by_role("link").first.click()
    page.get_by_role("region", name="Inputs").wait_for()
    assert "severe" in page.get_by_role("region", name="Inputs").inner_text(), "the heist, spent by the thief"
    page.get_by_role("region", name="Outputs").get_by_text("Shop (exchange").wait_for()
    page.get_by_role("searchbox").fill("no such thing at all")
    page.keyboard.press("Enter")
    page.get_by_text("Nothing matches.").wait_for()


def test_a_watchlist_takes_an_address_and_refuses_one_the_graph_does_not_hold(page, web):
    sign_in(page, web)
    page.get_by_role("link", name="Watchlists").click()
    page.get_by_label("new watchlist name").fill("Ransom payouts")
    page.get_by_role("button", name="Create watchlist").click()
    watch = page.get_by_role("form", name="watch in Ransom payouts")
    watch.get_by_label("address or cluster to watch").fill(web["shop"])
    watch.get_by_label("why").fill("paid by the thief")
    watch.get_by_role("button", name="Watch").click()
    listed = page.get_by_role("region", name="watchlist Ransom payouts")
    listed.get_by_role("link", name=web["shop"]).wait_for()
    watch.get_by_label("address or cluster to watch").fill("1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
    watch.get_by_role("button", name="Watch").click()
    page.get_by_role("alert").wait_for()
    assert "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" in page.get_by_role("alert").inner_text()
    page.console_errors.clear()  # the refused entry's own answer
    listed.get_by_role("button", name="Stop watching").click()
    listed.get_by_role("link", name=web["shop"]).wait_for(state="detached")


def test_an_alert_becomes_a_case_whose_subjects_open_in_the_explorer(page, web):
    sign_in(page, web)
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name=re.compile("open a case from alert")).click()
    page.get_by_role("heading", name=re.compile("Cluster flagged illicit")).wait_for()
    subjects = page.get_by_role("region", name="Subjects")
    assert web["cluster"] in subjects.inner_text(), "the alert's cluster is the case's first subject"
    page.get_by_label("subject", exact=True).fill(web["shop"])
    page.get_by_role("button", name="Add subject").click()
    subjects.get_by_role("link", name=web["shop"]).wait_for()
    page.get_by_label("Assignee").select_option("sam")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("assignee sam").wait_for()

    page.get_by_role("link", name="Explore its subjects").click()
    nodes = page.get_by_role("list", name="nodes")
    nodes.get_by_role("button", name=re.compile("Address " + web["shop"][:6])).click()
    page.get_by_text("3 nodes,").wait_for()
    page.get_by_label("From", exact=True).fill("2030-01-01")  # after every block: nothing to bring
    panel = page.get_by_role("complementary", name="selected node")
    panel.get_by_role("button", name="Expand").click()
    page.get_by_role("status").wait_for(state="detached")
    assert page.get_by_text("3 nodes,").is_visible()
    page.get_by_label("From", exact=True).fill("")
    panel.get_by_role("button", name="Expand").click()
    page.get_by_text(re.compile(r"^[4-9] nodes,")).wait_for()


def test_the_view_can_be_annotated_pinned_hidden_and_exported_as_png_svg_and_json(page, web):
    sign_in(page, web)
    page.goto(f"{web['url']}/app/explore?address={web['shop']}")
    page.get_by_text(re.compile(r"^[2-9] nodes,")).wait_for()
    nodes = page.get_by_role("list", name="nodes")
    nodes.get_by_role("button", name=re.compile("Address " + web["shop"][:6])).click()
    panel = page.get_by_role("complementary", name="selected node")
    panel.get_by_label("Note").fill("the shop")
    panel.get_by_label("Note").press("Tab")  # the note is kept when the field is left
    panel.get_by_role("button", name="Pin").click()
    panel.get_by_role("button", name="Unpin").wait_for()
    exported = {}
    for kind in ("PNG", "SVG", "JSON"):
        with page.expect_download() as download:
            page.get_by_role("toolbar", name="graph tools").get_by_role("button", name=kind).click()
        exported[kind] = download.value.path().read_bytes()
    assert exported["PNG"][:8] == b"\x89PNG\r\n\x1a\n"
    assert exported["SVG"].startswith(b"<svg")
    assert b"the shop" in exported["SVG"]
    graph = json.loads(exported["JSON"])
    shop = graph["nodes"][f"a:{web['shop']}"]
    assert (shop["note"], shop["pinned"]) == ("the shop", True)
    page.get_by_label("show transactions from").press("End")  # the slider to the newest block
    page.get_by_text(re.compile(r"; \d+ drawn \(hidden, or outside the time window\)")).wait_for()
    page.get_by_label("show transactions from").press("Home")
    page.get_by_text(re.compile("drawn")).wait_for(state="detached")
    before = nodes.get_by_role("button").count()
    nodes.get_by_role("button", name=re.compile("^Tx ")).first.click()
    panel.get_by_role("button", name="Hide").click()
    page.wait_for_function(f"() => document.querySelectorAll('[aria-label=nodes] button').length === {before - 1}")

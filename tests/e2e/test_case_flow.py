"""A case that moves between two people, in the browser: an admin invites a supervisor from the Team
page, opens a case from a cluster's page, edits it and assigns it to her, confirms the verdict through the
dialog that names its training labels, and asks to close it; the second sees it in her inbox and approves,
while the one who asked is never offered Approve."""

import re

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.slow
SUE_PASSWORD = "sue's own long passphrase"


def invite_sue(page, second_page) -> None:
    """Sam invites sue as a supervisor; sue follows the link and chooses her password."""
    page.get_by_role("link", name="Team").click()
    page.get_by_role("heading", name="Team Blue").wait_for()
    invite = page.get_by_role("form", name="invite")
    invite.get_by_label("Username").fill("sue")
    invite.get_by_label("Email").fill("sue@blue.example")
    invite.get_by_label("Role").select_option("supervisor")
    invite.get_by_role("button", name="Invite").click()
    link = page.get_by_label("invitation link")
    link.wait_for()
    members = page.get_by_role("table", name="members")
    members.get_by_role("row").filter(has_text="sue").filter(has_text="invited, no password yet").wait_for()
    shot(page, "team")
    second_page.goto(link.inner_text())
    second_page.get_by_label("New password").fill(SUE_PASSWORD)
    second_page.get_by_label("The same again").fill(SUE_PASSWORD)
    second_page.get_by_role("button", name="Choose password and sign in").click()
    second_page.get_by_role("heading", name="Alerts").wait_for()
    second_page.get_by_text("sue · Blue").wait_for()


def open_case_from_the_cluster(page, web) -> str:
    page.goto(f"{web['url']}/app/clusters/{web['cluster']}")
    page.get_by_role("region", name="case actions").get_by_role("button", name="Open case").click()
    page.get_by_role("heading", name=re.compile(r"^#\d+ Cluster ")).wait_for()
    return page.url


def edit_and_assign(page) -> None:
    details = page.get_by_role("form", name="case details")
    details.get_by_label("Title").fill("The thief's payouts")
    details.get_by_label("Summary (Markdown)").fill("Two addresses spent together: **one owner**.")
    details.get_by_label("Due", exact=True).fill("2027-01-15")
    details.get_by_label("Assignee").select_option("sue")
    details.get_by_role("button", name="Save details").click()
    page.get_by_role("heading", name=re.compile("The thief's payouts")).wait_for()
    assert "assignee sue · due 2027-01-15" in page.locator(".case-page > p").first.inner_text()
    bad = page.get_by_role("form", name="add a subject")
    bad.get_by_label("subject", exact=True).fill("bc1qnotthere")
    bad.get_by_role("button", name="Add subject").click()
    bad.get_by_role("alert").filter(has_text="the graph has no such address").wait_for()  # beside its form
    page.console_errors.clear()  # the refused subject's 404, on purpose


def confirm_through_the_dialog(page) -> None:
    workflow = page.get_by_role("group", name="workflow")
    workflow.get_by_role("button", name="Start work").click()
    workflow.get_by_role("button", name="Confirm illicit").click()
    dialog = page.get_by_role("dialog", name="Confirm illicit?")
    dialog.wait_for()
    assert "2 addresses of this case become illicit training labels" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert page.get_by_text("in progress", exact=True).is_visible(), "cancelled: nothing happened"
    workflow.get_by_role("button", name="Confirm illicit").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm illicit, record 2 labels").click()
    page.get_by_text("confirmed illicit", exact=True).wait_for()


def test_a_case_moves_to_a_teammate_who_approves_it_from_her_inbox(page, second_page, web):
    sign_in(page, web, "sam")
    invite_sue(page, second_page)
    case_url = open_case_from_the_cluster(page, web)
    case_id = case_url.rstrip("/").rsplit("/", 1)[-1]
    edit_and_assign(page)
    confirm_through_the_dialog(page)
    page.get_by_role("group", name="workflow").get_by_role("button", name="Ask to close").click()
    approvals = page.get_by_role("region", name="Waiting for approval")
    approvals.get_by_text("waiting for another supervisor or admin (four eyes)").wait_for()
    assert page.get_by_role("button", name=re.compile("^Approve")).count() == 0, "whoever asked is not offered it"
    shot(page, "case-flow")

    second_page.reload()
    second_page.get_by_label("2 unread notifications").wait_for()  # assigned, and asked to approve
    second_page.get_by_label("1 approval waiting for you").wait_for()
    second_page.get_by_role("link", name=re.compile("^Inbox")).click()
    waiting = second_page.get_by_role("region", name="Waiting for your approval")
    waiting.get_by_role("link", name=f"#{case_id} The thief's payouts").wait_for()
    notes = second_page.get_by_role("region", name="Notifications")
    notes.get_by_role("link", name=f"sam assigned you case #{case_id} The thief's payouts").wait_for()
    shot(second_page, "inbox")
    waiting.get_by_role("button", name=f"Approve close of #{case_id}").click()
    waiting.get_by_text("Nothing waits for you.").wait_for()
    second_page.goto(case_url)
    second_page.get_by_text("closed", exact=True).first.wait_for()

    page.get_by_role("link", name=re.compile("^Inbox")).click()
    mine = page.get_by_role("region", name="Notifications")
    mine.get_by_role("link", name=f"sue approved your request to close case #{case_id}").wait_for()
    assert page.get_by_role("region", name="Waiting for your approval").get_by_role("listitem").count() == 0
    mine.get_by_role("button", name="Mark all read").click()
    page.get_by_label("unread notifications").filter(has_text="0 unread").wait_for()
    page.get_by_role("link", name="Inbox", exact=True).wait_for()  # no badge: nothing unread, nothing waiting


def test_an_address_is_added_to_an_open_case_and_watched_from_its_page(page, web):
    sign_in(page, web)
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("textbox", name="New case").fill("The shop's payouts")
    page.get_by_role("button", name="Open case").click()
    page.get_by_role("heading", name=re.compile("The shop's payouts")).wait_for()
    case_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.goto(f"{web['url']}/app/addresses/{web['shop']}")
    actions = page.get_by_role("region", name="case actions")
    actions.get_by_label("case to add it to").select_option(label=f"#{case_id} The shop's payouts")
    actions.get_by_role("button", name="Add to case").click()
    actions.get_by_role("status").filter(has_text=f"Added to case #{case_id}.").wait_for()
    actions.get_by_role("button", name="Watch").click()
    actions.get_by_role("status").filter(has_text="Watched: new activity raises an alert.").wait_for()

    page.goto(f"{web['url']}/app/cases/{case_id}")
    page.get_by_role("region", name="Subjects").get_by_role("link", name=web["shop"]).wait_for()
    page.get_by_role("link", name="Watchlists").click()
    page.get_by_text(web["shop"]).first.wait_for()

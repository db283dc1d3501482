"""The queue as an investigator triages it: riskiest first, a page at a time, narrowed by a filter, and
live: a job's phase moves on, and new alerts appear, without a reload."""

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import sign_in

DASH = "\N{EN DASH}"  # the pager's range: 1, the dash, 25 of 31
EXTRA = 30  # with the seed's alert: 31, two pages of 25


def change(web, *args: str):
    """Run tests/e2e/change.py against the server's own database, as a worker or a teammate would."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.change", *args],
        cwd=REPO_ROOT,
        env=web["env"],
        check=True,
        capture_output=True,
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def _titles(alerts) -> list[str]:
    return [link.inner_text() for link in alerts.locator("tbody tr td:nth-child(2) a").all()]


def test_the_queue_is_riskiest_first_paged_filtered_and_live(page, web):
    sign_in(page, web)
    alerts = page.get_by_role("region", name="Alerts")
    alerts.get_by_label("Status").select_option("")  # any: the other tests triage the seed's alert
    alerts.get_by_role("link", name="Cluster flagged illicit by model e2e").wait_for()
    before = int(alerts.get_by_label("alerts shown").inner_text().split(" of ")[1])

    change(web, "alerts", str(EXTRA))  # a watchlist check raises 30 alerts while the page is open
    shown = alerts.get_by_label("alerts shown")
    page.wait_for_function(
        "([el, want]) => el.textContent.endsWith(' of ' + want)", arg=[shown.element_handle(), str(before + EXTRA)]
    )
    assert shown.inner_text() == f"1{DASH}25 of {before + EXTRA}", "the new alerts arrived without a reload"

    titles = _titles(alerts)
    assert len(titles) == 25, "a page, not all of them"
    assert titles[0] == "Cluster flagged illicit by model e2e", "the riskiest (0.93) first"
    assert titles[1:4] == ["Watched address 29 moved", "Watched address 28 moved", "Watched address 27 moved"]

    alerts.get_by_role("button", name="Next").click()
    alerts.get_by_text(f"26{DASH}").wait_for()
    watched = [title for title in _titles(alerts) if title.startswith("Watched address")]
    assert watched == [f"Watched address {i:02d} moved" for i in range(5, -1, -1)], "the least risky last"

    alerts.get_by_label("Source").select_option("labeling")
    alerts.get_by_text(f"1{DASH}1 of 1").wait_for()
    assert _titles(alerts) == ["Cluster flagged illicit by model e2e"], "the filter narrowed it and went to page 1"


def test_a_jobs_phase_shows_and_moves_on_without_a_reload(page, web):
    job = change(web, "job", "scoring", "0")
    sign_in(page, web)
    phases = page.get_by_label(f"job {job} phases")
    phases.wait_for()
    current = phases.locator("[aria-current=step]")
    assert current.inner_text() == "scoring"
    assert "scoring every address" in page.get_by_role("table", name="labeling jobs").inner_text()

    change(web, "job", "writing", "250")
    page.get_by_text("writing 250 of 1,000 scores").wait_for(timeout=15_000)
    assert current.inner_text().startswith("writing")
    assert page.get_by_label(f"job {job} writing progress").get_attribute("value") == "0.25"
    assert phases.locator(".phase.done").count() == 2, "reading and scoring are done"


def test_the_flagged_clusters_show_probability_and_rank(page, web):
    sign_in(page, web)
    flagged = page.get_by_role("region", name="Flagged clusters")
    flagged.get_by_role("link").first.wait_for()
    risk = flagged.get_by_role("row").nth(1).get_by_role("cell").nth(1).inner_text()
    assert risk.startswith("severe 0.930 · #1 of "), risk
    assert flagged.get_by_label("flagged clusters shown").inner_text() == f"1{DASH}1 of 1"

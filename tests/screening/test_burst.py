"""`manage.py burst`, the demo's recipe for an anomaly alert: run it, and a real realtime worker raises one."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from investigations.models import Alert, Team
from tests.screening.test_anomalies import _wait_for, realtime_worker  # noqa: F401 - a worker of the test's own

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def burst() -> str:
    out = StringIO()
    call_command("burst", "--spends", "25", stdout=out)
    return re.search(r"Burst written: (\S+) paid 25 addresses", out.getvalue()).group(1)


def test_the_burst_command_raises_an_anomaly_alert_each_time_it_runs(chain_graph, realtime_worker, settings):  # noqa: F811
    Team.objects.create(name="Blue")
    settings.ANOMALY_DETECTION = True
    first = burst()
    alert = _wait_for(lambda: Alert.objects.filter(source="anomaly", ref=first).first(), seconds=30)
    assert (alert.kind, alert.status) == ("address", "new")
    assert "transactions in the last hour" in alert.detail["reasons"][0]

    second = burst()  # on top of the first: the chain goes on, and a new address raises a new alert
    assert second != first
    _wait_for(lambda: Alert.objects.filter(source="anomaly", ref=second).exists(), seconds=30)
    heights = chain_graph.read("MATCH (b:Block) RETURN count(b) AS n, max(b.height) AS top")[0]
    assert heights == {"n": 22, "top": 22}, "each burst extends the chain it finds"


def test_the_burst_command_refuses_a_burst_too_small_to_notice(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--spends 3: give 15 to 500 payments"):
        call_command("burst", "--spends", "3")

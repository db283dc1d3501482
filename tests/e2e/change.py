"""Changes to the e2e server's data while a browser test watches (what a worker or a teammate would do):

    python -m tests.e2e.change alerts N     N more alerts for team Blue, less risky than the seed's
    python -m tests.e2e.change job PHASE S  a running labeling job in PHASE with S of 1,000 scores written

run under the server's environment (the `web` fixture's `env`). Prints the job's or alerts' ids as JSON."""

import json
import sys

import django

django.setup()

from graphml.models import LabelingJob, ModelVersion  # noqa: E402
from investigations.models import Alert, Team  # noqa: E402


def alerts_added(n: int) -> list[int]:
    """Watchlist alerts with risks from 0.10 upwards (all under the seed's 0.93), on made-up addresses."""
    blue = Team.objects.get(name="Blue")
    made = Alert.objects.bulk_create(
        Alert(
            team=blue,
            source=Alert.Source.WATCHLIST,
            kind="address",
            ref=f"bcrt1qwatched{i:04d}",
            title=f"Watched address {i:02d} moved",
            risk=round(0.10 + 0.01 * i, 2),
        )
        for i in range(n)
    )
    return [alert.id for alert in made]


def job_at(phase: str, scored: int) -> int:
    """The one running job, made on first use and moved on after."""
    job = LabelingJob.objects.filter(scope="e2e-live").first() or LabelingJob.objects.create(
        model_version=ModelVersion.objects.get(active=True), scope="e2e-live", addresses_total=1000
    )
    LabelingJob.objects.filter(pk=job.pk).update(status="running", phase=phase, addresses_scored=scored)
    return job.pk


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    print(json.dumps(alerts_added(int(args[0])) if what == "alerts" else job_at(args[0], int(args[1]))))

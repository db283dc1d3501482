"""`manage.py burst`: the demo's recipe for an anomaly alert (a fresh burst of payments, timed now)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chain.addresses import script_address
from chain.burst import burst_files
from chain.models import IngestRun
from chain.networks import NETWORKS, network_named
from chain.services import ingest_run_create, ingest_run_execute
from core.embedded import EmbeddedServerError, broker_ensure
from graph import get_graph
from graph.chain import chain_tip


class Command(BaseCommand):
    help = (
        "Write a fresh burst on top of the graph's chain: a new address splits a coin, two quiet hours of blocks "
        "follow, then one block pays out from many of its outputs. The realtime worker (running under "
        "`manage.py serve`) raises an anomaly alert for it within seconds. Made for the regtest demo world."
    )

    def add_arguments(self, parser):
        parser.add_argument("--spends", type=int, default=25, help="payments in the burst (15 to 500)")
        parser.add_argument("--network", default="regtest", choices=sorted(NETWORKS))

    def handle(self, *, spends, network, **_options):
        if not 15 <= spends <= 500:
            raise CommandError(f"--spends {spends}: give 15 to 500 payments (fewer is no burst)")
        try:
            broker_ensure()  # the ingest's writer lock, and the scan it queues
        except EmbeddedServerError as error:
            raise CommandError(str(error)) from None
        chain = network_named(network)
        plan = burst_files(
            directory=settings.VAR_DIR / "bursts", network=chain, tip=chain_tip(get_graph()), spends=spends
        )
        for path in (plan.history, plan.burst):
            run = ingest_run_execute(run_id=ingest_run_create(kind="blk", source=str(path), network=network).id)
            if run.status != IngestRun.Status.SUCCEEDED:
                raise CommandError(f"ingest run {run.id} of {path} failed at {run.failed_at}: {run.error}")
        _kind, address = script_address(plan.script, chain)
        self.stdout.write(
            f"Burst written: {address} paid {spends} addresses in one block, after two quiet hours.\n"
            "With a realtime worker running (manage.py serve), an anomaly alert for it is in the queue "
            "within seconds (source: anomaly)."
        )

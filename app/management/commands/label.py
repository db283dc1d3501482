"""`manage.py label`: score addresses with the active model and write the scores to the graph."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.embedded import EmbeddedServerError, broker_ensure
from core.errors import ChainSleuthError
from graphml.services import labeling_job_create, labeling_job_execute
from graphml.tasks import labeling_job_execute as labeling_job_execute_task


class Command(BaseCommand):
    help = "Label addresses (all, or one cluster's) with the active model version; flag risky clusters."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scope", default="all", help="all (default), since_last, cluster:<cluster id> or case:<case id>"
        )
        parser.add_argument("--model", dest="version", type=int, help="a model version other than the active one")
        parser.add_argument(
            "--explain-top",
            type=int,
            default=None,
            help="the riskiest flagged addresses to explain (LABELING_EXPLAIN_TOP)",
        )
        parser.add_argument("--queue", action="store_true", help="hand the job to a Celery worker and return")

    def handle(self, *, scope, version, explain_top, queue, **_options):
        if queue:  # before the job row, so a broker that is down leaves no queued job behind
            try:
                broker_ensure()
            except EmbeddedServerError as error:
                raise CommandError(str(error)) from None
        try:
            job = labeling_job_create(scope=scope, version=version, explain_top=explain_top)
        except ChainSleuthError as exc:  # no such model, an unknown scope or case
            raise CommandError(str(exc)) from exc
        if queue:
            labeling_job_execute_task.delay_on_commit(job.id)
            self.stdout.write(f"labeling job {job.id} queued")
            return
        with tqdm(desc="reading the graph and scoring", unit="address", file=self.stderr, disable=None) as bar:

            def advance(job):
                done = job.addresses_scored >= job.addresses_total
                bar.set_description("explaining the riskiest flagged" if done else "writing scores")
                bar.total = job.addresses_total
                bar.update(job.addresses_scored - bar.n)

            job = labeling_job_execute(job_id=job.id, on_progress=advance)
        self.stdout.write(
            f"labeling job {job.id}: {job.status}; {job.addresses_scored:,} addresses scored with "
            f"v{job.model_version.version}, {job.flagged:,} flagged ({job.explained:,} explained), "
            f"{job.clusters_flagged:,} clusters flagged "
            f"({job.seconds:.1f} s)"
        )

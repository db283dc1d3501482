"""The rows the matrix's endpoints act on: team Blue's and organisation Exchange's, in the hand-built chain
(tests/investigations/test_exploration.py `flows`). Methods make a fresh row per call where a call may
change it; every text a team member could read holds SECRET (ORGANISATION_SECRET, what the organisation's
key could read), so an answer to anyone else must not."""

import hashlib
import itertools
from pathlib import Path

from django.core.files.base import ContentFile

from graphml.models import ModelVersion
from investigations.alerts import watch_entry_add, watchlist_create
from investigations.models import Alert, Approval, Case, Report, Team
from investigations.services import approval_request, case_create, case_transition
from investigations.tagging import tag_add, team_pack
from screening.models import Hold, Organisation, Transfer, Webhook
from screening.transfers import transfer_register
from tests.conftest import free_port
from tests.core.api_matrix import ORGANISATION_SECRET, OWN_ORGANISATION, OWN_TEAM, SECRET
from tests.investigations.test_exploration import addr

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


class World:
    def __init__(self, people: dict, store, tx1: str, tmp_path: Path):
        self.people, self.store, self.txid, self.tmp = people, store, tx1, tmp_path
        self.ana, self.sam = people["ana"], people["sam"]
        self.numbers = itertools.count(1)
        self.address, self.other_address = addr("B"), addr("D")
        self.cluster = store.read(
            "MATCH (:Address {address: $a})-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id", a=self.address
        )[0]["id"]
        self.team, self.exchange = Team.objects.get(name=OWN_TEAM), Organisation.objects.get(name=OWN_ORGANISATION)
        # One of each before any call, so that every list has a row of Blue's (Exchange's) to leak.
        self.case_id, _, _ = self.case().id, self.alert(), self.entry()
        self.tag_key()  # a private tag
        self.transfer(), self.webhook()
        self.pack = team_pack(OWN_TEAM)
        self.model_version = self._model_version()

    def _n(self) -> int:
        return next(self.numbers)

    def case(self, to: tuple[str, ...] = ("in_progress",)) -> Case:
        case = case_create(user=self.ana, title=f"{SECRET} case {self._n()}")
        for status in to:
            case_transition(user=self.ana, case_id=case.id, to=status)
        return case

    def approval(self, action: str = "close") -> Approval:
        """Asked for by ana (an analyst), so any supervisor or admin may decide it."""
        return approval_request(user=self.ana, case_id=self.case(("in_progress", "confirmed")).id, action=action)

    def report(self, status: str) -> Report:
        approval = self.approval("export")
        report = Report.objects.create(
            case=approval.case, approval=approval, generated_by=self.sam, status=status, last_error="storage full"
        )
        if status == Report.Status.READY:
            pdf = b"%PDF-1.4 " + SECRET.encode()
            report.pdf.save(f"r{report.id}.pdf", ContentFile(pdf), save=False)
            report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            report.save()
        return report

    def alert(self) -> Alert:
        return Alert.objects.create(
            team=self.team, source=Alert.Source.WATCHLIST, kind="address", ref=self.address, title=f"{SECRET} alert"
        )

    def watchlist(self):
        return watchlist_create(user=self.ana, name=f"{SECRET} list {self._n()}")

    def entry(self):
        watchlist = self.watchlist()
        return watch_entry_add(user=self.ana, watchlist_id=watchlist.id, kind="address", ref=self.address)

    def tag_key(self) -> str:
        label = f"{SECRET} wallet {self._n()}"
        return tag_add(user=self.ana, address=self.other_address, label=label, abuse="scam")["key"]

    def transfer(self, *, held: bool = False) -> Transfer:
        transfer = transfer_register(
            organisation=self.exchange,
            direction="deposit",
            address=self.address,
            amount=1,
            user_ref=ORGANISATION_SECRET,
        )
        if held:
            Hold.objects.create(transfer=transfer, event="transfer.hold", reason="risky")
            Transfer.objects.filter(id=transfer.id).update(hold=True)
        return transfer

    def webhook(self) -> Webhook:
        """A receiver that is not there: a test delivery fails at once, and is still answered."""
        url = f"http://127.0.0.1:{free_port()}/hook"
        return Webhook.objects.create(
            organisation=self.exchange, url=url, secret="s" * 24, description=ORGANISATION_SECRET
        )

    def _model_version(self) -> ModelVersion:
        directory = self.tmp / "model"
        directory.mkdir()
        (directory / "training_curves.png").write_bytes(PNG)
        return ModelVersion.objects.create(
            version=1, kind="graphsage", directory=str(directory), threshold=0.5, calibration={},
            feature_spec={}, metrics={}, report={}, trained_until=6,
        )  # fmt: skip

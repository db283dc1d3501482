"""Notes with mentions, and evidence fingerprinted as it is acquired: both audited, both bounded."""

import hashlib

import pytest

from investigations.evidence import EvidenceError
from investigations.models import AuditEvent, Case, Evidence
from investigations.services import (
    CaseError,
    case_create,
    evidence_file_acquire,
    evidence_intact,
    evidence_snapshot_acquire,
    note_add,
)

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def case(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return case_create(user=people["ana"], title="Evidence")


def last_event(case):
    return AuditEvent.objects.filter(target=f"case:{case.id}").last()


def test_a_note_records_the_teammates_it_mentions(case, people):
    note = note_add(user=people["ana"], case_id=case.id, body="@sam please look; cc @olga @nobody and mail@sam.example")
    assert [user.username for user in note.mentions.all()] == ["sam"], "only teammates, and no e-mail addresses"
    event = last_event(case)
    assert (event.action, event.data["mentions"]) == ("note.add", ["sam"])
    assert event.data["sha256"] == hashlib.sha256(note.body.encode()).hexdigest()
    with pytest.raises(CaseError, match="needs some text"):
        note_add(user=people["ana"], case_id=case.id, body="   ")


def test_a_file_is_hashed_as_it_arrives_and_its_hash_is_in_the_audit_log(case, people, settings):
    evidence = evidence_file_acquire(
        user=people["ana"], case_id=case.id, name="chart.PNG", chunks=[PNG[:100], PNG[100:]]
    )
    assert (evidence.content_type, evidence.size) == ("image/png", len(PNG))
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    assert evidence.file.read() == PNG
    assert last_event(case).data["sha256"] == evidence.sha256
    assert evidence_intact(evidence)
    (settings.MEDIA_ROOT / evidence.file.name).write_bytes(PNG[:-1] + b"\x00")
    assert not evidence_intact(Evidence.objects.get(id=evidence.id)), "a changed file no longer matches its hash"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00" + bytes(100), "tool.exe: not an accepted evidence type"),
        ("ledger.csv", b"amount\n\xff\xfe\n", "ledger.csv: not UTF-8 text"),
        ("huge.pdf", b"%PDF-" + bytes(2_000), "huge.pdf: larger than the 1,024-byte limit"),
        ("empty.txt", b"", "empty.txt: empty"),
    ],
)
def test_refused_evidence_is_named_and_nothing_is_stored(case, people, settings, name, content, message):
    settings.EVIDENCE_MAX_BYTES = 1_024
    events = AuditEvent.objects.count()
    with pytest.raises(EvidenceError, match=message):
        evidence_file_acquire(user=people["ana"], case_id=case.id, name=name, chunks=[content])
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not (settings.MEDIA_ROOT / "evidence").exists()


def test_a_graph_snapshot_hashes_the_same_whatever_the_key_order(case, people):
    view = {"nodes": [{"id": "a", "risk": 0.9}], "edges": [], "layout": "cose"}
    first = evidence_snapshot_acquire(user=people["ana"], case_id=case.id, name="view 1", snapshot=view)
    again = evidence_snapshot_acquire(
        user=people["ana"], case_id=case.id, name="view 2", snapshot=dict(reversed(list(view.items())))
    )
    assert first.sha256 == again.sha256
    assert first.content_type == "application/json"
    assert evidence_intact(first)
    with pytest.raises(EvidenceError, match="a list of nodes"):
        evidence_snapshot_acquire(user=people["ana"], case_id=case.id, name="bad", snapshot={"edges": []})


def test_another_team_can_neither_note_nor_add_evidence(case, people):
    with pytest.raises(Case.DoesNotExist):
        note_add(user=people["olga"], case_id=case.id, body="hello")
    with pytest.raises(Case.DoesNotExist):
        evidence_file_acquire(user=people["olga"], case_id=case.id, name="x.png", chunks=[PNG])

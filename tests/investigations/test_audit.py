"""The tamper-evident audit log: RFC 9162 hashing, append-only tables, and every kind of tampering caught."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from investigations.audit import merkle
from investigations.audit.log import audit_event_append, canonical, tree_head_latest
from investigations.models import AuditEvent, TreeHead

# Certificate Transparency's reference tree (RFC 6962 test vectors, as in certificate-transparency-go).
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}  # fmt: skip
CT_LEAF_HASHES = [merkle.leaf_hash(bytes.fromhex(leaf)) for leaf in CT_LEAVES]


def test_roots_and_proofs_match_the_certificate_transparency_vectors():
    assert [merkle.root(CT_LEAF_HASHES[:n]).hex() for n in range(9)] == CT_ROOTS
    for (index, size), proof in CT_INCLUSION.items():
        assert [h.hex() for h in merkle.inclusion_proof(index, CT_LEAF_HASHES[:size])] == proof
        assert [h.hex() for h in merkle.inclusion_proofs([index], CT_LEAF_HASHES[:size])[0]] == proof
    assert merkle.consistency_proof(6, CT_LEAF_HASHES)[0].hex().startswith("0ebc5d3437fbe2db")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 31, 32, 33])
def test_every_proof_verifies_and_no_altered_proof_does(size):
    leaves = [merkle.leaf_hash(bytes([i % 256, i // 256])) for i in range(size)]
    root = merkle.root(leaves)
    assert merkle.frontier_root(_frontier(leaves)) == root
    assert merkle.inclusion_proofs(list(range(size)), leaves) == [
        merkle.inclusion_proof(i, leaves) for i in range(size)
    ]
    for index in range(size):
        proof = merkle.inclusion_proof(index, leaves)
        assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, root)
        for k in range(len(proof)):
            assert not merkle.verify_inclusion(index, size, leaves[index], _flip(proof, k), root)
    for old in range(1, size + 1):
        proof, old_root = merkle.consistency_proof(old, leaves), merkle.root(leaves[:old])
        assert merkle.verify_consistency(old, size, old_root, root, proof)
        assert not merkle.verify_consistency(old, size, merkle.leaf_hash(b"rewritten"), root, proof)
        for k in range(len(proof)):
            assert not merkle.verify_consistency(old, size, old_root, root, _flip(proof, k))


def _frontier(leaves):
    frontier = []
    for size, leaf in enumerate(leaves):
        frontier = merkle.frontier_append(frontier, size, leaf)
    return frontier


def _flip(proof, k):
    changed = bytearray(proof[k])
    changed[0] ^= 1
    return [*proof[:k], bytes(changed), *proof[k + 1 :]]


# --- the log in the database ---

uses_db = pytest.mark.django_db


def _log(n=12):
    for i in range(n):
        audit_event_append(actor="ana", action="case.note", target=f"case:{i % 3}", data={"text": f"note {i}", "n": i})


@uses_db
def test_each_append_is_a_leaf_with_a_signed_head_and_the_log_verifies(capsys):
    _log()
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(12))
    assert TreeHead.objects.count() == 12
    latest = tree_head_latest()
    assert latest["size"] == 12
    assert latest["root"] == merkle.root([bytes.fromhex(e.leaf_hash) for e in AuditEvent.objects.all()]).hex()
    call_command("audit", "verify")
    assert "audit log intact: 12 events, 12 signed heads" in capsys.readouterr().out


@uses_db
def test_an_inclusion_proof_from_the_command_verifies_against_the_signed_head(capsys):
    _log()
    call_command("audit", "prove", "7")
    printed = json.loads(capsys.readouterr().out)
    proof = [bytes.fromhex(h) for h in printed["proof"]]
    head = printed["head"]
    leaf = bytes.fromhex(printed["leaf_hash"])
    assert merkle.verify_inclusion(7, head["size"], leaf, proof, bytes.fromhex(head["root"]))
    with pytest.raises(CommandError, match="no audit event #99"):
        call_command("audit", "prove", "99")


@uses_db
@pytest.mark.postgres_leg
@pytest.mark.parametrize("statement", ["UPDATE {table} SET actor = 'mallory'", "DELETE FROM {table}"])
@pytest.mark.parametrize("table", ["investigations_auditevent", "investigations_treehead"])
def test_the_database_refuses_to_rewrite_or_delete_the_log(statement, table):
    _log(3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table).replace("actor", "actor" if "event" in table else "root"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="case.delete")
    assert AuditEvent.objects.count() == 3


UPSERT = {
    "investigations_auditevent": "INSERT INTO investigations_auditevent (id, seq, at, actor, action, target, data, "
    "leaf_hash) SELECT id, seq, at, actor, action, target, data, leaf_hash FROM investigations_auditevent "
    "WHERE seq = 1 ON CONFLICT (seq) DO UPDATE SET actor = 'mallory'",
    "investigations_treehead": "INSERT INTO investigations_treehead (id, size, root, at, key_id, signature, frontier) "
    "SELECT id, size, root, at, key_id, signature, frontier FROM investigations_treehead WHERE size = 2 "
    "ON CONFLICT (size) DO UPDATE SET root = 'forged'",
}


@uses_db
@pytest.mark.postgres_leg
@pytest.mark.parametrize("table", sorted(UPSERT))
def test_neither_truncate_nor_an_upsert_changes_the_log(table):
    """PostgreSQL's TRUNCATE fires no row trigger, and an upsert rewrites through the INSERT it began as."""
    _log(3)
    before = list(AuditEvent.objects.values_list("id", "seq", "actor", "leaf_hash"))
    heads = list(TreeHead.objects.values_list("id", "size", "root"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(UPSERT[table])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert list(AuditEvent.objects.values_list("id", "seq", "actor", "leaf_hash")) == before
    assert list(TreeHead.objects.values_list("id", "size", "root")) == heads
    call_command("audit", "verify")


REPLACE_ROW = {
    "investigations_auditevent": "(id, seq, at, actor, action, target, data, leaf_hash) "
    "SELECT {id}, seq, at, 'mallory', action, target, data, leaf_hash FROM investigations_auditevent WHERE seq = 1",
    "investigations_treehead": "(id, size, root, at, key_id, signature, frontier) "
    "SELECT {id}, size, root, at, key_id, signature, '[]' FROM investigations_treehead WHERE size = 2",
}


@uses_db
@pytest.mark.parametrize("verb", ["REPLACE", "INSERT OR REPLACE"])
@pytest.mark.parametrize("same", ["id", "index"])
@pytest.mark.parametrize("table", sorted(REPLACE_ROW))
def test_replace_into_cannot_rewrite_an_event_or_a_head(table, same, verb):
    """SQLite's REPLACE deletes the row it conflicts with without firing the DELETE trigger."""
    if connection.vendor != "sqlite":
        pytest.skip("REPLACE is SQLite's")
    _log(3)
    before = {row.seq: (row.id, row.actor) for row in AuditEvent.objects.all()}
    heads = list(TreeHead.objects.values_list("id", "size", "root", "frontier"))
    row = "id" if same == "id" else "NULL"  # the same id, or a fresh id and the same leaf index (size)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"{verb} INTO {table} " + REPLACE_ROW[table].format(id=row))
    assert {row.seq: (row.id, row.actor) for row in AuditEvent.objects.all()} == before
    assert list(TreeHead.objects.values_list("id", "size", "root", "frontier")) == heads
    call_command("audit", "verify")


def _tamper(*statements):
    """What someone with write access to the database file could do: drop the triggers, then edit."""
    with connection.cursor() as cursor:
        for table in ("investigations_auditevent", "investigations_treehead"):
            for operation in ("update", "delete"):
                cursor.execute(f"DROP TRIGGER {table}_no_{operation}")
        for statement, params in statements:
            cursor.execute(statement, params)


def _verify_fails(match):
    with pytest.raises(CommandError, match="tampered with"):
        call_command("audit", "verify")
    from investigations.audit.verify import audit_log_verify

    assert any(match in problem for problem in audit_log_verify().problems), audit_log_verify().problems


@uses_db
@pytest.mark.parametrize("seq", range(12))
def test_a_flipped_byte_in_any_event_is_caught(seq):
    _log()
    event = AuditEvent.objects.get(seq=seq)
    _tamper(("UPDATE investigations_auditevent SET target = %s WHERE seq = %s", [event.target[:-1] + "9", seq]))
    _verify_fails(f"event #{seq} was edited")


@uses_db
def test_an_edit_with_its_leaf_recomputed_breaks_the_signed_roots():
    _log()
    event = AuditEvent.objects.get(seq=4)
    fields = {f: getattr(event, f) for f in ("seq", "at", "actor", "action", "target", "data")}
    leaf = merkle.leaf_hash(canonical(**{**fields, "action": "case.dismiss"})).hex()
    _tamper(("UPDATE investigations_auditevent SET action = 'case.dismiss', leaf_hash = %s WHERE seq = 4", [leaf]))
    _verify_fails("no longer give the root signed at size 5")


@uses_db
@pytest.mark.parametrize("seq", [0, 5, 11])
def test_a_deleted_event_is_caught(seq):
    _log()
    _tamper(("DELETE FROM investigations_auditevent WHERE seq = %s", [seq]))
    _verify_fails("were deleted" if seq == 11 else "missing: deleted")


@uses_db
def test_a_reordering_is_caught():
    _log()
    first, second = AuditEvent.objects.get(seq=2), AuditEvent.objects.get(seq=3)
    swap = "UPDATE investigations_auditevent SET seq = %s WHERE id = %s"
    _tamper((swap, [1_000, first.id]), (swap, [2, second.id]), (swap, [3, first.id]))
    _verify_fails("event #2 was edited")


@uses_db
def test_a_forger_with_the_key_who_rewrites_everything_is_caught_by_a_published_head(tmp_path, capsys):
    """Truncate the log and its heads consistently: only a head kept elsewhere can tell."""
    _log()
    published = tmp_path / "heads.json"
    published.write_text(json.dumps([tree_head_latest()]))
    _tamper(
        ("DELETE FROM investigations_auditevent WHERE seq >= 9", []),
        ("DELETE FROM investigations_treehead WHERE size >= 10", []),
    )
    call_command("audit", "verify")  # consistent in itself
    with pytest.raises(CommandError, match="tampered with"):
        call_command("audit", "verify", "--published", str(published))
    assert "published head of size 12: the log holds only 9 events" in capsys.readouterr().err


@uses_db
def test_a_published_head_of_an_untouched_log_passes(tmp_path, capsys):
    _log(5)
    published = tmp_path / "heads.json"
    published.write_text(json.dumps([tree_head_latest()]))
    _log(4)
    call_command("audit", "verify", "--published", str(published))
    assert "1 published heads" in capsys.readouterr().out


# --- the head kept apart (in Redis) ---


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what each append does once it commits, as it does outside a test's rolled-back transaction."""

    def log(n):
        with django_capture_on_commit_callbacks(execute=True):
            _log(n)

    return log


@uses_db
def test_an_intact_log_agrees_with_the_head_kept_apart(committed, capsys):
    committed(12)
    call_command("audit", "verify")
    out = capsys.readouterr()
    assert "head kept apart at seq 11" in out.out
    assert "no head was kept apart" not in out.err


@uses_db
@pytest.mark.parametrize(("cut", "missing"), [(9, "events 9..11 are missing"), (11, "event 11 is missing")])
def test_a_tail_cut_off_with_its_heads_is_named_without_outside_help(committed, capsys, cut, missing):
    """The forger's truncation: the rest is consistent in itself, and only the head kept apart tells."""
    committed(12)
    _tamper(
        ("DELETE FROM investigations_auditevent WHERE seq >= %s", [cut]),
        ("DELETE FROM investigations_treehead WHERE size > %s", [cut]),
    )
    with pytest.raises(CommandError, match="tampered with"):
        call_command("audit", "verify")
    assert f"the log ends at seq {cut - 1} but the head kept apart is seq 11: {missing}" in capsys.readouterr().err


@uses_db
def test_a_tail_cut_off_and_regrown_with_other_events_is_caught(committed):
    """The head kept apart only moves forward, so new appends over a cut tail do not hide it."""
    committed(12)
    _tamper(
        ("DELETE FROM investigations_auditevent WHERE seq >= 9", []),
        ("DELETE FROM investigations_treehead WHERE size > 9", []),
    )
    committed(4)
    _verify_fails("the first 12 events no longer give the root kept apart at seq 11: history rewritten")


@uses_db
def test_an_append_that_rolls_back_keeps_no_head_apart(committed, django_capture_on_commit_callbacks, capsys):
    committed(3)

    @transaction.atomic
    def failing_action():
        audit_event_append(actor="ana", action="case.note", target="case:1", data={})
        raise RuntimeError("the action failed after its event")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_action()
    call_command("audit", "verify")
    assert "head kept apart at seq 2" in capsys.readouterr().out

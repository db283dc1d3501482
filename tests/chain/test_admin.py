"""The README's promise: ingest runs can be followed in the admin, read-only."""

import pytest
from django.contrib.auth import get_user_model

from chain.models import IngestRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    admin = get_user_model().objects.create_superuser("root", password="a long test password")
    client.force_login(admin)
    return client


def test_the_admin_lists_ingest_runs_with_their_status_progress_and_error(operator):
    IngestRun.objects.create(
        kind="blk", source="/data/blocks", status="failed", blocks_done=7, blocks_total=9, error="bad magic at 0x10"
    )
    page = operator.get("/admin/chain/ingestrun/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "/data/blocks" in text
    assert "bad magic at 0x10" in text
    assert "Failed" in text or "failed" in text


def test_the_admin_cannot_add_or_change_an_ingest_run(operator):
    run = IngestRun.objects.create(kind="blk", source="/data/blocks")
    assert operator.get("/admin/chain/ingestrun/add/").status_code == 403
    assert operator.post(f"/admin/chain/ingestrun/{run.id}/change/", {"status": "succeeded"}).status_code == 403
    run.refresh_from_db()
    assert run.status == "queued"

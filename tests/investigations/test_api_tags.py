"""Tag endpoints over HTTP: reading needs a team; a team changes only its own tags; only admins import."""

import io

import pytest
import yaml

from investigations.models import Membership, TagPackImport
from tests.investigations.test_api import API, client_for
from tests.investigations.test_tags import ADDRESSES, tag

pytestmark = pytest.mark.django_db


def upload(name: str, tags: list[dict], **header) -> io.BytesIO:
    pack = {"title": "Uploaded", "creator": "tests", "currency": "BTC", "confidence": "forensic", **header}
    file = io.BytesIO(yaml.safe_dump({**pack, "tags": tags}).encode())
    file.name = name
    return file


@pytest.fixture
def admin(people):
    Membership.objects.filter(user=people["sam"]).update(role=Membership.Role.ADMIN)
    people["sam"].refresh_from_db()
    return people["sam"]


def test_an_admin_imports_a_pack_and_every_team_reads_its_tags(people, admin, chain_graph):
    pack = upload("ransom.yaml", [tag(ADDRESSES[0], abuse="ransomware"), tag(ADDRESSES[1], category="exchange")])
    made = client_for(admin).post(f"{API}/tagpacks/", {"file": pack}, format="multipart")
    assert made.status_code == 201, made.content
    assert made.json()["pack"] == "ransom"
    assert made.json()["tags"] == 2
    red = client_for(people["olga"])
    found = red.get(f"{API}/tags/", {"address": [ADDRESSES[0], ADDRESSES[2]]})
    assert [(t["address"], t["risk_class"]) for t in found.json()] == [(ADDRESSES[0], "illicit")]
    assert [p["pack"] for p in red.get(f"{API}/tagpacks/").json()] == ["ransom"]
    exported = red.get(f"{API}/tagpacks/ransom/export/")
    assert exported["Content-Type"].startswith("application/yaml")
    assert {t["address"] for t in yaml.safe_load(exported.content)["tags"]} == set(ADDRESSES[:2])


def test_a_broken_upload_is_refused_naming_the_file_and_the_problem(admin, chain_graph):
    pack = upload("typo.yaml", [tag(ADDRESSES[0], abuse="ransomware", confidence="sure")])
    refused = client_for(admin).post(f"{API}/tagpacks/", {"file": pack}, format="multipart")
    assert refused.status_code == 400
    (problem,) = refused.json()["problems"]
    assert problem.startswith("typo.yaml: tags[0].confidence: 'sure' is not a confidence level")
    assert not TagPackImport.objects.exists()


@pytest.mark.parametrize("who", ["ana", "sue", "olga"])
def test_only_admins_import_packs(people, chain_graph, who):
    pack = upload("x.yaml", [tag(ADDRESSES[0], abuse="scam")])
    assert client_for(people[who]).post(f"{API}/tagpacks/", {"file": pack}, format="multipart").status_code == 403
    assert not TagPackImport.objects.exists()


def test_a_team_tags_by_hand_and_another_team_cannot_remove_it(people, chain_graph):
    ana = client_for(people["ana"])
    made = ana.post(f"{API}/tags/", {"address": ADDRESSES[1], "label": "Scam shop", "abuse": "scam"}, format="json")
    assert made.status_code == 201, made.content
    key = made.json()["key"]
    assert made.json()["pack"] == "team:Blue"
    assert client_for(people["olga"]).delete(f"{API}/tags/{key}/").status_code == 404
    assert ana.get(f"{API}/tags/", {"q": "scam"}).json()[0]["key"] == key
    assert ana.delete(f"{API}/tags/{key}/").status_code == 204
    assert ana.get(f"{API}/tags/", {"address": ADDRESSES[1]}).json() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"address": "0xdead", "label": "x", "abuse": "scam"}, "address"),
        ({"address": ADDRESSES[0], "label": "x", "category": "bakery"}, "category"),
        ({"address": ADDRESSES[0], "label": " ", "abuse": "scam"}, "label"),
    ],
)
def test_a_bad_hand_made_tag_gets_a_400_naming_the_field(people, chain_graph, payload, field):
    refused = client_for(people["ana"]).post(f"{API}/tags/", payload, format="json")
    assert refused.status_code == 400
    assert field in str(refused.json())


def test_tag_reads_need_a_team_and_a_question(people, chain_graph):
    assert client_for(people["nobody"]).get(f"{API}/tags/", {"q": "scam"}).status_code == 403
    assert client_for().get(f"{API}/taxonomy/").status_code == 403
    assert client_for(people["ana"]).get(f"{API}/tags/").status_code == 400
    too_many = {"address": [ADDRESSES[0]] * 101}
    assert client_for(people["ana"]).get(f"{API}/tags/", too_many).status_code == 400


def test_the_taxonomy_gives_concepts_with_their_risk_class(people):
    taxonomy = client_for(people["ana"]).get(f"{API}/taxonomy/").json()
    classes = {concept["id"]: concept["risk_class"] for concept in taxonomy["concepts"]}
    assert classes["ransomware"] == "illicit"
    assert classes["exchange"] == "exchange"
    assert classes["mixing_service"] == "high_risk"
    assert taxonomy["confidence"]["ownership"] == 100

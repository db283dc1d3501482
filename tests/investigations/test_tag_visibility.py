"""A team's hand-made tags are private to it unless shared: another team does not see them anywhere an
investigator looks (tags API, label search, address page, pack export); a public one every team sees."""

import pytest
import yaml

from investigations.models import AuditEvent
from tests.investigations.test_api import API, client_for
from tests.investigations.test_exploration import addr, flows  # noqa: F401 - the hand-built chain

pytestmark = pytest.mark.django_db


def tag_by_hand(user, address: str, **extra) -> dict:
    payload = {"address": address, "label": "Peel chain wallet", "abuse": "money_laundering", **extra}
    made = client_for(user).post(f"{API}/tags/", payload, format="json")
    assert made.status_code == 201, made.content
    return made.json()


def seen_by(user, address: str) -> dict[str, list[str]]:
    """The tag labels on `address` as each investigator screen shows them to `user`."""
    client = client_for(user)
    by_address = client.get(f"{API}/tags/", {"address": address}).json()
    by_label = client.get(f"{API}/tags/", {"q": "peel chain"}).json()
    page = client.get(f"{API}/addresses/{address}/").json()
    search = client.get(f"{API}/search/", {"q": "peel chain"}).json()["tags"]
    return {
        "tags": [t["label"] for t in by_address],
        "label search": [t["label"] for t in by_label],
        "address page": [t["label"] for t in page["tags"]],
        "search": [t["label"] for t in search],
    }


NONE = {"tags": [], "label search": [], "address page": [], "search": []}
ONE = {name: ["Peel chain wallet"] for name in NONE}


def test_another_team_does_not_see_a_team_tag(flows, people):  # noqa: F811
    made = tag_by_hand(people["ana"], addr("D"))
    assert made["visibility"] == "team", "private is the default"
    assert seen_by(people["sam"], addr("D")) == ONE, "a teammate sees it"
    assert seen_by(people["olga"], addr("D")) == NONE
    assert seen_by(people["otto"], addr("D")) == NONE
    export = client_for(people["olga"]).get(f"{API}/tagpacks/team:Blue/export/")
    assert export.status_code == 404, "another team's pack exports only what it made public: here nothing"


def test_a_public_tag_is_seen_by_every_team(flows, people):  # noqa: F811
    tag_by_hand(people["ana"], addr("D"), visibility="public")
    assert seen_by(people["olga"], addr("D")) == ONE
    export = client_for(people["olga"]).get(f"{API}/tagpacks/team:Blue/export/")
    assert [t["label"] for t in yaml.safe_load(export.content)["tags"]] == ["Peel chain wallet"]


def test_a_team_shares_its_tag_later_and_can_take_it_back(flows, people):  # noqa: F811
    key = tag_by_hand(people["ana"], addr("D"))["key"]
    olga = client_for(people["olga"])
    assert olga.patch(f"{API}/tags/{key}/", {"visibility": "public"}, format="json").status_code == 404
    assert seen_by(people["olga"], addr("D")) == NONE, "another team cannot share it"
    ana = client_for(people["ana"])
    assert ana.patch(f"{API}/tags/{key}/", {"visibility": "public"}, format="json").status_code == 204
    assert seen_by(people["olga"], addr("D")) == ONE
    assert ana.patch(f"{API}/tags/{key}/", {"visibility": "team"}, format="json").status_code == 204
    assert seen_by(people["olga"], addr("D")) == NONE
    assert ana.patch(f"{API}/tags/{key}/", {"visibility": "everyone"}, format="json").status_code == 400
    changes = AuditEvent.objects.filter(action="tag.visibility").values_list("data__visibility", flat=True)
    assert list(changes) == ["public", "team"]

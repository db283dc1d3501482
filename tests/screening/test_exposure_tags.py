"""Exchange screening uses public tags only: a team's private tag does not change an address's verdict
or exposure, for the exchange or for another team's exposure panel; made public, it does."""

import pytest
from rest_framework.test import APIClient

from investigations.tagging import tag_add
from screening.keys import key_issue
from screening.models import Organisation
from tests.investigations.test_exploration import addr

pytestmark = pytest.mark.django_db


def screened(key: str, address: str) -> dict:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    (result,) = api.post("/api/v1/screen/addresses", {"addresses": [address], "hops": 2}, format="json").json()[
        "results"
    ]
    return result


def panel(user, address: str) -> dict:
    browser = APIClient()
    browser.force_authenticate(user)
    return browser.get(f"/api/v1/addresses/{address}/exposure/?hops=2").json()


@pytest.fixture
def key():
    return key_issue(organisation=Organisation.objects.create(name="Exchange"), name="k", scopes=["screen"])


def test_a_team_tag_does_not_change_screening(flows, people, key):
    before_x, before_d = screened(key, addr("X")), screened(key, addr("D"))
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware")
    after_x, after_d = screened(key, addr("X")), screened(key, addr("D"))
    assert (after_x["risk_level"], after_x["exposure"]["direct"]) == (before_x["risk_level"], [])
    assert after_d["exposure"] == before_d["exposure"]
    assert "ransomware" not in after_d["exposure"]["received"]
    assert "ransomware" not in panel(people["olga"], addr("D"))["received"], "nor another team's panel"


def test_a_public_tag_does(flows, people, key):
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware", visibility="public")
    assert screened(key, addr("X"))["risk_level"] == "severe"
    assert screened(key, addr("D"))["exposure"]["received"]["ransomware"]["hops"] == 1
    assert panel(people["olga"], addr("D"))["received"]["ransomware"]["hops"] == 1

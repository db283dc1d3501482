import csv

import pytest
from django.contrib.auth import get_user_model

from chain.simulator.run import WorldSpec, simulate
from investigations.models import Membership, Team
from tests.chain.conftest import chain_graph, ingest  # noqa: F401 - the same graph and ingest fixtures


@pytest.fixture
def world(ingest, chain_graph, tmp_path):  # noqa: F811 - pytest passes the fixtures imported above
    """A small simulated world in this test's graph; returns (store, illicit addresses, licit addresses)."""
    simulate(WorldSpec(txs=1_000, seed=4, illicit_share=0.2), tmp_path / "world")
    assert ingest("blk", tmp_path / "world" / "blocks", network="regtest").status == "succeeded"
    with open(tmp_path / "world" / "truth.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    on_chain = {row["address"] for row in chain_graph.read("MATCH (a:Address) RETURN a.address AS address")}
    pick = lambda label: [r["address"] for r in rows if r["label"] == label and r["address"] in on_chain]  # noqa: E731
    return chain_graph, pick("illicit"), pick("licit")


@pytest.fixture
def people(db):
    """Two teams: ana (analyst), sam and sue (supervisors) in Blue; olga (analyst) and otto (supervisor) in Red."""
    blue, red = Team.objects.create(name="Blue"), Team.objects.create(name="Red")
    users = {}
    for name, team, role in [
        ("ana", blue, Membership.Role.ANALYST),
        ("sam", blue, Membership.Role.SUPERVISOR),
        ("sue", blue, Membership.Role.SUPERVISOR),
        ("olga", red, Membership.Role.ANALYST),
        ("otto", red, Membership.Role.SUPERVISOR),
    ]:
        users[name] = get_user_model().objects.create_user(name, password="a long test password")
        Membership.objects.create(user=users[name], team=team, role=role)
    users["nobody"] = get_user_model().objects.create_user("nobody", password="a long test password")
    return users

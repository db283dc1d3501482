"""Issue 17's real case: one mainnet block loaded without its parents (block 574,200, as a user loads a window
of the chain) and real GraphSense packs imported with the defaults. Spender-only addresses are in the graph
with their counterparties exposed to them, and a sanctions-listed address screens severe on chain or not.

No OFAC-listed address spends in the shared blocks (checked against every input's derived address); one is
paid in block 574,200 (1NpHuti9…), and the pack lists hundreds never seen here."""

import os
from pathlib import Path

import pytest

from chain.addresses import address_normalise
from graph.tags import tags_for
from investigations.tagging import tag_add, tagpacks_import
from screening.keys import key_issue
from screening.models import Organisation
from tagpack import read_yaml
from tests.screening.test_screening import screen

pytestmark = pytest.mark.django_db
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TAGPACKS = Path(os.environ.get("TAGPACK_REFERENCE") or SHARED / "reference" / "tagpacks")
BLOCK = Path(os.environ.get("CHAIN_FIXTURES") or SHARED / "fixtures" / "bitcoin") / "block-574200.blk"
PACKS = ["ofac.yaml", "interpol-real_services.yaml", "exchange-wallets-bitfinexcom.yaml"]
SANCTIONED_ON_CHAIN = "1NpHuti9NSM9fVTXLkvSDU4AnhqGQ5N53d"  # paid in 41f366c2…, an OFAC SDN list entry

# An address that only spends in this block (its funds came from blocks not loaded), and one it paid.
_SPENDER_ONLY = """
MATCH (s:Address)-[i:INPUT]->(t:Transaction)-[:OUTPUT]->(p:Address)
WHERE i.value IS NULL AND t.n_in = 1 AND p.address <> s.address
OPTIONAL MATCH (s)<-[paid:OUTPUT]-(:Transaction)
WITH s, p, count(paid) AS receipts
WHERE receipts = 0
RETURN s.address AS spender, p.address AS payee ORDER BY spender, payee LIMIT 1
"""
# The payees of a tagged exchange wallet (interpol-real_services) that spends here from an earlier block.
_EXCHANGE_PAYEE = """
MATCH (s:Address {address: '3QyUSB4eRYePHcvpS6k6YDMBUDGXRSSMPc'})-[i:INPUT]->(t:Transaction)-[:OUTPUT]->(p:Address)
WHERE i.value IS NULL AND p.address <> s.address
RETURN p.address AS payee ORDER BY payee LIMIT 1
"""

needs_data = [
    pytest.mark.skipif(not (TAGPACKS / "packs").is_dir(), reason=f"no GraphSense TagPacks at {TAGPACKS}"),
    pytest.mark.skipif(not BLOCK.is_file(), reason=f"no block 574200 at {BLOCK} (set CHAIN_FIXTURES)"),
]


@pytest.fixture
def real_case(ingest, chain_graph):
    assert ingest("raw", BLOCK).status == "succeeded"
    outcome = tagpacks_import(paths=[TAGPACKS / "packs" / name for name in PACKS], actor="operator")
    assert outcome.refused == {}, "the defaults import them: OFAC's pack gives no confidence"
    return key_issue(organisation=Organisation.objects.create(name="Exchange"), name="k", scopes=["screen"])


@needs_data[0]
@needs_data[1]
def test_a_spender_only_address_is_on_chain_and_its_payees_are_exposed_to_it(real_case, chain_graph, people):
    """No listed address spends in the shared blocks, so an investigator lists a spender-only one by hand."""
    (found,) = chain_graph.read(_SPENDER_ONLY)
    tag_add(user=people["ana"], address=found["spender"], label="Listed by OFAC", abuse="sanction", visibility="public")
    (spender,) = screen(real_case, found["spender"]).json()["results"]
    assert (spender["status"], spender["risk_level"]) == (200, "severe"), "an address that only spends is there"
    (payee,) = screen(real_case, found["payee"], hops=1).json()["results"]
    assert payee["status"] == 200
    received = payee["exposure"]["received"]["sanction"]
    assert (received["hops"], received["risk_class"]) == (1, "sanctioned")
    assert 0 < received["share"] <= 1, "what the spender paid counts though its input's value is unknown"
    assert payee["risk_score"] > 0


@needs_data[0]
@needs_data[1]
def test_the_payees_of_a_tagged_wallet_spending_older_funds_are_exposed_to_it(real_case, chain_graph):
    (found,) = chain_graph.read(_EXCHANGE_PAYEE)
    (payee,) = screen(real_case, found["payee"], hops=1).json()["results"]
    received = payee["exposure"]["received"]["exchange"]
    assert received["hops"] == 1
    assert 0 < received["share"] <= 1


@needs_data[0]
@needs_data[1]
def test_a_sanctions_listed_address_screens_severe_on_chain_or_not(real_case, chain_graph):
    listed = {address_normalise(str(t["address"])) for t in _pack("ofac.yaml")["tags"]} - {None}
    assert SANCTIONED_ON_CHAIN in listed
    on_chain = chain_graph.read(
        "MATCH (a:Address) WHERE a.address IN $listed RETURN a.address AS a", listed=list(listed)
    )
    assert [row["a"] for row in on_chain] == [SANCTIONED_ON_CHAIN]
    unseen = sorted(listed - {SANCTIONED_ON_CHAIN})[0]
    never_tagged = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    seen, new, unknown = screen(real_case, SANCTIONED_ON_CHAIN, unseen, never_tagged).json()["results"]
    for verdict in (seen, new):
        assert (verdict["status"], verdict["risk_level"], verdict["risk_score"]) == (200, "severe", 100)
        assert [(d["risk_class"], d["via"]) for d in verdict["exposure"]["direct"]] == [("sanctioned", "address")]
    assert "never seen on chain by this installation: judged by its tags alone" in new["score_reasons"]
    assert new["cluster"] is None
    assert new["exposure"]["received"] == {}
    assert (unknown["status"], unknown["error"]) == (404, "never seen on chain by this installation")
    (tag,) = tags_for(chain_graph, [unseen])[unseen]
    assert (tag["risk_class"], tag["confidence"]) == ("sanctioned", "unknown")


def _pack(name: str) -> dict:
    return read_yaml(TAGPACKS / "packs" / name)

"""The real case: mainnet block 574,200 and all the public GraphSense packs, imported with the defaults. A
BitMEX deposit wallet in the block screens as an exchange, and an address that paid it shows exchange exposure
one hop away."""

import os
from pathlib import Path

import pytest
import yaml

from graph.tags import tags_for
from investigations.tagging import tagpacks_import
from screening.keys import key_issue
from screening.models import Organisation
from tests.screening.test_screening import screen

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TAGPACKS = Path(os.environ.get("TAGPACK_REFERENCE") or SHARED / "reference" / "tagpacks")
BLOCK = Path(os.environ.get("CHAIN_FIXTURES") or SHARED / "fixtures" / "bitcoin") / "block-574200.blk"

# A BitMEX deposit paid in this block by an address the block itself resolves (most inputs spend outputs of
# earlier blocks, which are not in this graph: their addresses come from the inputs, their values are unknown).
_PAID_DEPOSIT = """
MATCH (g:Tag) WHERE g.label_lower STARTS WITH 'bitmex'
MATCH (a:Address {address: g.address})<-[:OUTPUT]-(t:Transaction)<-[i:INPUT]-(p:Address)
WHERE p.address <> a.address AND i.value IS NOT NULL
RETURN DISTINCT a.address AS deposit, p.address AS payer ORDER BY deposit, payer LIMIT 1
"""


# Packs whose tags are sanctioned: named as OFAC/SDN/financial-sanctions lists by title or source, or `abuse:
# sanction` (the Lazarus packs). Tornado Cash's list is Ethereum only.
SANCTIONS_PACKS = ["blender_io", "hydra", "lazarus", "lazarus2", "ofac", "sinbad_io"]


@pytest.mark.skipif(not (TAGPACKS / "packs").is_dir(), reason=f"no GraphSense TagPacks at {TAGPACKS}")
@pytest.mark.skipif(not BLOCK.is_file(), reason=f"no block 574200 at {BLOCK} (set CHAIN_FIXTURES)")
def test_all_the_public_packs_import_and_a_bitmex_deposit_screens_as_an_exchange(ingest, chain_graph):
    assert ingest("raw", BLOCK).status == "succeeded"
    packs = TAGPACKS / "packs"
    outcome = tagpacks_import(paths=[packs], actor="operator")  # the defaults: installed taxonomy, `unknown`
    assert outcome.refused == {}
    assert len(outcome.imported) == len(list(packs.rglob("*.yaml")))
    assert list(outcome.warnings) == ["usdt_blacklist"], "its `black_list` is newer than the installed taxonomy"
    listed = chain_graph.read("MATCH (t:Tag {risk_class: 'sanctioned'}) RETURN DISTINCT t.pack AS pack ORDER BY pack")
    assert [row["pack"] for row in listed] == SANCTIONS_PACKS
    total = sum(record.tags for record in outcome.imported)
    assert total > 480_000
    assert chain_graph.read("MATCH (t:Tag) RETURN count(t) AS n")[0]["n"] == total
    some = next(iter(yaml.safe_load((packs / "ofac.yaml").read_text())["tags"]))["address"]
    (ofac,) = (t for t in tags_for(chain_graph, [some])[some] if t["pack"] == "ofac")
    assert ofac["confidence"] == "unknown"

    (found,) = chain_graph.read(_PAID_DEPOSIT)
    key = key_issue(organisation=Organisation.objects.create(name="Exchange"), name="k", scopes=["screen"])
    (deposit,) = screen(key, found["deposit"]).json()["results"]
    assert deposit["status"] == 200
    assert {(d["category"], d["via"]) for d in deposit["exposure"]["direct"]} >= {("exchange", "address")}
    (counterparty,) = screen(key, found["payer"], hops=1).json()["results"]
    sent = counterparty["exposure"]["sent"]
    assert sent["exchange"]["hops"] == 1
    assert 0 < sent["exchange"]["share"] <= 1

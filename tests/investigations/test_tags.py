"""Tags: TagPack import (validated, replacing, audited), export, and tags investigators add by hand."""

import os
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied

from graph.tags import tags_for, tags_search
from graphml.features import ADDRESS_FEATURES, TAG_CLASSES, address_features
from graphml.runs import chain_arrays
from investigations.audit.verify import audit_log_verify
from investigations.models import AuditEvent, TagPackImport
from investigations.tagging import (
    TagError,
    demo_tags_load,
    pack_lock,
    tag_add,
    tag_remove,
    tagpack_export,
    tagpacks_import,
)
from tagpack import load_schema, validate

pytestmark = pytest.mark.django_db

REFERENCE = Path(
    os.environ.get("TAGPACK_REFERENCE") or Path(__file__).resolve().parents[2].parent / "shared/reference/tagpacks"
)
needs_reference = pytest.mark.skipif(
    not (REFERENCE / "packs").is_dir(), reason=f"no GraphSense TagPacks at {REFERENCE} (set TAGPACK_REFERENCE)"
)


def write_pack(path: Path, tags: list[dict], **header) -> Path:
    pack = {"title": "Test pack", "creator": "tests", "currency": "BTC", "confidence": "forensic", **header}
    path.write_text(yaml.safe_dump({**pack, "tags": tags}, sort_keys=False))
    return path


def tag(address: str, label: str = "Some actor", **fields) -> dict:
    return {"address": address, "label": label, "source": "https://example.org/report", **fields}


ADDRESSES = [
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
]


def test_a_simulated_worlds_pack_imports_and_its_tags_reach_the_graph(world, tmp_path):
    store, _, _ = world
    pack_file = tmp_path / "world" / "tagpack.yaml"
    written = yaml.safe_load(pack_file.read_text())["tags"]
    outcome = tagpacks_import(paths=[pack_file], actor="operator")
    assert outcome.refused == {}
    (record,) = outcome.imported
    assert record.pack == "tagpack"
    assert record.tags == len(written) > 0
    ransom = next(t for t in written if t.get("abuse") == "ransomware")
    (found,) = tags_for(store, [ransom["address"]])[ransom["address"]]
    assert found["risk_class"] == "illicit"
    assert found["confidence_score"] == 70
    exchange = next(t for t in written if t.get("category") == "exchange")
    assert tags_for(store, [exchange["address"]])[exchange["address"]][0]["risk_class"] == "exchange"
    arrays = chain_arrays(store)  # the labeling model's reads see the tags
    tagged = arrays.tag_class[[arrays.index[ransom["address"]], arrays.index[exchange["address"]]]]
    assert list(tagged) == [1 + TAG_CLASSES.index("illicit"), 1 + TAG_CLASSES.index("exchange")]
    exposure = address_features(arrays)[:, ADDRESS_FEATURES.index("illicit_tag_received_share")]
    assert (exposure > 0).sum() > 0
    event = AuditEvent.objects.get(action="tagpack.import")
    assert event.target == "tagpack:tagpack"
    assert event.data["sha256"] == record.sha256


def test_reimporting_a_pack_replaces_its_tags_and_leaves_other_packs_alone(chain_graph, tmp_path):
    first = write_pack(tmp_path / "first.yaml", [tag(a, abuse="ransomware") for a in ADDRESSES])
    other = write_pack(tmp_path / "other.yaml", [tag(ADDRESSES[0], "An exchange", category="exchange")])
    tagpacks_import(paths=[first, other], actor="operator")
    tagpacks_import(paths=[first], actor="operator")  # the same again changes nothing
    assert sum(len(tags) for tags in tags_for(chain_graph, ADDRESSES).values()) == 4

    write_pack(first, [tag(ADDRESSES[1], abuse="ransomware")])
    tagpacks_import(paths=[first], actor="operator")
    now = tags_for(chain_graph, ADDRESSES)
    assert sorted(now) == sorted(ADDRESSES[:2])
    assert [t["pack"] for t in now[ADDRESSES[0]]] == ["other"]
    assert TagPackImport.objects.filter(pack="first").count() == 3


def test_a_broken_pack_is_refused_whole_with_every_problem_named_and_stored_tags_kept(chain_graph, tmp_path):
    good = write_pack(tmp_path / "pack.yaml", [tag(ADDRESSES[0], abuse="ransomware")])
    tagpacks_import(paths=[good], actor="operator")
    write_pack(good, [tag(ADDRESSES[1], abuse="ransomware", lastmod=7), tag(ADDRESSES[2], confidence="certain")])
    outcome = tagpacks_import(paths=[good], actor="operator")
    problems = outcome.refused["pack"]
    assert any("tags[0].lastmod: 7 is not datetime" in p for p in problems)
    assert any("tags[1].confidence: 'certain' is not a confidence level" in p for p in problems)
    assert all(p.startswith(str(good)) for p in problems)
    assert list(tags_for(chain_graph, ADDRESSES)) == [ADDRESSES[0]]
    assert TagPackImport.objects.count() == 1


def test_tags_that_are_not_bitcoin_addresses_are_counted_not_kept(chain_graph, tmp_path):
    pack = write_pack(
        tmp_path / "mixed.yaml",
        [
            tag(ADDRESSES[0], category="exchange"),
            tag("0x52908400098527886E0F7030069857D2E4169EE7", category="exchange", currency="ETH"),
            {"tx_hash": "ab" * 32, "label": "a payment", "source": "https://example.org"},
            tag("not an address at all", category="exchange"),
            tag("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", category="exchange"),  # upper-case bech32
        ],
    )
    (record,) = tagpacks_import(paths=[pack], actor="operator").imported
    assert record.tags == 2
    assert record.skipped == {"not Bitcoin (ETH)": 1, "a transaction tag": 1, "not a Bitcoin address": 1}
    assert sorted(tags_for(chain_graph, ADDRESSES)) == [ADDRESSES[0], ADDRESSES[2]]


def test_an_exported_pack_is_valid_and_imports_back_to_the_same_tags(chain_graph, tmp_path):
    original = write_pack(
        tmp_path / "orig.yaml",
        [
            tag(ADDRESSES[0], "Ransom wallet", abuse="ransomware", lastmod="2024-05-01"),
            tag(ADDRESSES[1], "Hot wallet", category="exchange", concepts=["hot_wallet"], confidence="service_data"),
        ],
        title="Original",
    )
    tagpacks_import(paths=[original], actor="operator")
    before = tags_for(chain_graph, ADDRESSES)
    exported = tagpack_export(pack="orig")
    assert validate(yaml.safe_load(exported), load_schema(settings.TAGPACK_SCHEMA_DIR)) == []
    assert yaml.safe_load(exported)["title"] == "Original"
    chain_graph.write("MATCH (t:Tag) DELETE t")
    (tmp_path / "orig.yaml").write_text(exported)
    tagpacks_import(paths=[tmp_path / "orig.yaml"], actor="operator")
    assert tags_for(chain_graph, ADDRESSES) == before


def test_investigators_tag_by_hand_in_their_teams_pack_and_only_that_team_removes_it(chain_graph, people):
    made = tag_add(user=people["ana"], address=ADDRESSES[2].upper(), label="Scam shop", abuse="scam")
    (stored,) = tags_for(chain_graph, [ADDRESSES[2]], own_pack="team:Blue")[ADDRESSES[2]]
    assert stored["pack"] == "team:Blue"
    assert stored["source"] == "chainsleuth:ana"
    assert stored["risk_class"] == "illicit"
    assert tags_search(chain_graph, "scam s", own_pack="team:Blue")[0]["key"] == made["key"]
    with pytest.raises(TagPackImport.DoesNotExist):
        tag_remove(user=people["olga"], key=made["key"])
    tag_remove(user=people["sam"], key=made["key"])
    assert tags_for(chain_graph, [ADDRESSES[2]], own_pack="team:Blue") == {}
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == ["tag.add", "tag.remove"]
    assert audit_log_verify().intact


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"address": "0xabc"}, "address: '0xabc' is not a Bitcoin address"),
        ({"label": "  "}, "label: must not be blank"),
        ({"abuse": None}, "category or abuse: give at least one"),
        ({"abuse": "robbery"}, "abuse: 'robbery' is not a concept"),
        ({"confidence": "sure"}, "confidence: 'sure' is not one of"),
    ],
)
def test_a_hand_made_tag_is_checked_against_the_taxonomy(chain_graph, people, fields, message):
    with pytest.raises(TagError, match=message):
        tag_add(user=people["ana"], **{"address": ADDRESSES[0], "label": "x", "abuse": "scam", **fields})
    assert tags_for(chain_graph, ADDRESSES) == {}


def test_people_in_no_team_cannot_tag(chain_graph, people):
    with pytest.raises(PermissionDenied):
        tag_add(user=people["nobody"], address=ADDRESSES[0], label="x", abuse="scam")


def test_the_demo_worlds_pack_loads_once(world, tmp_path):
    store, _, _ = world
    first = demo_tags_load(directory=tmp_path / "world")
    assert first.pack == "demo-world"
    assert first.tags > 0
    assert demo_tags_load(directory=tmp_path / "world") is None
    assert store.read("MATCH (t:Tag) RETURN count(t) AS n")[0]["n"] == first.tags
    assert demo_tags_load(directory=tmp_path / "nowhere") is None


def test_a_second_import_of_a_pack_while_one_runs_is_refused(chain_graph, tmp_path):
    pack = write_pack(tmp_path / "busy.yaml", [tag(ADDRESSES[0], abuse="scam")])
    with pack_lock("busy"):
        outcome = tagpacks_import(paths=[pack], actor="operator")
    assert "another import of this pack is running" in outcome.refused["busy"][0]
    assert tags_for(chain_graph, ADDRESSES) == {}
    assert tagpacks_import(paths=[pack], actor="operator").imported[0].tags == 1


def test_a_concept_the_taxonomy_does_not_know_is_kept_with_a_warning_not_refused(chain_graph, tmp_path):
    pack = write_pack(
        tmp_path / "newer.yaml",
        [tag(ADDRESSES[0], category="black_list"), tag(ADDRESSES[1], abuse="ransomwear")],
    )
    outcome = tagpacks_import(paths=[pack], actor="operator")
    assert outcome.refused == {}
    assert [record.tags for record in outcome.imported] == [2]
    (first, second) = outcome.warnings["newer"]
    assert "tags[0].category: 'black_list' is not a known concept" in first
    assert "tags[1].abuse: 'ransomwear' is not a known concept (did you mean: ransomware?)" in second
    found = tags_for(chain_graph, ADDRESSES[:2])
    assert (found[ADDRESSES[0]][0]["category"], found[ADDRESSES[0]][0]["risk_class"]) == ("black_list", "other")
    assert found[ADDRESSES[1]][0]["risk_class"] == "illicit", "an abuse field is abuse, known or not"
    event = AuditEvent.objects.filter(action="tagpack.import").last()
    assert event.data["warnings"] == 2


def test_a_pack_that_gives_no_confidence_imports_with_the_documented_default(chain_graph, tmp_path):
    pack = tmp_path / "plain.yaml"
    pack.write_text(yaml.safe_dump({"title": "t", "creator": "c", "currency": "BTC", "tags": [tag(ADDRESSES[0])]}))
    (record,) = tagpacks_import(paths=[pack], actor="operator").imported
    assert record.tags == 1
    (stored,) = tags_for(chain_graph, [ADDRESSES[0]])[ADDRESSES[0]]
    assert (stored["confidence"], stored["confidence_score"]) == ("unknown", 5)


@pytest.mark.parametrize(
    ("header", "fields"),
    [
        ({"title": "US Treasury OFAC Sanctions List", "category": "user"}, {}),
        ({"category": "user"}, {"source": "https://www.treasury.gov/ofac/downloads/sdnlist.txt"}),
        ({"category": "market"}, {"source": "https://home.treasury.gov/policy-issues/financial-sanctions/x"}),
        ({"category": "user"}, {"abuse": "sanction"}),
    ],
)
def test_a_sanctions_list_makes_its_tags_sanctioned_whatever_their_category(chain_graph, tmp_path, header, fields):
    pack = write_pack(tmp_path / "list.yaml", [tag(ADDRESSES[0], **fields)], **header)
    tagpacks_import(paths=[pack], actor="operator")
    (stored,) = tags_for(chain_graph, [ADDRESSES[0]])[ADDRESSES[0]]
    assert stored["risk_class"] == "sanctioned"


def test_a_ransomware_report_is_not_taken_for_a_sanctions_list(chain_graph, tmp_path):
    pack = write_pack(tmp_path / "report.yaml", [tag(ADDRESSES[0], abuse="ransomware")], title="Sanctioned? No")
    tagpacks_import(paths=[pack], actor="operator")
    assert tags_for(chain_graph, [ADDRESSES[0]])[ADDRESSES[0]][0]["risk_class"] == "illicit"


@needs_reference
def test_the_public_packs_refused_before_import_with_the_defaults(chain_graph):
    """Three give no confidence; usdt_blacklist uses `black_list`, newer than the installed taxonomy. The whole
    set imports with the defaults in tests/screening/test_real_case.py (slow)."""
    names = ["ofac", "usdt_blacklist", "etherscamdb_tagpack", "miners_additional"]
    outcome = tagpacks_import(paths=[REFERENCE / "packs" / f"{name}.yaml" for name in names], actor="operator")
    assert outcome.refused == {}
    assert sorted(record.pack for record in outcome.imported) == sorted(names)
    assert list(outcome.warnings) == ["usdt_blacklist"]
    classes = chain_graph.read("MATCH (t:Tag {pack: 'ofac'}) RETURN collect(DISTINCT t.risk_class) AS classes")
    assert classes == [{"classes": ["sanctioned"]}]

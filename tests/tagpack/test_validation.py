"""TagPack validation: the real public packs pass, and each kind of broken pack says what and where."""

import datetime
import os
from pathlib import Path

import pytest

from tagpack import TagPackError, check, concept_warnings, load_schema, validate, validate_file

REFERENCE = Path(
    os.environ.get("TAGPACK_REFERENCE")
    or Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "tagpacks"
)

pytestmark = pytest.mark.skipif(
    not (REFERENCE / "schema").is_dir(),
    reason=f"no GraphSense TagPacks reference at {REFERENCE} (set TAGPACK_REFERENCE to a checkout of them)",
)

# Small and medium Bitcoin packs (ransomware.yaml holds ~7,000 tags), chosen so that between them they
# use every header-level tag field, per-tag overrides, several currencies (demo.yaml) and `is_public`.
# The 50,000-tag packs pass too, but take seconds each to parse.
CLEAN_BTC_PACKS = [
    "demo.yaml",
    "binance.yaml",
    "protonmail.yaml",
    "blender_io.yaml",
    "hydra.yaml",
    "lazarus.yaml",
    "lockbit_tattoos.yaml",
    "aft-alqaeda-forfeit_vc.yaml",
    "service-wallets-checksig.yaml",
    "walletexplorer.yaml",
    "ransomware.yaml",
]


@pytest.fixture(scope="module")
def schema():
    return load_schema(REFERENCE / "schema")


def a_pack(tags=None, **header):
    """A valid Bitcoin pack: tag fields in the header, one tag that gives only its address."""
    fields = {
        "title": "Ransomware payments",
        "creator": "ChainSleuth tests",
        "label": "Some ransomware",
        "source": "https://example.org/report",
        "currency": "BTC",
        "confidence": "forensic",
        "abuse": "ransomware",
        "tags": [{"address": "1Archive1n2C579dMsAu3iC6tWzuQJz8dN"}] if tags is None else tags,
        **header,
    }
    return {name: value for name, value in fields.items() if value is not None}


@pytest.mark.parametrize("name", CLEAN_BTC_PACKS)
def test_real_bitcoin_packs_validate_cleanly(schema, name):
    assert validate_file(REFERENCE / "packs" / name, schema) == []


@pytest.mark.parametrize("name", ["ofac.yaml", "miners_additional.yaml"])
def test_real_packs_without_any_confidence_are_reported_once(schema, name):
    """The pack is wrong, not the validator: neither header nor any tag gives a confidence, which the
    schema makes mandatory. The GraphSense tool fills in its lowest level (`unknown`) with a warning;
    we leave that choice to whoever imports the pack."""
    path = REFERENCE / "packs" / name
    assert validate_file(path, schema) == [f"{path}: confidence: missing, and no tag gives it (mandatory tag field)"]


def test_the_hand_built_pack_is_valid(schema):
    assert validate(a_pack(), schema) == []


def test_network_defaults_from_currency_as_the_graphsense_tool_does(schema):
    """None of the public packs gives `network`, which the schema makes mandatory."""
    pack = a_pack(
        currency=None,
        tags=[{"address": "1A", "currency": "BTC"}, {"address": "1B", "network": "BTC"}, {"address": "1C"}],
    )
    assert validate(pack, schema) == [
        "tags[1].currency: missing, in the tag and in the header (mandatory tag field)",
        "tags[2].currency: missing, in the tag and in the header (mandatory tag field)",
        "tags[2].network: missing, in the tag and in the header (mandatory tag field)",
    ]


def test_it_reports_a_missing_mandatory_header_field(schema):
    assert validate(a_pack(title=None), schema) == ["title: missing (mandatory header field)"]


def test_it_reports_a_mandatory_tag_field_given_neither_in_header_nor_tag(schema):
    pack = a_pack(label=None, tags=[{"address": "1A", "label": "Wallet A"}, {"address": "1B"}])
    assert validate(pack, schema) == ["tags[1].label: missing, in the tag and in the header (mandatory tag field)"]


def test_it_reports_a_tag_field_missing_from_every_tag_once_not_per_tag(schema):
    pack = a_pack(source=None, tags=[{"address": "1A"}, {"address": "1B"}])
    assert validate(pack, schema) == ["source: missing, and no tag gives it (mandatory tag field)"]


@pytest.mark.parametrize(
    ("pack", "message"),
    [
        (a_pack(creater="typo"), "creater: unknown header field"),
        (a_pack(tags=[{"address": "1A", "labels": "x"}]), "tags[0].labels: unknown tag field"),
        (a_pack(tags=[{"address": "1A", "title": "x"}]), "tags[0].title: unknown tag field"),
    ],
)
def test_it_reports_unknown_fields(schema, pack, message):
    assert validate(pack, schema) == [message]


@pytest.mark.parametrize(
    ("pack", "message"),
    [
        (a_pack(label=42), "label: 42 is not text"),
        (a_pack(is_public="yes"), "is_public: 'yes' is not boolean"),
        (a_pack(tags=[{"address": "1A", "is_cluster_definer": 1}]), "tags[0].is_cluster_definer: 1 is not boolean"),
        (a_pack(lastmod="last tuesday"), "lastmod: 'last tuesday' is not datetime"),
        (a_pack(tags=[{"address": "1A", "concepts": "exchange"}]), "tags[0].concepts: 'exchange' is not list"),
        (a_pack(tags=[{"address": "1A", "concepts": ["exchange", 7]}]), "tags[0].concepts[1]: 7 is not text"),
        ([("title", "a list, not a mapping")], "pack: expected a mapping of fields, got list"),
        (a_pack(tags="1A"), "tags: '1A' is not a list"),
        (a_pack(tags=["1A"]), "tags[0]: '1A' is not a mapping of tag fields"),
        (a_pack(tags=[{"address": "1A", "label": None}]), "tags[0].label: empty"),
    ],
)
def test_it_reports_a_wrong_type(schema, pack, message):
    assert validate(pack, schema) == [message]


@pytest.mark.parametrize(
    "lastmod",
    [datetime.date(2021, 11, 12), datetime.datetime(2021, 11, 12, 10, 0), "2021-11-12", "2021-11-12T10:00:00Z"],
)
def test_it_accepts_dates_and_iso_8601_strings_for_datetime(schema, lastmod):
    assert validate(a_pack(lastmod=lastmod), schema) == []


def test_an_unknown_concept_is_a_warning_with_close_matches_not_a_problem(schema):
    pack = a_pack(abuse="ransomwear")
    assert validate(pack, schema) == []
    assert concept_warnings(pack, schema) == ["abuse: 'ransomwear' is not a known concept (did you mean: ransomware?)"]


def test_it_warns_of_every_unknown_concept_in_a_list(schema):
    pack = a_pack(tags=[{"address": "1A", "concepts": ["exchange", "zzzz"]}])
    assert validate(pack, schema) == []
    assert concept_warnings(pack, schema) == ["tags[0].concepts[1]: 'zzzz' is not a known concept (see concepts.yaml)"]


def test_it_reports_an_unknown_confidence_where_the_tag_overrides_the_header(schema):
    pack = a_pack(tags=[{"address": "1A"}, {"address": "1B", "confidence": "sure"}])
    (message,) = validate(pack, schema)
    assert message.startswith("tags[1].confidence: 'sure' is not a confidence level (one of: override, ownership, ")


def test_it_accepts_any_tag_type_because_no_taxonomy_file_lists_them(schema):
    assert validate(a_pack(tags=[{"address": "1A", "tag_type": "anything"}]), schema) == []


def test_a_tag_needs_an_address_or_a_tx_hash_but_not_both(schema):
    pack = a_pack(tags=[{"tx_hash": "ab" * 32}, {"label": "no target"}, {"address": "1A", "tx_hash": "ab" * 32}])
    assert validate(pack, schema) == [
        "tags[1]: neither address nor tx_hash, so the tag attributes nothing",
        "tags[2]: both address and tx_hash; a tag attributes one or the other",
    ]


def test_bad_yaml_is_one_message_naming_file_and_line(schema, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("title: Broken\ncreator: me\ntags:\n- address: [1A\n", encoding="utf-8")
    (message,) = validate_file(path, schema)
    assert message.startswith(f"{path}:5: invalid YAML: ")


def test_check_raises_with_every_problem(schema):
    pack = a_pack(creater="typo", confidence="sure")
    with pytest.raises(TagPackError) as raised:
        check(pack, schema)
    assert raised.value.problems == tuple(validate(pack, schema))
    assert len(raised.value.problems) == 2
    assert str(raised.value) == "\n".join(raised.value.problems)
    check(a_pack(), schema)

"""Validate GraphSense TagPacks against the schema files of a schema directory.

A TagPack is a YAML mapping: header fields, plus tag fields given once for every tag, plus
`tags`, a list of mappings that may override those tag fields. We check it the way the
GraphSense tagpack-tool does, but collect every problem instead of stopping at the first,
so one run tells an importer everything to fix.

A concept the schema does not know is a warning, not a problem (`concept_warnings`): packs are
written against newer taxonomies than the one installed (the public `usdt_blacklist` uses
`black_list`), and refusing them would lose what they attribute. Such a tag is kept as written;
tagpack/taxonomy.py gives it a risk class from what it does know.
"""

import csv
import datetime
import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.errors import ChainSleuthError

# PyYAML's safe loader, in C where it was built with libyaml: the large packs parse several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# No taxonomy file for `tag_type` ships with the schema, so any text is accepted there.
_TAXONOMIES_WITHOUT_FILE = frozenset({"tag_type"})


class TagPackError(ChainSleuthError, ValueError):
    """A TagPack broke the schema; `problems` keeps the messages one by one."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)

    def body(self) -> dict:
        return {"detail": "the TagPack is refused", "problems": list(self.problems)}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    mandatory: bool
    taxonomy: str | None = None
    item_type: str | None = None


@dataclass(frozen=True)
class TagPackSchema:
    header_fields: Mapping[str, Field]
    tag_fields: Mapping[str, Field]
    concept_ids: frozenset[str]
    confidence_ids: tuple[str, ...]  # in the file's order, strongest first, for messages


@functools.cache
def load_schema(schema_dir: Path) -> TagPackSchema:
    """Read the schema once per directory; refuse a taxonomy we could not check."""
    schema_dir = Path(schema_dir)
    raw = yaml.safe_load((schema_dir / "tagpack_schema.yaml").read_text(encoding="utf-8"))
    header_fields = _fields(raw["header"])
    tag_fields = _fields(raw["tag"])
    for field in [*header_fields.values(), *tag_fields.values()]:
        if field.taxonomy not in (None, "concept", "confidence", *_TAXONOMIES_WITHOUT_FILE):
            raise ValueError(f"{field.name}: schema names taxonomy {field.taxonomy!r}, which we cannot check")
    return TagPackSchema(
        header_fields=header_fields,
        tag_fields=tag_fields,
        concept_ids=_concept_ids(schema_dir / "concepts.yaml"),
        confidence_ids=_confidence_ids(schema_dir / "confidence.csv"),
    )


def _fields(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, Field]:
    return {
        name: Field(name, spec["type"], bool(spec.get("mandatory")), spec.get("taxonomy"), spec.get("item_type"))
        for name, spec in raw.items()
    }


def _concept_ids(path: Path) -> frozenset[str]:
    """Both a concept's key and its `id`: they differ once (`defi_derivatives` has id `defi_derivative`)."""
    concepts = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = set()
    for key, concept in concepts.items():
        if isinstance(concept, dict) and "id" in concept:
            ids.update((key, concept["id"]))
    return frozenset(ids)


def _confidence_ids(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8", newline="") as rows:
        return tuple(row["id"] for row in csv.DictReader(rows))


def validate(pack: Any, schema: TagPackSchema) -> list[str]:
    """Every problem in `pack`, each naming where it is; empty when the pack is valid.

    A tag field given in the header holds for every tag that does not give it. `network` is
    mandatory in the schema, yet none of the public packs gives it: like the GraphSense
    tagpack-tool, we take a missing `network` to be the `currency`, so either satisfies it.
    """
    if not isinstance(pack, dict):
        return [f"pack: expected a mapping of fields, got {type(pack).__name__}"]
    problems = []
    for name, value in pack.items():
        field = schema.header_fields.get(name) or schema.tag_fields.get(name)
        if field is None:
            problems.append(f"{name}: unknown header field")
        elif name != "tags":
            problems += _check_value(name, value, field, schema)
    for field in schema.header_fields.values():
        if field.mandatory and field.name not in pack:
            problems.append(f"{field.name}: missing (mandatory header field)")
    if "tags" not in pack:
        return problems
    tags = pack["tags"]
    if not isinstance(tags, list):
        return [*problems, f"tags: {_show(tags)} is not a list"]
    if not tags:
        return [*problems, "tags: empty, so the pack attributes nothing"]

    header = {name: value for name, value in pack.items() if name in schema.tag_fields}
    mapping_tags = [tag for tag in tags if isinstance(tag, dict)]
    missing_everywhere = {
        field.name
        for field in _mandatory_tag_fields(schema)
        if mapping_tags and not _gives(field.name, header) and not any(_gives(field.name, tag) for tag in mapping_tags)
    }
    problems += [f"{name}: missing, and no tag gives it (mandatory tag field)" for name in sorted(missing_everywhere)]
    for index, tag in enumerate(tags):
        problems += _tag_problems(f"tags[{index}]", tag, header, missing_everywhere, schema)
    return problems


def _mandatory_tag_fields(schema: TagPackSchema) -> list[Field]:
    return [field for field in schema.tag_fields.values() if field.mandatory]


def _gives(name: str, fields: Mapping[str, Any]) -> bool:
    return name in fields or (name == "network" and "currency" in fields)


def _tag_problems(
    where: str, tag: Any, header: Mapping[str, Any], already_reported: set[str], schema: TagPackSchema
) -> list[str]:
    if not isinstance(tag, dict):
        return [f"{where}: {_show(tag)} is not a mapping of tag fields"]
    problems = []
    for name, value in tag.items():
        field = schema.tag_fields.get(name)
        if field is None:
            problems.append(f"{where}.{name}: unknown tag field")
        else:
            problems += _check_value(f"{where}.{name}", value, field, schema)
    merged = {**header, **tag}
    for field in _mandatory_tag_fields(schema):
        if field.name not in already_reported and not _gives(field.name, merged):
            problems.append(f"{where}.{field.name}: missing, in the tag and in the header (mandatory tag field)")
    if "address" not in merged and "tx_hash" not in merged:
        problems.append(f"{where}: neither address nor tx_hash, so the tag attributes nothing")
    elif "address" in merged and "tx_hash" in merged:
        problems.append(f"{where}: both address and tx_hash; a tag attributes one or the other")
    return problems


def concept_warnings(pack: Any, schema: TagPackSchema) -> list[str]:
    """Each concept in `pack` that the schema does not know, naming where it is and what is close to it."""
    if not isinstance(pack, dict):
        return []
    places = [("", pack)] + [
        (f"tags[{i}].", tag) for i, tag in enumerate(pack.get("tags") or []) if isinstance(tag, dict)
    ]
    warnings = []
    for prefix, fields in places:
        for name, value in fields.items():
            field = schema.tag_fields.get(name) or schema.header_fields.get(name)
            if field is None or field.taxonomy != "concept" or value is None:
                continue
            items = (
                [(f"{prefix}{name}[{i}]", v) for i, v in enumerate(value)]
                if isinstance(value, list)
                else [(f"{prefix}{name}", value)]
            )
            warnings += [_unknown_concept(where, item, schema) for where, item in items
                         if isinstance(item, str) and item not in schema.concept_ids]  # fmt: skip
    return warnings


def _unknown_concept(where: str, value: str, schema: TagPackSchema) -> str:
    close = difflib.get_close_matches(value, sorted(schema.concept_ids), n=3)
    hint = f" (did you mean: {', '.join(close)}?)" if close else " (see concepts.yaml)"
    return f"{where}: {value!r} is not a known concept{hint}"


def _check_value(where: str, value: Any, field: Field, schema: TagPackSchema) -> list[str]:
    if value is None:
        return [f"{where}: empty"]
    if not _has_type(value, field.type):
        return [f"{where}: {_show(value)} is not {field.type}"]
    if field.type == "list":
        items = [(f"{where}[{i}]", item) for i, item in enumerate(value)]
        if field.item_type is not None:
            wrong = [
                f"{at}: {_show(item)} is not {field.item_type}"
                for at, item in items
                if not _has_type(item, field.item_type)
            ]
            if wrong:
                return wrong
    else:
        items = [(where, value)]
    return [problem for at, item in items if (problem := _check_taxonomy(at, item, field.taxonomy, schema))]


def _has_type(value: Any, type_name: str) -> bool:
    if type_name == "text":
        return isinstance(value, str)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "list":
        return isinstance(value, list)
    if type_name == "datetime":
        return isinstance(value, datetime.date) or (isinstance(value, str) and _is_iso_8601(value))
    raise ValueError(f"schema type {type_name!r} is not one we know how to check")


def _is_iso_8601(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_taxonomy(where: str, value: str, taxonomy: str | None, schema: TagPackSchema) -> str | None:
    if taxonomy == "confidence" and value not in schema.confidence_ids:
        return f"{where}: {value!r} is not a confidence level (one of: {', '.join(schema.confidence_ids)})"
    return None  # an unknown concept is a warning (concept_warnings), not a reason to refuse the pack


def _show(value: Any) -> str:
    """Short enough for a message even when a whole list or mapping sits in the wrong place."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def read_yaml(path: Path) -> Any:
    """A pack file's YAML; TagPackError naming the file and line when it cannot be read."""
    try:
        with Path(path).open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader, see _SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TagPackError([f"{path}{line}: invalid YAML: {problem}"]) from error
    except (OSError, UnicodeDecodeError) as error:
        raise TagPackError([f"{path}: cannot read: {error}"]) from error


def validate_file(path: Path, schema: TagPackSchema) -> list[str]:
    """Like `validate`, each message prefixed with the file, so messages from many packs stay apart."""
    try:
        pack = read_yaml(path)
    except TagPackError as error:
        return list(error.problems)
    return [f"{path}: {problem}" for problem in validate(pack, schema)]


def check(pack: Any, schema: TagPackSchema) -> None:
    """For callers that import a pack only if it is valid, and want the reasons otherwise."""
    problems = validate(pack, schema)
    if problems:
        raise TagPackError(problems)

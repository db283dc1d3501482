"""Tag services: TagPack import and export, and the tags investigators add by hand.

Imported packs are shared knowledge: every team sees them, and exchange screening uses them. Only
admins import packs. Any investigator tags an address, and the tag goes into their team's own pack
(`team:<name>`), which only that team can change. A hand-made tag names the subject of the team's work,
so it is private to the team (visibility `team`) unless made `public` when added or later
(`tag_visibility_change`). Screening and model features use public tags only. Imports, hand-made tags
and visibility changes are audit events.
"""

import contextlib
import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from chain.addresses import address_normalise
from core.errors import ChainSleuthError, Forbidden
from graph import get_graph
from graph.tags import PUBLIC, TEAM, tag_delete, tag_visibility_set, tags_delete_stale, tags_of_pack, tags_write
from investigations.audit.log import audit_event_append
from investigations.models import Membership, TagPackImport
from investigations.selectors import membership
from tagpack import TagPackError, load_schema
from tagpack.reading import pack_yaml, read_pack, tag_row
from tagpack.taxonomy import Taxonomy, load_taxonomy

LOCK_SECONDS = 3600  # an import taking longer than this loses its lock
TEAM_PACK_PREFIX = "team:"  # hand-made tags: a team's own pack, never replaced by an import
VISIBILITIES = (TEAM, PUBLIC)  # a hand-made tag's; TEAM, the first, is the default
PACK_NAME = re.compile(r"[\w.-][\w.:/-]{0,199}")


class TagError(ChainSleuthError, ValueError):
    """A tag that cannot be made as asked; the message says which field and why."""


class TagForbidden(Forbidden, PermissionDenied):
    """The user's role does not allow this (403); still Django's PermissionDenied for callers outside the API."""


@dataclass
class ImportOutcome:
    """What a multi-file import did: one entry per pack imported, every problem of every refused one."""

    imported: list[TagPackImport] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # pack → concepts kept though unknown


def taxonomy(schema_dir: Path | None = None) -> Taxonomy:
    return load_taxonomy(Path(schema_dir or settings.TAGPACK_SCHEMA_DIR))


def tagpack_import(
    *, path: Path, pack: str, actor: str, schema_dir: Path | None = None, default_confidence: str | None = None
) -> TagPackImport:
    """Import one pack file, replacing the tags of an earlier import of the same pack. Refuses the whole
    pack (TagPackError, every problem named) before anything is written."""
    return _pack_import(
        path=path, pack=pack, actor=actor, schema_dir=schema_dir, default_confidence=default_confidence
    )[0]


def _pack_import(
    *, path: Path, pack: str, actor: str, schema_dir: Path | None, default_confidence: str | None
) -> tuple[TagPackImport, list[str]]:
    """The import, and its warnings (concepts the taxonomy does not know, kept on their tags)."""
    if not PACK_NAME.fullmatch(pack) or pack.startswith(TEAM_PACK_PREFIX):
        raise TagPackError([f"{pack!r}: not a pack name we import into (letters, digits, . _ - / :; not team:…)"])
    schema_dir = Path(schema_dir or settings.TAGPACK_SCHEMA_DIR)
    schema, known = load_schema(schema_dir), load_taxonomy(schema_dir)
    read = read_pack(path, pack, schema, known, default_confidence=default_confidence)
    store, generation = get_graph(), uuid.uuid4().hex
    with pack_lock(pack):
        tags_write(store, read.rows, generation=generation)
        tags_delete_stale(store, pack=pack, generation=generation)
    with transaction.atomic():
        record = TagPackImport.objects.create(
            pack=pack,
            title=read.title,
            creator=read.creator,
            sha256=_file_sha256(path),
            tags=len({row["key"] for row in read.rows}),
            skipped=read.skipped,
            generation=generation,
            imported_by=actor,
        )
        audit_event_append(
            actor=actor,
            action="tagpack.import",
            target=f"tagpack:{pack}",
            data={
                "sha256": record.sha256,
                "tags": record.tags,
                "skipped": record.skipped,
                "title": record.title,
                "warnings": len(read.warnings),
            },
        )
    return record, read.warnings


@contextlib.contextmanager
def pack_lock(pack: str):
    """One import of a pack at a time, across processes (a Redis lock): a second one racing the first could
    have its tags deleted by the first one's clean-up. The second is refused, not queued."""
    lock = redis.Redis.from_url(settings.REDIS_URL).lock(f"cs:tagpack:{pack}", timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        raise TagPackError([f"{pack}: another import of this pack is running; try again when it is done"])
    try:
        yield
    finally:
        with contextlib.suppress(redis.exceptions.LockError):  # expired meanwhile: nothing left to release
            lock.release()


DEMO_PACK = "demo-world"


def demo_tags_load(*, directory: Path) -> TagPackImport | None:
    """The demo world's TagPack, once; None when it is already in or there is none."""
    path = Path(directory) / "tagpack.yaml"
    if not path.is_file() or TagPackImport.objects.filter(pack=DEMO_PACK).exists():
        return None
    return tagpack_import(path=path, pack=DEMO_PACK, actor="demo")


def tagpacks_import(
    *,
    paths: Iterable[Path],
    actor: str,
    schema_dir: Path | None = None,
    default_confidence: str | None = None,
    on_pack=None,
) -> ImportOutcome:
    """Files, or directories searched for *.yaml; a pack is named by its path under the directory given
    (`defi_updated/defi-protocols_aave`) or its file name. A refused pack does not stop the others."""
    outcome = ImportOutcome()
    for path, pack in pack_files(paths):
        try:
            record, warnings = _pack_import(
                path=path, pack=pack, actor=actor, schema_dir=schema_dir, default_confidence=default_confidence
            )
            outcome.imported.append(record)
            if warnings:
                outcome.warnings[pack] = warnings
        except TagPackError as error:
            outcome.refused[pack] = list(error.problems)
        if on_pack:
            on_pack(pack)
    return outcome


def pack_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    for path in map(Path, paths):
        if path.is_dir():
            for file in sorted(path.rglob("*.yaml")):
                yield file, file.relative_to(path).with_suffix("").as_posix()
        else:
            yield path, path.stem


def tagpack_export(*, pack: str, user: AbstractBaseUser | None = None) -> str:
    """The pack's tags as they are in the graph now, as a GraphSense TagPack. For an investigator, another
    team's pack holds only the tags it made public; the operator's command (no user) exports all of it."""
    latest = TagPackImport.objects.filter(pack=pack).first()
    tags = list(tags_of_pack(get_graph(), pack, own_pack=own_pack(user) if user else pack))
    if not tags:
        raise TagPackImport.DoesNotExist(f"no tags in pack {pack!r}")
    title, creator = (latest.title, latest.creator) if latest else (f"ChainSleuth tags: {pack}", "ChainSleuth")
    return pack_yaml(title, creator, tags, description=f"Exported by ChainSleuth from pack {pack}")


def team_pack(team_name: str) -> str:
    return f"{TEAM_PACK_PREFIX}{team_name}"


def own_pack(user: AbstractBaseUser) -> str:
    """The pack of the user's team: the private tags a tag reader may also see (graph/tags.py)."""
    return team_pack(membership(user).team.name)


def tag_add(
    *,
    user: AbstractBaseUser,
    address: str,
    label: str,
    category: str | None = None,
    abuse: str | None = None,
    confidence: str = "forensic_investigation",
    source: str = "",
    context: str | None = None,
    visibility: str = TEAM,
) -> dict:
    """Tag an address in the user's team pack; the tag's fields are checked against the taxonomy. Private
    to the team unless `visibility` is public."""
    team = membership(user).team
    known = taxonomy()
    fields = _checked_fields(known, address, label, category, abuse, confidence)
    _checked_visibility(visibility)
    pack = team_pack(team.name)
    source = source.strip() or f"chainsleuth:{user.get_username()}"
    row = {**tag_row({**fields, "source": source, "context": context}, pack, known), "visibility": visibility}
    with transaction.atomic():  # the audit event first: the graph write cannot be rolled back, the event can
        audit_event_append(
            actor=user.get_username(), action="tag.add", target=f"address:{row['address']}", data=_audited(row)
        )
        tags_write(get_graph(), [row], generation="manual")
    return row


def tag_remove(*, user: AbstractBaseUser, key: str) -> None:
    """Only the team's own hand-made tags can go; imported packs change by re-import."""
    member = membership(user)
    pack = team_pack(member.team.name)
    with transaction.atomic():
        audit_event_append(actor=user.get_username(), action="tag.remove", target=f"tag:{key}", data={"pack": pack})
        if not tag_delete(get_graph(), key=key, pack=pack):
            raise TagPackImport.DoesNotExist(f"no tag {key} in {pack}")


def tag_visibility_change(*, user: AbstractBaseUser, key: str, visibility: str) -> None:
    """Share one of the team's own tags with every team and with screening (public), or take it back."""
    _checked_visibility(visibility)
    pack = own_pack(user)
    with transaction.atomic():
        data = {"pack": pack, "visibility": visibility}
        audit_event_append(actor=user.get_username(), action="tag.visibility", target=f"tag:{key}", data=data)
        if not tag_visibility_set(get_graph(), key=key, pack=pack, visibility=visibility):
            raise TagPackImport.DoesNotExist(f"no tag {key} in {pack}")


def _checked_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise TagError(f"visibility: {visibility!r} is not one of {', '.join(VISIBILITIES)}")


def tagpack_import_allowed(user: AbstractBaseUser) -> None:
    if membership(user).role != Membership.Role.ADMIN:
        raise TagForbidden("only an admin imports TagPacks")


def _checked_fields(known: Taxonomy, address, label, category, abuse, confidence) -> dict:
    normal = address_normalise(address or "")
    if normal is None:
        raise TagError(f"address: {address!r} is not a Bitcoin address")
    if not (label or "").strip():
        raise TagError("label: must not be blank")
    if not category and not abuse:
        raise TagError("category or abuse: give at least one (a concept from the GraphSense taxonomy)")
    for name, value in (("category", category), ("abuse", abuse)):
        if value and value not in known.concepts:
            raise TagError(f"{name}: {value!r} is not a concept of the GraphSense taxonomy")
    if confidence not in known.confidence:
        raise TagError(f"confidence: {confidence!r} is not one of {', '.join(known.confidence)}")
    return {"address": normal, "label": label.strip(), "category": category, "abuse": abuse, "confidence": confidence}


def _audited(row: dict) -> dict:
    names = ("key", "pack", "label", "category", "abuse", "confidence", "source", "visibility")
    return {name: row[name] for name in names}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

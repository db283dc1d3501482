"""`manage.py audit verify|head|prove SEQ|key`: check the tamper-evident audit log and publish its heads."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from investigations.audit import signing
from investigations.audit.log import UnknownEvent, inclusion_proof, tree_head_latest
from investigations.audit.verify import audit_log_verify


class Command(BaseCommand):
    help = "Verify the audit log (every event, every signed head), or print a head, a proof or the public key."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="recompute every leaf and root; check every signature")
        verify.add_argument(
            "--published", type=Path, help="a JSON list of heads kept elsewhere (from `audit head`) to check against"
        )
        actions.add_parser("head", help="the latest signed tree head, as JSON, to keep somewhere else")
        prove = actions.add_parser("prove", help="the inclusion proof of one event in the latest head")
        prove.add_argument("seq", type=int)
        actions.add_parser("key", help="the public key heads are signed with (hex)")

    def handle(self, *, action, **options):
        if action == "verify":
            return self._verify(options["published"])
        if action == "head":
            self.stdout.write(json.dumps(tree_head_latest()))
        elif action == "prove":
            try:
                self.stdout.write(json.dumps(inclusion_proof(options["seq"]), indent=2))
            except UnknownEvent as exc:
                raise CommandError(str(exc)) from exc
        else:
            public = signing.public_key_bytes()
            self.stdout.write(f"{public.hex()}  (key id {signing.key_id(public)})")

    def _verify(self, published: Path | None) -> None:
        heads = _published(published) if published else []
        result = audit_log_verify(published=heads)
        for problem in result.problems:
            self.stderr.write(f"  ✗ {problem}")
        for note in result.notes:
            self.stderr.write(f"  ! {note}")
        kept = "" if result.kept_seq is None else f", head kept apart at seq {result.kept_seq}"
        summary = (
            f"{result.events:,} events, {result.heads:,} signed heads, {result.checked_published} published heads"
            f"{kept}; root {result.root}"
        )
        if not result.intact:
            raise CommandError(f"the audit log has been tampered with ({len(result.problems)} problems): {summary}")
        self.stdout.write(f"audit log intact: {summary}")


def _published(path: Path) -> list[dict]:
    try:
        heads = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path}: not a JSON list of heads ({exc})") from exc
    heads = [heads] if isinstance(heads, dict) else heads
    missing = [i for i, head in enumerate(heads) if not {"size", "root", "at_ms", "signature"} <= set(head)]
    if missing:
        raise CommandError(f"{path}: head {missing[0]} lacks size, root, at_ms or signature")
    return heads

"""`manage.py tagpack import PATH... | export PACK | list`: bring GraphSense TagPacks in and out."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from investigations.models import TagPackImport
from investigations.selectors import tagpacks_latest
from investigations.tagging import pack_files, tagpack_export, tagpacks_import


class Command(BaseCommand):
    help = "Import GraphSense TagPacks (files or directories of them), export a pack, or list the packs imported."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="import pack files, or every *.yaml under a directory")
        load.add_argument("paths", nargs="+", type=Path)
        load.add_argument("--schema", type=Path, help="a GraphSense schema directory (default TAGPACK_SCHEMA_DIR)")
        load.add_argument(
            "--default-confidence",
            metavar="LEVEL",
            help="the confidence for tags of packs that give none (default `unknown`, as the GraphSense tool)",
        )
        load.add_argument("--actor", default="operator", help="who the audit log names as importer")
        export = actions.add_parser("export", help="write a pack's tags as a TagPack")
        export.add_argument("pack")
        export.add_argument("-o", "--output", type=Path, help="a file (default: standard output)")
        actions.add_parser("list", help="the packs imported, latest import first")

    def handle(self, *, action, **options):
        if action == "import":
            self._import(options["paths"], options["schema"], options["actor"], options["default_confidence"])
        elif action == "export":
            self._export(options["pack"], options["output"])
        else:
            for record in tagpacks_latest():
                self.stdout.write(f"{record.pack}\t{record.tags}\t{record.at:%Y-%m-%d %H:%M}\t{record.title}")

    def _import(self, paths: list[Path], schema: Path | None, actor: str, default_confidence: str | None) -> None:
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        packs = sum(1 for _ in pack_files(paths))
        with tqdm(total=packs, unit="pack", disable=packs < 2) as bar:
            outcome = tagpacks_import(
                paths=paths,
                actor=actor,
                schema_dir=schema,
                default_confidence=default_confidence,
                on_pack=lambda _: bar.update(),
            )
        for record in outcome.imported:
            skipped = ", ".join(f"{count:,} {why}" for why, count in record.skipped.items())
            self.stdout.write(f"{record.pack}: {record.tags:,} tags" + (f" (skipped {skipped})" if skipped else ""))
        for pack, warnings in outcome.warnings.items():
            self.stderr.write(f"{pack}: imported, with {len(warnings)} warnings:")
            for warning in warnings[:5]:
                self.stderr.write(f"  {warning}")
        for pack, problems in outcome.refused.items():
            self.stderr.write(f"{pack}: refused, nothing imported:")
            for problem in problems[:20]:
                self.stderr.write(f"  {problem}")
            if len(problems) > 20:
                self.stderr.write(f"  … and {len(problems) - 20} more")
        total = sum(record.tags for record in outcome.imported)
        self.stdout.write(f"{len(outcome.imported)} packs, {total:,} tags imported")
        if outcome.refused:
            raise CommandError(f"{len(outcome.refused)} packs refused: {', '.join(outcome.refused)}")

    def _export(self, pack: str, output: Path | None) -> None:
        try:
            text = tagpack_export(pack=pack)
        except TagPackImport.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

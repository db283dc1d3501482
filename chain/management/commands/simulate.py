"""`manage.py simulate DIR`: write a labelled synthetic world (blk files, truth.csv, tagpack.yaml)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from chain.simulator.run import MAX_TXS, MIN_TXS, WorldSpec, WorldSpecError, simulate


class Command(BaseCommand):
    help = (
        "Simulate a Bitcoin economy with laundering typologies into DIR: blocks/blk*.dat for "
        "`ingest blk DIR/blocks --network regtest`, truth.csv (every address's owner and label), "
        "tagpack.yaml (what an investigator could know) and world.json (parameters and counts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--txs", type=int, default=10_000, help=f"transactions ({MIN_TXS:,} to {MAX_TXS:,})")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives byte-identical files")
        parser.add_argument("--illicit-share", type=float, default=0.05, help="share of transactions by criminals")
        parser.add_argument("--blend", type=float, default=0.5, help="chance an illicit operation looks ordinary")
        parser.add_argument("--tag-share", type=float, default=0.3, help="share of learnable addresses tagged")
        parser.add_argument("--force", action="store_true", help="write into a directory that is not empty")

    def handle(self, *, directory: Path, txs, seed, illicit_share, blend, tag_share, force, **_options):
        try:
            spec = WorldSpec(txs=txs, seed=seed, illicit_share=illicit_share, blend=blend, tag_share=tag_share)
        except WorldSpecError as exc:
            raise CommandError(str(exc)) from exc
        if directory.exists() and any(directory.iterdir()) and not force:
            raise CommandError(f"{directory} is not empty; choose another directory or pass --force")
        with tqdm(total=spec.txs, unit="tx", unit_scale=True, desc="simulating", disable=None) as bar:
            tally = simulate(spec, directory, progress=bar.update)
        self.stdout.write(
            f"{tally.txs:,} transactions in {tally.blocks:,} blocks, {tally.addresses:,} addresses, "
            f"{tally.illicit_txs:,} by criminals ({', '.join(sorted(tally.by_typology))}).\n"
            f"Load it: manage.py ingest blk {directory / 'blocks'} --network regtest"
        )

"""The simulator's second process: encodes addresses (bitcoinlib) and writes truth.csv and the TagPack.

Run by chain/simulator/output.py as `python -m chain.simulator.truthwriter`; it reads
pickled messages from its standard input, in order: (directory, network name, seed),
then batches of rows, then None.
"""

import csv
import datetime
import pickle
import shutil
import sys
from pathlib import Path

import yaml

from chain.addresses import script_address
from chain.networks import NETWORKS

TRUTH_COLUMNS = ("address", "actor", "category", "role", "typology", "label", "first_block")


def main() -> None:
    stream = sys.stdin.buffer
    directory, network_name, seed = pickle.load(stream)  # noqa: S301 - our parent process wrote it
    write_truth(directory, network_name, seed, iter(lambda: pickle.load(stream), None))  # noqa: S301


def write_truth(directory: Path, network_name: str, seed: int, batches) -> None:
    """The writer process: truth.csv row by row; tags to a side file, then the TagPack around them."""
    network = NETWORKS[network_name]
    parts = directory / "tagpack.tags.tmp"
    tags = 0
    with open(directory / "truth.csv", "w", newline="") as truth_file, open(parts, "w") as tag_file:
        truth = csv.writer(truth_file)
        truth.writerow(TRUTH_COLUMNS)
        for batch in batches:
            for script, *row, tag in batch:
                address = script_address(script, network)[1]
                truth.writerow((address, *row))
                if tag is not None:
                    yaml.safe_dump([{"address": address, **tag}], tag_file, sort_keys=False)
                    tags += 1
    header = {
        "title": f"ChainSleuth simulated world, seed {seed}",
        "creator": "ChainSleuth simulator",
        "description": "What an investigator could know of a simulated world: published and observed "
        "addresses of its services and criminals. Synthetic data; the addresses are on regtest.",
        "source": f"chainsleuth-simulator://seed/{seed}",
        "currency": "BTC",
        "network": "BTC",
        "lastmod": datetime.date(2026, 1, 1),
    }
    with open(directory / "tagpack.yaml", "w") as handle, open(parts) as tag_lines:
        yaml.safe_dump(header, handle, sort_keys=False)
        handle.write("tags:\n" if tags else "tags: []\n")
        shutil.copyfileobj(tag_lines, handle)
    parts.unlink()


if __name__ == "__main__":
    main()

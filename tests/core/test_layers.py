"""The layer order of pyproject.toml's import-linter contracts holds (`make lint` runs them too; this is for
pytest-only runs): app → screening → graphml → investigations → tagpack → chain → graph → core, each importing
only what is below it, and only graph/ talking to a graph engine's driver."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_the_import_contracts_hold():
    done = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_them(tmp_path):
    """The contracts can fail: a copy of the tree where core imports screening does."""
    copy = tmp_path / "tree"
    copy.mkdir()
    subprocess.run(["cp", "-r", REPO / "pyproject.toml", *_packages(), copy], check=True)
    (copy / "core" / "upward.py").write_text("import screening.tasks\n")
    done = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "core is not allowed to import screening" in done.stdout


def _packages() -> list[Path]:
    return [
        REPO / name for name in ("app", "screening", "graphml", "investigations", "tagpack", "chain", "graph", "core")
    ]

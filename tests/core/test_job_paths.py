"""Every job runs through the core contract (core/jobs.py, core/runner.py): each job model is a JobRow, each
is executed by `job_execute`, and no module outside core moves a job's status itself, so a new job cannot
skip the lease, the take-over or the one failure policy."""

import ast
from pathlib import Path

from django.apps import apps

from core.jobs import JobRow

REPO = Path(__file__).resolve().parents[2]
APPS = sorted(p.parent.name for p in REPO.glob("*/__init__.py") if p.parent.name not in ("core", "tests"))
LIFECYCLE = {"status", "owner", "lease_expires_at", "finished_at"}  # the fields only core/jobs.py writes


def job_models() -> list[type[JobRow]]:
    return [model for model in apps.get_models() if issubclass(model, JobRow)]


def sources():
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(REPO), ast.parse(path.read_text())


def executed_models(tree: ast.AST) -> set[str]:
    """The model names passed first to `job_execute(...)`."""
    return {
        node.args[0].id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "job_execute"
        and node.args
        and isinstance(node.args[0], ast.Name)
    }


def lifecycle_writes(tree: ast.AST, names: set[str]) -> list[str]:
    """`<Job>.objects….update(status=…)` and `<job>.status = …` where the code names a job model."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "update":
            chain = ast.unparse(node.func)
            if any(name in chain for name in names) and {kw.arg for kw in node.keywords} & LIFECYCLE:
                found.append(f"{node.lineno}: {chain}(…)")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in LIFECYCLE and _names_job(target.value, names):
                    found.append(f"{node.lineno}: {ast.unparse(target)} = …")
    return sorted(found)


def _names_job(value: ast.expr, names: set[str]) -> bool:
    text = ast.unparse(value)
    return text in ("run", "job") or any(name.lower() in text.lower() for name in names)


def test_the_checks_see_a_job_moved_by_hand():
    names = {"IngestRun"}
    tree = ast.parse(
        "IngestRun.objects.filter(id=1).update(status='running')\nrun.status = 'failed'\ncase.status = 'x'"
    )
    assert lifecycle_writes(tree, names) == [
        "1: IngestRun.objects.filter(id=1).update(…)",
        "2: run.status = …",
    ]
    assert executed_models(ast.parse("job_execute(IngestRun, run_id, body)")) == {"IngestRun"}


def test_every_job_model_is_a_job_row_with_its_own_task():
    names = {model.__name__ for model in job_models()}
    assert {"IngestRun", "LabelingJob", "ChainStoreRun"} <= names
    # A chain store build runs in its command's process, not on a worker: the next build resumes it.
    for model in job_models():
        assert model.task_name or model.__name__ == "ChainStoreRun", f"{model.__name__} names no task to resend"


def test_every_job_model_is_executed_by_the_one_runner():
    executed = set().union(*(executed_models(tree) for _, tree in sources()))
    assert {model.__name__ for model in job_models()} <= executed


def test_no_module_outside_core_moves_a_jobs_status_itself():
    names = {model.__name__ for model in job_models()}
    offenders = {str(path): found for path, tree in sources() if (found := lifecycle_writes(tree, names))}
    assert offenders == {}, "claim, heartbeat and terminate through core/jobs.py (job_execute runs them)"

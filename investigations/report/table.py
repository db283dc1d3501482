"""The case's subjects as CSV: one row per subject, its risk snapshot and the tags on it now that the case's
team sees."""

import csv
import io

from graph import get_graph
from graph.tags import tags_for
from investigations.models import Case
from investigations.tagging import team_pack

CSV_FIELDS = ["kind", "ref", "risk", "label", "model", "reasons", "tags", "added_at"]


def report_csv(case: Case) -> bytes:
    subjects = list(case.subjects.order_by("added_at", "id"))
    addresses = [s.ref for s in subjects if s.kind == "address"]
    tags = tags_for(get_graph(), addresses, own_pack=team_pack(case.team.name))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for subject in subjects:
        snap = subject.snapshot or {}
        writer.writerow(
            {
                name: _cell(value)
                for name, value in {
                    "kind": subject.kind,
                    "ref": subject.ref,
                    "risk": snap.get("risk"),
                    "label": snap.get("label"),
                    "model": snap.get("model"),
                    "reasons": "; ".join(snap.get("reasons") or []),
                    "tags": "; ".join(
                        f"{t['label']} ({t['category'] or t['abuse']})" for t in tags.get(subject.ref, [])
                    ),
                    "added_at": subject.added_at.isoformat(),
                }.items()
            }
        )
    return out.getvalue().encode()


def _cell(value):
    """Text a spreadsheet would run as a formula (OWASP's CSV injection) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value

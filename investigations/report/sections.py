"""The report's sections, each from the case as stored and from the services the screens use: the explorer's
trace (investigations/tracing.py) and screening's exposure, asked for through a signal (screening sits above
investigations)."""

import io

from django.utils import timezone

from graph import get_graph
from graph.tags import tags_for
from investigations.audit.log import inclusion_proofs
from investigations.models import AuditEvent, Case
from investigations.report.document import Document, printable, short
from investigations.report.figure import figure_png
from investigations.report.view import btc, case_view, label
from investigations.signals import report_exposure_wanted, report_reasons_wanted
from investigations.tagging import team_pack
from investigations.tracing import follow_money

SUBJECTS_ANALYSED = 5  # subjects with an exposure and a trace section, in the order they were added
TRACE_HOPS = 3
TRACE_SHOWN = 8  # addresses per trace, most traced value first


def header(document: Document, case: Case, *, exported_by: str) -> None:
    document.set_font("body", "B", 16)
    document.multi_cell(0, 9, printable(f"Case {case.id}: {case.title}"), new_x="LMARGIN", new_y="NEXT")
    closed = f"closed {case.closed_at:%Y-%m-%d %H:%M} UTC; " if case.closed_at else ""
    document.paragraph(
        f"Team {case.team.name} · status {case.status} · outcome {case.outcome or '-'} · "
        f"priority {case.priority} · assignee {case.assignee.username if case.assignee else '-'} · "
        f"due {case.due or '-'}\nOpened {case.created_at:%Y-%m-%d %H:%M} UTC by {case.created_by.username}; "
        f"{closed}exported by {exported_by}.\n"
        f"This report states the case as it stood at {timezone.now():%Y-%m-%d %H:%M:%S} UTC"
        f"{', after it closed' if case.closed_at else ''}."
    )
    document.heading("Summary")
    document.markdown(case.summary or "(none)")


def subjects(document: Document, case: Case) -> None:
    document.heading("Subjects (risk when added)")
    rows = []
    for subject in case.subjects.order_by("added_at", "id"):
        snap = subject.snapshot or {}
        risk = snap.get("risk")
        rows.append(
            [
                subject.kind,
                subject.ref,
                "-" if risk is None else f"{risk:.3f}",
                snap.get("label") or "-",
                snap.get("model") or "-",
            ]
        )
    document.rows(["kind", "ref", "risk", "label", "model"], rows, widths=(16, 90, 14, 20, 40))


def _reasons_section(document: Document, case: Case) -> None:
    """The model's reasons for each subject, as recorded when it was added, in the words the pages use."""
    document.heading("Why the model scored them so")
    rows = [
        [subject.ref, "; ".join(_in_words((subject.snapshot or {}).get("reasons")))]
        for subject in case.subjects.order_by("added_at", "id")
        if (subject.snapshot or {}).get("reasons")
    ]
    if rows:
        document.rows(["subject", "reasons (strongest first)"], rows, widths=(70, 110))
    else:
        document.paragraph("No subject had reasons from the model when it was added.")


def figure(document: Document, case: Case) -> None:
    document.heading("Graph")
    view = case_view(case)
    drawn = figure_png(view)
    document.image(io.BytesIO(drawn.png), w=180)
    left_out = f" {drawn.left_out} labels had no free place and are left out." if drawn.left_out else ""
    document.paragraph(view.caption + left_out, size=7)


def exposure(document: Document, case: Case) -> None:
    """Screening's exposure figures (public tags only) for the first subjects."""
    document.heading("Exposure (public tags, 2 hops)")
    rows, cut = [], []
    for subject in _analysed(case, kinds=("address", "cluster")):
        found = _exposure_of(subject.kind, subject.ref)
        if found is None:
            continue
        cut += found.get("cut") or []
        rows += [
            [
                label(subject.kind, subject.ref),
                f"direct (its {t['via']})",
                t["category"],
                "-",
                "0",
                t["risk_class"] or "-",
            ]
            for t in found.get("direct") or []
        ]
        for way in ("received", "sent"):
            rows += [
                [
                    label(subject.kind, subject.ref),
                    way,
                    category,
                    f"{entry['share']:.1%}",
                    entry["hops"],
                    entry["risk_class"] or "-",
                ]
                for category, entry in (found.get(way) or {}).items()
            ]
    if rows:
        document.rows(
            ["subject", "how", "category", "share", "hops", "risk class"], rows, widths=(34, 34, 44, 22, 14, 32)
        )
    else:
        document.paragraph("No subject is exposed to a tagged actor within 2 hops (or no exposure service answered).")
    if cut:
        document.paragraph("Cut: " + "; ".join(dict.fromkeys(cut)), size=7)


def _in_words(features: list) -> list[str]:
    answers = [answer for _, answer in report_reasons_wanted.send(sender=Case, features=features) if answer]
    return answers[0] if answers else [str(feature) for feature in features]


def _exposure_of(kind: str, ref: str) -> dict | None:
    answers = [answer for _, answer in report_exposure_wanted.send(sender=Case, kind=kind, ref=ref) if answer]
    return answers[0] if answers else None


def trace(document: Document, case: Case) -> None:
    """Follow the money forward from the first address subjects, as the explorer does (haircut and poison)."""
    document.heading(f"Where the funds went (follow the money, forward, {TRACE_HOPS} hops)")
    traced = False
    for subject in _analysed(case, kinds=("address",)):
        found = follow_money(address=subject.ref, direction="forward", hops=TRACE_HOPS)
        if found is None:
            continue
        traced = True
        _trace_table(document, case, found)
    if not traced:
        document.paragraph("No address subject to trace.")


def _trace_table(document: Document, case: Case, found) -> None:
    reached = sorted(
        ((a, node) for a, node in found.addresses.items() if node["hop"] > 0), key=lambda item: -item[1]["haircut"]
    )
    shown = reached[:TRACE_SHOWN]
    if not reached:
        document.paragraph(f"From {found.source}: not spent on within {TRACE_HOPS} hops.", size=8)
        return
    document.keep(30)
    tags = tags_for(get_graph(), [a for a, _ in shown], own_pack=team_pack(case.team.name))
    document.paragraph(
        f"From {found.source}: {_count(len(reached), 'address')} reached through "
        f"{_count(len(found.transactions), 'transaction')}; "
        f"the {len(shown)} most traced (haircut: the traced share; poison: all of what reached them):",
        size=8,
    )
    rows = [
        [
            node["hop"],
            address,
            btc(node["haircut"]),
            btc(node["poison"]),
            "-" if node["risk"] is None else f"{node['risk']:.2f}",
            ", ".join(f"{t['label']} ({t['category'] or t['abuse']})" for t in tags.get(address, [])[:2]) or "-",
        ]
        for address, node in shown
    ]
    document.rows(["hop", "address", "haircut", "poison", "risk", "tags"], rows, widths=(10, 70, 22, 22, 12, 44))
    if found.cut:
        document.paragraph("Cut: " + "; ".join(found.cut), size=7)


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}" + ("" if n == 1 else "es" if thing.endswith("s") else "s")


def _analysed(case: Case, *, kinds: tuple[str, ...]):
    return case.subjects.filter(kind__in=kinds).order_by("added_at", "id")[:SUBJECTS_ANALYSED]


def notes(document: Document, case: Case) -> None:
    document.heading("Notes")
    for note in case.notes.select_related("author").order_by("created_at", "id"):
        document.set_font("body", "B", 8)
        document.cell(
            0,
            5,
            printable(f"{note.author.username}, {note.created_at:%Y-%m-%d %H:%M} UTC"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        document.markdown(note.body, size=8)
    if not case.notes.exists():
        document.paragraph("(none)")


def evidence(document: Document, case: Case) -> None:
    document.heading("Evidence")
    rows = [
        [e.name, e.kind, e.content_type, f"{e.size:,}", short(e.sha256), f"{e.acquired_at:%Y-%m-%d %H:%M}"]
        for e in case.evidence.order_by("acquired_at", "id")
    ]
    if rows:
        document.rows(
            ["name", "kind", "type", "bytes", "SHA-256 (whole in the appendix)", "acquired (UTC)"],
            rows,
            widths=(44, 16, 28, 16, 46, 30),
        )
    else:
        document.paragraph("(none)")


def history(document: Document, events: list[AuditEvent]) -> None:
    """The case's audit events, one line each; their proofs are in the appendix."""
    document.heading("History (audit log)")
    rows = [[e.seq, f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, short(e.leaf_hash)] for e in events]
    document.rows(["#", "at (UTC)", "who", "action", "leaf hash"], rows, widths=(12, 36, 30, 52, 50))


def appendix(document: Document, case: Case, events: list[AuditEvent]) -> None:
    """Every digest whole: the evidence's SHA-256, and each event's leaf hash with its RFC 9162 audit path to
    the signed tree head, so a reader can check the history without the application."""
    document.add_page()
    document.heading("Appendix: digests and inclusion proofs")
    for item in case.evidence.order_by("acquired_at", "id"):
        document.mono(f"evidence {item.name}: SHA-256 {item.sha256}")
    proofs = inclusion_proofs([event.seq for event in events])
    if not proofs:
        return
    head = proofs[0]["head"]
    document.paragraph(
        "Each event's leaf hash and audit path (leaf first) lead to this signed tree head; check them with "
        "`manage.py audit verify` (docs/audit.md).",
        size=7,
    )
    document.mono(
        f"tree head: size {head['size']}, root {head['root']}, key {head['key_id']}\nsignature {head['signature']}"
    )
    lines = [
        f"#{e.seq} {e.action} leaf {p['leaf_hash']}\n  path {' '.join(p['proof']) or '(none)'}"
        for e, p in zip(events, proofs, strict=True)
    ]
    document.mono("\n".join(lines))

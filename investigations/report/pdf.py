"""The case PDF, section by section (investigations/report/sections.py); audit proofs go to an appendix so
the body reads as the case."""

from investigations.models import AuditEvent, Case
from investigations.report import sections
from investigations.report.document import Document

ATTEMPTS = 3  # builds at most while the case keeps changing under one


def case_events(case: Case) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target=f"case:{case.id}").order_by("seq"))


def report_pdf(case: Case, *, exported_by: str) -> bytes:
    """The PDF as the case stands. Building takes a while (a trace, exposure, a figure); a case that moved
    meanwhile (closed a moment after its export was approved) is built again, so the report never states a
    status the case had already left when the report was finished."""
    for _ in range(ATTEMPTS):
        state = _state(case)
        pdf = _build(case, exported_by=exported_by)
        if _state(case, fresh=True) == state:
            return pdf
        case.refresh_from_db()
    return pdf


def _state(case: Case, *, fresh: bool = False) -> tuple:
    if fresh:
        return tuple(Case.objects.filter(id=case.id).values_list("status", "closed_at").get())
    return case.status, case.closed_at


def _build(case: Case, *, exported_by: str) -> bytes:
    events = case_events(case)
    document = Document(f"Case {case.id}: {case.title}")
    document.add_page()
    sections.header(document, case, exported_by=exported_by)
    sections.subjects(document, case)
    sections._reasons_section(document, case)
    sections.figure(document, case)
    sections.exposure(document, case)
    sections.trace(document, case)
    sections.notes(document, case)
    sections.evidence(document, case)
    sections.history(document, events)
    sections.appendix(document, case, events)
    return bytes(document.output())

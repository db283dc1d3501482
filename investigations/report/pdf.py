"""The case PDF, section by section (investigations/report/sections.py); audit proofs go to an appendix so
the body reads as the case."""

from investigations.models import AuditEvent, Case
from investigations.report import sections
from investigations.report.document import Document


def case_events(case: Case) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target=f"case:{case.id}").order_by("seq"))


def report_pdf(case: Case, *, exported_by: str) -> bytes:
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

"""The case report: a PDF an investigator can hand to a prosecutor or a compliance officer, and the subjects
as CSV. Everything in it comes from the case as stored, from the graph's trace and exposure figures, and from
the audit log, whose inclusion proofs let a reader check the case's events against a signed tree head
(docs/audit.md). A report is made when an export is approved and made again when the case closes
(investigations/report/final.py), so the one handed over states the case's final state."""

from investigations.report.pdf import report_pdf
from investigations.report.table import report_csv

__all__ = ["report_csv", "report_pdf"]

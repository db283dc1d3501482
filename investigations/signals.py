"""What case management tells the layers above it, without knowing who listens (labeling learns from the
verdicts), and what it hears of its own rows."""

from django.db import transaction
from django.dispatch import Signal

from investigations.models import Case

# Sent inside the transaction that moves a case to confirmed or dismissed, with `addresses` (the case's, sorted),
# `illicit` (True when confirmed) and `source` ("case:<id>"): a listener's writes commit or roll back with it.
case_verdict_reached = Signal()

# Sent while a case report is made, once per subject, with `kind` ("address" or "cluster") and `ref`. A receiver
# answers with the subject's exposure as a dict (direct, received, sent, cut) or None. Screening answers
# (screening/receivers.py), with the figures its API gives exchanges; investigations sits below screening and
# cannot call it, so the report asks.
report_exposure_wanted = Signal()

# Sent while a case report is made, with `features`: a subject's reasons as its snapshot keeps them (the model's
# feature names, strongest first). A receiver answers with them in words, one line each (graphml answers with
# its wording table, graphml/wording.py); without an answer the names print as they are.
report_reasons_wanted = Signal()


def case_saved(sender, *, instance, raw: bool = False, **kwargs) -> None:
    """post_save of a Case (connected in apps.py): a case saved closed has its earlier reports made again once
    the close commits, outside the transaction (a PDF must not hold the write lock). Whichever way it closed
    (the four-eyes approval, a dismissed case's transition, the admin), the hook is the same."""
    if raw or instance.status != Case.Status.CLOSED:
        return
    case_id = instance.id

    def finalise() -> None:
        from investigations.report.final import reports_finalise  # fpdf and matplotlib: loaded when needed

        reports_finalise(case_id=case_id)

    # robust: the close has committed; a failure here (the broker or the graph down) is logged and the report
    # stays failed for its retry, rather than a 500 for a close that happened and the later hooks skipped.
    transaction.on_commit(finalise, robust=True)

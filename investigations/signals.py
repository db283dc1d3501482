"""What case management tells the layers above it, without knowing who listens (labeling learns from the
verdicts)."""

from django.dispatch import Signal

# Sent inside the transaction that moves a case to confirmed or dismissed, with `addresses` (the case's, sorted),
# `illicit` (True when confirmed) and `source` ("case:<id>"): a listener's writes commit or roll back with it.
case_verdict_reached = Signal()

"""What labeling tells the rest of the application, without knowing who listens (investigations raises
alerts from it)."""

from django.dispatch import Signal

# Sent with `job` (a LabelingJob) once a job has written its scores and flagged its clusters.
labeling_job_succeeded = Signal()

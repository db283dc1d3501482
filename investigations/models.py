"""Case management's tables. The audit log's two tables are append-only: triggers in the database refuse
UPDATE and DELETE on them (migration 0002), so not even a bug in our own code can rewrite history."""

from django.conf import settings
from django.db import models

from core.scoping import TeamScoped


class AuditEvent(models.Model):
    """One action, a leaf of the audit log's Merkle tree; `seq` is its 0-based leaf index."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="username: text, so deleting a user changes no leaf")
    action = models.CharField(max_length=64, help_text="e.g. case.create, evidence.acquire")
    target = models.CharField(max_length=200, help_text="what it acted on, e.g. case:12")
    data = models.JSONField(default=dict)
    leaf_hash = models.CharField(max_length=64, help_text="hex SHA-256 of 0x00 and the canonical event")

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.target}"


class TreeHead(models.Model):
    """The log's size and root after an append, signed (Ed25519) with the audit key; `frontier` holds the
    roots of the perfect subtrees that make up the tree, so the next append costs log(size) hashes."""

    size = models.PositiveBigIntegerField(unique=True)
    root = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.CharField(max_length=16, help_text="first 8 bytes of SHA-256 of the public key, hex")
    signature = models.CharField(max_length=128)
    frontier = models.JSONField(default=list)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"tree head {self.size}: {self.root[:16]}…"


class Team(models.Model):
    """Investigators see and change only their own team's cases (and everything hanging off them)."""

    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ANALYST = "analyst"
        SUPERVISOR = "supervisor"  # approves what needs four eyes: closing a confirmed case, exporting a report
        ADMIN = "admin"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.team})"


class Case(TeamScoped):
    class Status(models.TextChoices):
        OPEN = "open"
        IN_PROGRESS = "in_progress"
        CONFIRMED = "confirmed"
        DISMISSED = "dismissed"
        CLOSED = "closed"

    class Priority(models.TextChoices):
        LOW = "low"
        MEDIUM = "medium"
        HIGH = "high"
        CRITICAL = "critical"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(max_length=16, blank=True, help_text="confirmed or dismissed, kept once closed")
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"case {self.pk}: {self.title} ({self.status})"


class Subject(TeamScoped):
    """What a case is about, with the risk the graph gave it when it was added (scores change later)."""

    team_path = "case__team"

    class Kind(models.TextChoices):
        ADDRESS = "address"
        CLUSTER = "cluster"
        TRANSACTION = "transaction"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ref = models.CharField(max_length=100, help_text="the address, cluster id or txid")
    snapshot = models.JSONField(default=dict, help_text="risk, label, model, reasons, cluster: as added")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind", "ref"], name="one_subject_per_case")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"


class Approval(TeamScoped):
    """Four eyes: an action (closing a confirmed case, exporting its report) that a second user, a
    supervisor who did not ask for it, must approve before it happens."""

    team_path = "case__team"
    team_roles = {  # four eyes: who may decide; the asker may not either (investigations/services.py)
        "decide": (
            frozenset({Membership.Role.SUPERVISOR, Membership.Role.ADMIN}),
            "only a supervisor or an admin approves",
        )
    }

    class Action(models.TextChoices):
        CLOSE = "close"
        EXPORT = "export"

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    action = models.CharField(max_length=16, choices=Action.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "action"], condition=models.Q(status="pending"), name="one_pending_approval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} of case {self.case_id}: {self.status}"


class Note(TeamScoped):
    """Markdown an investigator adds to a case. Notes are never edited: a correction is a new note, so the
    audit log's record of each one stays true."""

    team_path = "case__team"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class Evidence(TeamScoped):
    """A graph snapshot or an uploaded file, hashed (SHA-256) as it was acquired."""

    team_path = "case__team"

    class Kind(models.TextChoices):
        SNAPSHOT = "snapshot"
        FILE = "file"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    snapshot = models.JSONField(null=True, blank=True, help_text="a graph view: nodes, edges, positions")
    acquired_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acquired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["acquired_at"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]}…)"


class TagPackImport(models.Model):
    """One import of a TagPack: what came in, from which file (its hash) and who brought it. The tags
    themselves live in the graph (graph/tags.py); the latest row per pack describes the ones there."""

    pack = models.CharField(max_length=200, db_index=True)
    title = models.CharField(max_length=500)
    creator = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    tags = models.PositiveIntegerField()
    skipped = models.JSONField(default=dict)  # why → how many
    generation = models.CharField(max_length=32)
    imported_by = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.pack}: {self.tags} tags"


class Watchlist(TeamScoped):
    """Addresses and clusters a team keeps an eye on: new activity on any of them raises an alert."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="watchlists")
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="one_watchlist_name_per_team")]

    def __str__(self) -> str:
        return f"{self.name} ({self.team})"


class WatchEntry(TeamScoped):
    team_path = "watchlist__team"

    class Kind(models.TextChoices):
        ADDRESS = "address"
        CLUSTER = "cluster"

    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ref = models.CharField(max_length=100)
    note = models.TextField(blank=True, default="")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    # What the entry had seen when last checked: activity after this raises an alert.
    seen_last = models.BigIntegerField(null=True)  # block time of its latest activity
    seen_volume = models.BigIntegerField(null=True)  # satoshis received plus sent

    class Meta:
        constraints = [models.UniqueConstraint(fields=["watchlist", "kind", "ref"], name="one_entry_per_ref")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} on {self.watchlist}"


class Alert(TeamScoped):
    class Source(models.TextChoices):
        LABELING = "labeling"  # a labeling job flagged a cluster
        WATCHLIST = "watchlist"  # a watched address or cluster moved
        ANOMALY = "anomaly"  # activity out of line with its own history (screening)
        TRANSFER = "transfer"  # an exchange's transfer was held (screening); detail names the transfer

    class Status(models.TextChoices):
        NEW = "new"
        ACKNOWLEDGED = "acknowledged"
        ESCALATED = "escalated"  # became (or joined) a case
        DISMISSED = "dismissed"
        RESOLVED = "resolved"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alerts")
    source = models.CharField(max_length=16, choices=Source.choices)
    kind = models.CharField(max_length=16, choices=Subject.Kind.choices)
    ref = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    detail = models.JSONField(default=dict)
    risk = models.FloatField(null=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    watch_entry = models.ForeignKey(WatchEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "status", "-created_at"])]
        constraints = [  # labeling alerts a team once per subject; anomalies once per subject while open
            models.UniqueConstraint(
                fields=["team", "source", "kind", "ref"],
                condition=models.Q(source="labeling"),
                name="one_alert_per_subject",
            ),
            models.UniqueConstraint(
                fields=["team", "source", "kind", "ref"],
                condition=models.Q(source="anomaly", status__in=["new", "acknowledged"]),
                name="one_open_anomaly_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} alert on {self.kind} {self.ref} ({self.status})"


class Report(TeamScoped):
    """A case report exported with a supervisor's approval: the PDF and the subjects' CSV as they were
    made, with their hashes (also in the audit log). The row is made with the approval; making the files
    can fail (storage full or unwritable, the graph down), so it is `failed` with the last error until a
    retry (Celery's, with backoff, or the team's) makes it `ready`."""

    team_path = "case__team"

    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    approval = models.OneToOneField(Approval, on_delete=models.PROTECT, related_name="report")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    pdf = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    csv = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-generated_at", "-id"]

    def __str__(self) -> str:
        return f"report of case {self.case_id} ({self.generated_at:%Y-%m-%d}, {self.status})"


class Notification(TeamScoped):
    """Something a teammate did that asks for this user's attention (a mention, an approval to decide, a case
    assigned, a decision on what they asked for). Shown in the app's inbox; mailed too when email is set up."""

    team_path = "case__team"

    class Kind(models.TextChoices):
        MENTION = "mention"
        APPROVAL = "approval"  # waiting for this user's decision
        ASSIGNED = "assigned"
        DECIDED = "decided"  # what this user asked for was approved or rejected

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    actor = models.CharField(max_length=150, help_text="username of whoever caused it")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.text}"

"""What users create: saved diagnoses (reports) and live-check runs.

Both hold only redacted text: redaction happens before a row is built
(diagnostics.redact), never on the way out. Both are purged after their
retention period (`python manage.py purge_reports`).
"""

import secrets

from django.db import models


def new_public_id() -> str:
    """An unguessable URL-safe id (128 bits)."""
    return secrets.token_urlsafe(16)


class Report(models.Model):
    """A saved diagnosis, served at /d/<id>/."""

    id = models.CharField(primary_key=True, max_length=32, default=new_public_id, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    text = models.TextField(help_text="The paste, redacted.")
    result = models.JSONField(help_text="The diagnosis as the API returns it (redacted).")
    delete_token_hash = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"Report {self.id}"


class CheckRun(models.Model):
    """One live-check run against a user's broker, served at /checks/<id>/."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        ERROR = "error"

    id = models.CharField(primary_key=True, max_length=32, default=new_public_id, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    target = models.CharField(max_length=1024, help_text="Broker URL with the password masked.")
    params = models.JSONField(default=dict, help_text="Run parameters without any secret.")
    results = models.JSONField(default=list)
    error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"CheckRun {self.id} ({self.status})"


class UnansweredPaste(models.Model):
    """A paste the KB could not answer, sent to the editors because the user agreed.

    Redacted before the row is built, like reports; purged with them.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    text = models.TextField(help_text="The paste, redacted (at most 20,000 characters).")
    searched_for = models.CharField(max_length=500, blank=True)
    kinds = models.CharField(max_length=200, blank=True)
    handled = models.BooleanField(default=False, help_text="An editor has looked at it.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "unanswered paste"

    def __str__(self) -> str:
        return f"Unanswered paste {self.pk} ({self.created_at:%Y-%m-%d})"

"""Saved diagnoses: create (redacted first), read, delete with the token, purge.

Services write, views stay thin. Redaction happens here, before a Report row
is built: the paste and every string of the result go through `redact_text`,
so nothing downstream (admin, backups, logs of SQL) ever sees a secret.
The delete token is returned once and only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from diagnostics.models import Report
from diagnostics.redact import find_secrets, redact_text, scrub


def redact_deep(value: Any, secrets: set[str] | None = None) -> Any:
    """`value` with every string redacted (dicts, lists, nested) and `secrets` masked."""
    return scrub(value, secrets or set())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def report_path(report_id: str) -> str:
    return reverse("diagnostics:report", args=[report_id])


def create_report(*, text: str, result: dict[str, Any]) -> tuple[Report, str]:
    """Store a redacted paste and its diagnosis; returns the report and its delete token."""
    token = secrets.token_urlsafe(24)
    report = Report(text=redact_text(text), result={}, delete_token_hash=_hash(token))
    stored = redact_deep(dict(result), find_secrets(text))
    stored["report_url"] = report_path(report.id)
    report.result = stored
    report.save()
    return report, token


def get_report(report_id: str) -> Report | None:
    if not report_id or len(report_id) > 64:
        return None
    return Report.objects.filter(pk=report_id).first()


def delete_report(*, report_id: str, token: str) -> bool:
    """Delete when `token` is the one handed out at creation; False otherwise."""
    report = get_report(report_id)
    if report is None or not token:
        return False
    if not hmac.compare_digest(report.delete_token_hash, _hash(token)):
        return False
    report.delete()
    return True


def purge_reports(*, days: int | None = None) -> int:
    """Delete reports older than the retention period; returns how many went."""
    days = settings.KB_REPORT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Report.objects.filter(created_at__lt=cutoff).delete()
    from diagnostics.models import UnansweredPaste  # the editors' queue: same retention

    UnansweredPaste.objects.filter(created_at__lt=cutoff).delete()
    return deleted

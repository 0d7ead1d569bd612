"""The one result shape every live check produces (CLI, API and page alike).

A result is evidence plus an entry slug, never HTML, so it crosses Celery's
JSON serializer and the CheckRun JSON column unchanged:

    {"check": "queue-arguments", "title": "Queue 'orders': arguments",
     "status": "fail", "entry": "queue-arguments-mismatch",
     "message": "...", "evidence": {"queue": "orders"}, "duration_ms": 12}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, WARN, FAIL, ERROR, SKIPPED = "pass", "warn", "fail", "error", "skipped"
STATUSES = (PASS, WARN, FAIL, ERROR, SKIPPED)
# Worst first: used to sort a summary and to pick a unit's overall status.
SEVERITY = {ERROR: 4, FAIL: 3, WARN: 2, PASS: 1, SKIPPED: 0}


@dataclass
class CheckResult:
    """One observation of one check about one subject (a node, a queue, a worker)."""

    check: str
    title: str
    status: str
    message: str
    entry: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape, keys in the documented order."""
        return {
            "check": self.check,
            "title": self.title,
            "status": self.status,
            "entry": self.entry,
            "message": self.message,
            "evidence": self.evidence,
            "duration_ms": self.duration_ms,
        }


def is_failing(results: list[dict[str, Any]]) -> bool:
    """True when a run should exit 1: any `fail` or `error` result."""
    return any(result["status"] in (FAIL, ERROR) for result in results)


def count_statuses(results: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per status, every status present (for summaries)."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts

"""The one result shape every live check produces (CLI, API and page alike).

A result is evidence plus an entry slug, never HTML, so it crosses Celery's
JSON serializer and the CheckRun JSON column unchanged:

    {"check": "queue-arguments", "title": "Queue 'orders': arguments",
     "status": "fail", "entry": "queue-arguments-mismatch",
     "rule": "queue-argument-differs", "outcome": null,
     "message": "", "evidence": {"queue": "orders"}, "duration_ms": 12}

A result of a shared rule (diagnostics.rules) carries the rule id and its
evidence; what a unit observes itself carries an `outcome` key and evidence.
Their words are rendered by diagnostics.present at read time, in the reader's
language; so are the probes' failures (ProbeFailure / ManagementError carry an
outcome and evidence) and the runner's timeouts. `message` keeps the English
words for logs and old readers; `title` is stored in English and worded by
present.check_title. What stays English is the peers' and libraries' own text
(evidence `error`, e.g. an OS error or an SSL reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diagnostics.facts import Finding, Judgement

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
    message: str = ""
    entry: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    rule: str | None = None
    outcome: str | None = None

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
            "rule": self.rule,
            "outcome": self.outcome,
            "message": self.message,
            "evidence": self.evidence,
            "duration_ms": self.duration_ms,
        }


STATUS_BY_SEVERITY = {"error": FAIL, "warning": WARN, "info": WARN}


def judgement_results(check: str, title: str, judgement: Judgement) -> list[CheckResult]:
    """A shared rule's Judgement as results: one per finding, else one PASS or SKIPPED."""
    if judgement.skip:
        return [
            CheckResult(
                check,
                title,
                SKIPPED,
                outcome=f"skip.{judgement.skip}",
                evidence=dict(judgement.compared),
            )
        ]
    if not judgement.findings:
        return [
            CheckResult(
                check,
                title,
                PASS,
                outcome=f"{judgement.rule}.pass",
                evidence=dict(judgement.compared),
            )
        ]
    return [finding_result(check, title, finding) for finding in judgement.findings]


def finding_result(check: str, title: str, finding: Finding) -> CheckResult:
    """One finding of a shared rule as a live-check result (same entry, rule and evidence)."""
    evidence = dict(finding.evidence)
    if finding.line is not None:
        evidence["line"] = finding.line
    return CheckResult(
        check,
        title,
        STATUS_BY_SEVERITY.get(finding.severity, WARN),
        entry=finding.entry,
        rule=finding.rule,
        evidence=evidence,
    )


def is_failing(results: list[dict[str, Any]]) -> bool:
    """True when a run should exit 1: any `fail` or `error` result."""
    return any(result["status"] in (FAIL, ERROR) for result in results)


def count_statuses(results: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per status, every status present (for summaries)."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts

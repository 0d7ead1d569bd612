"""What every rule declares: its id, the entry it points at, the evidence it carries.

    >>> spec = RuleSpec("fixed-queue-on-fanout", "fanout-shared-queue", ("queue", "exchange"))
    >>> spec.finding("warning", 3, queue="reload", exchange="reload").as_dict()["entry"]
    'fanout-shared-queue'

The id is the join between code and content (insights-core's ERROR_KEY): the
entry's front matter holds one message per rule id, in English and Korean,
whose `{{placeholders}}` are the evidence keys declared here. The KB build
checks both sides (diagnostics.validation): every declared entry exists and has
a message for the rule, and every placeholder is a declared evidence key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diagnostics.facts import SEVERITIES, Finding


@dataclass(frozen=True)
class RuleSpec:
    id: str
    entry: str
    evidence: tuple[str, ...] = ()

    def finding(self, severity: str, line: int | None = None, **evidence: Any) -> Finding:
        """A Finding of this rule; `evidence` keys must be the declared ones."""
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        unknown = set(evidence) - set(self.evidence)
        if unknown:
            raise ValueError(f"rule {self.id}: undeclared evidence {sorted(unknown)}")
        return Finding(
            rule=self.id, entry=self.entry, severity=severity, line=line, evidence=evidence
        )

"""Signature hits and rule findings to ranked entries with a confidence.

    >>> ranked = rank_entries(kb, hits, findings)
    >>> ranked.confidence, [item.slug for item in ranked.items]
    ('high', ['quorum-queue-global-qos', 'queue-arguments-mismatch'])

Per entry, each distinct signature counts once with its weight, a rule
finding counts as a signature of weight 0.9 (error), 0.75 (warning) or 0.4
(info); they combine as 1 - prod(1 - 0.95 * w) so a second piece of evidence
adds less than the first and no score reaches 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diagnostics.facts import Finding
from diagnostics.matcher import EVIDENCE_CHARS, SignatureHit
from diagnostics.redact import redact_text

STRONG = 0.8
LEAD = 0.15  # strongest-weight lead over the runner-up that still reads as "clear"
SCORE_LEAD = 0.1
MIN_SCORE = 0.1
MAX_MATCHES = 5
FINDING_WEIGHT = {"error": 0.9, "warning": 0.75, "info": 0.4}
# `source` of evidence that only says the paste reads like the entry (no signature or rule
# matched): such an answer is a suggestion, and the paste counts as unanswered.
WORDING = "wording"


@dataclass
class RankedEntry:
    slug: str
    weights: list[float] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    score: float = 0.0
    confidence: str = "possible"

    @property
    def strongest(self) -> float:
        return max(self.weights, default=0.0)

    def sort_key(self) -> tuple[float, float, int]:
        return (round(self.score, 6), self.strongest, len(self.evidence))


@dataclass
class Ranking:
    confidence: str
    items: list[RankedEntry]
    # learned (diagnostics/learned_rank.py): no match means `none` plus search results;
    # this single-signal ranking lets the engine try its prose fallback instead
    learned: bool = False
    # a `none` answer's closest entries, as the model ranked them (slug, probability):
    # not matches, but they lead the search results shown with it (diagnostics/engine.py)
    closest: list[tuple[str, float]] = field(default_factory=list)


def rank_entries(
    kb: Any, hits: list[SignatureHit], findings: list[Finding], lines: list[str] | None = None
) -> Ranking:
    """Entries best first, each with its confidence, and the paste's overall confidence.

    `lines` (the paste) lets a rule finding quote its line as evidence.
    """
    by_slug: dict[str, RankedEntry] = {}
    for hit in sorted(hits, key=lambda h: -h.signature.weight):
        item = by_slug.setdefault(hit.signature.slug, RankedEntry(hit.signature.slug))
        item.weights.append(hit.signature.weight)
        item.evidence.extend(hit.evidence)
        for key, value in hit.facts.items():
            item.facts.setdefault(key, value)
    for finding in findings:
        _add_finding(kb, by_slug, finding, lines or [])
    items = [i for i in by_slug.values() if i.slug in kb.entries]
    for item in items:
        item.score = _combine(item.weights)
        item.evidence = merge_by_line(item.evidence)[:8]
    items = sorted(
        (i for i in items if i.score >= MIN_SCORE), key=RankedEntry.sort_key, reverse=True
    )[:MAX_MATCHES]
    confidence = _overall(items)
    for position, item in enumerate(items):
        item.confidence = "high" if position == 0 and confidence == "high" else "possible"
    return Ranking(confidence, items)


def _add_finding(
    kb: Any, by_slug: dict[str, RankedEntry], finding: Finding, lines: list[str]
) -> None:
    entry = kb.entries.get(finding.entry)
    if entry is None or entry.kind != "entry":
        return
    item = by_slug.setdefault(finding.entry, RankedEntry(finding.entry))
    item.weights.append(finding_weight(finding))
    item.evidence.append(finding_evidence(finding, lines))
    for key, value in finding_facts(finding).items():
        item.facts.setdefault(key, value)


def finding_weight(finding: Finding) -> float:
    """A rule finding counts as a signature of this weight (by severity)."""
    return FINDING_WEIGHT.get(finding.severity, 0.4)


def finding_evidence(finding: Finding, lines: list[str]) -> dict[str, Any]:
    """The evidence item of a rule finding: its paste line (redacted), keyed by the rule."""
    number = finding.line or 0
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return {
        "line": finding.line,
        "text": redact_text(text)[:EVIDENCE_CHARS],
        "signature": f"rule {finding.rule}",
        "rule": finding.rule,
    }


def finding_facts(finding: Finding) -> dict[str, str]:
    """The scalar evidence of a rule finding, as facts for the entry's Fix."""
    return {
        key: str(value)
        for key, value in finding.evidence.items()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool)
    }


def merge_by_line(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One evidence item per paste line, naming every signature that matched it."""
    merged: dict[Any, dict[str, Any]] = {}
    for item in evidence:
        key = (item.get("line"), item.get("text"))
        if key not in merged:
            merged[key] = dict(item)
        elif item["signature"] not in merged[key]["signature"].split(" · "):
            merged[key]["signature"] += " · " + item["signature"]
    return sorted(merged.values(), key=lambda e: e.get("line") or 0)


def _combine(weights: list[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - 0.95 * min(max(weight, 0.0), 1.0)
    return 1.0 - remaining


def _overall(items: list[RankedEntry]) -> str:
    if not items:
        return "none"
    top = items[0]
    if top.strongest < STRONG:
        return "possible"
    if len(items) == 1:
        return "high"
    second = items[1]
    if top.strongest - second.strongest >= LEAD or top.score - second.score >= SCORE_LEAD:
        return "high"
    return "possible"

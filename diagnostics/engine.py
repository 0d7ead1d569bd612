"""Paste in, diagnosis out: parse, match signatures, run rules, rank, fill the fix.

    >>> result = diagnose("AMQPNotImplementedError(540, \\"NOT_IMPLEMENTED - queue 'qq' ...\\")")
    >>> result.confidence, result.matches[0].slug
    ('high', 'quorum-queue-global-qos')

Ranking (diagnostics/learned_rank.py, docs/ranking.md): signature hits, rule
findings, BM25 and semantic similarity of the paste to each entry's text are
combined by a ranker whose weights are learned on tests/corpus; a match's
score is its probability, the first is `high` when that reaches the
cross-validated threshold, the others `possible`. When no entry beats the
"no entry fits" alternative the answer is `none`, with full-text search
results for the most error-like line. Without trained weights the
single-signal ranking of diagnostics/ranking.py runs instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diagnostics import budget
from diagnostics.facts import Finding
from diagnostics.learned_rank import rank_paste
from diagnostics.matcher import SignatureHit, get_matcher
from diagnostics.parsers import ParsedPaste, parse_paste
from diagnostics.parsers.errors import PasteError, TooDeep
from diagnostics.ranking import WORDING
from diagnostics.redact import find_secrets, redact_text, scrub
from diagnostics.rules import run_rules
from kb import index
from kb.search import SearchHit, search

__all__ = ["Diagnosis", "Match", "PasteError", "decode_paste", "diagnose"]


@dataclass
class Match:
    """One ranked entry for a paste: the slug, the evidence and the facts, no words.

    Title, link and the Fix filled with `facts` are added by diagnostics.present
    when the match is shown, in the reader's language.
    """

    slug: str
    confidence: str
    score: float
    evidence: list[dict[str, Any]]
    facts: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "confidence": self.confidence,
            "score": round(self.score, 3),
            "evidence": self.evidence,
            "facts": self.facts,
        }


@dataclass
class Diagnosis:
    confidence: str  # "high" | "possible" | "none"
    matches: list[Match] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    search_results: list[Any] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    report_url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of POST /api/diagnose (issue 4), plus `notices` and `kinds`."""
        return {
            "confidence": self.confidence,
            "matches": [m.as_dict() for m in self.matches],
            "findings": [f.as_dict() for f in self.findings],
            "search_results": [_search_dict(hit) for hit in self.search_results],
            "report_url": self.report_url,
            "notices": list(self.notices),
            "kinds": list(self.kinds),
        }


def _search_dict(hit: Any) -> dict[str, Any]:
    return hit.as_dict() if hasattr(hit, "as_dict") else dict(hit)


def max_paste_bytes() -> int:
    try:
        from django.conf import settings

        return int(settings.KB_PASTE_MAX_BYTES)
    except Exception:  # outside Django (bench, doctest): the documented default
        return 1024 * 1024


def decode_paste(data: bytes | str) -> str:
    """Validate and decode a paste; PasteError with a user-facing message when unusable."""
    limit = max_paste_bytes()
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > limit:
        raise PasteError(
            f"The paste is {len(raw):,} bytes; the limit is {limit:,} bytes. "
            f"Paste the error and the lines around it.",
        )
    if b"\x00" in raw[:65536] or _binary_ratio(raw[:4096]) > 0.1:
        raise PasteError("The paste looks like binary data, not text.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PasteError(f"The paste is not valid UTF-8 (byte {exc.start}).") from exc
    if not text.strip():
        raise PasteError("The paste is empty.")
    return text


def _binary_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(sample)


MAX_ANALYSED_LINES = 12_000
HEAD_LINES = 4_000  # configs and the start of a log; the rest from the end, where errors land
SEARCH_RESULTS = 5  # search results shown with a `none` answer


def analysed_part(text: str) -> tuple[str, int]:
    """The paste with the middle of a very long one blanked, and how many lines were.

    Lines keep their numbers (blanked lines stay, empty), so evidence still
    points at the right line; parse time stays bounded whatever the shape.
    """
    lines = text.split("\n")
    if len(lines) <= MAX_ANALYSED_LINES:
        return text, 0
    tail = MAX_ANALYSED_LINES - HEAD_LINES
    skipped = len(lines) - MAX_ANALYSED_LINES
    lines[HEAD_LINES:-tail] = [""] * skipped
    return "\n".join(lines), skipped


def diagnose(text: str, *, kb: Any = None) -> Diagnosis:
    """Diagnose one paste. Raises PasteError for empty, binary or oversized input."""
    if not isinstance(text, str):
        raise PasteError("The paste must be text.")
    text = decode_paste(text)
    if kb is None:
        kb = index.get_kb()
    analysed, skipped = analysed_part(text)
    with budget.analysis():
        return _diagnose(kb, analysed, skipped)


def _diagnose(kb: Any, analysed: str, skipped: int) -> Diagnosis:
    """The stages of `diagnose`, under the analysis budget (diagnostics/budget.py)."""
    try:
        parsed = parse_paste(analysed)
    except RecursionError as exc:  # a parser followed nesting too deep: refuse the paste
        raise TooDeep("The paste is nested too deeply to analyse.") from exc
    if skipped:
        parsed.notices.append(
            f"The paste has {skipped + MAX_ANALYSED_LINES:,} lines: the first "
            f"{HEAD_LINES:,} and the last {MAX_ANALYSED_LINES - HEAD_LINES:,} were analysed, "
            f"{skipped:,} in between were not."
        )
    try:
        budget.checkpoint("rules")
        findings = run_rules(parsed)
    except budget.BudgetExceeded as exc:
        findings = []
        parsed.notices.append(budget.notice(exc.stage))
    hits = get_matcher(kb).match(parsed.logical, parsed.exceptions, parsed.lines)
    # evidence only ever quotes the analysed lines: their secrets are the ones to scrub
    return build_diagnosis(kb, parsed, hits, findings, secrets=find_secrets(analysed))


def build_diagnosis(
    kb: Any,
    parsed: ParsedPaste,
    hits: list[SignatureHit],
    findings: list[Finding],
    *,
    secrets: set[str] | None = None,
) -> Diagnosis:
    """Rank and fill the fixes; every string taken from the paste is scrubbed first.

    Evidence lines and facts are single lines of the paste; `secrets` (what redacting
    the whole paste masked) catches the ones only recognisable in context.
    """
    # the one ranking call: learned over several signals (issue 10), or the
    # single-signal ranking when no trained weights exist (diagnostics/learned_rank.py)
    ranked = rank_paste(kb, parsed, hits, findings)
    _scrub_ranked(ranked.items, findings, secrets or set())
    confidence = ranked.confidence
    matches = [_to_match(item) for item in ranked.items]
    diagnosis = Diagnosis(confidence, matches, findings, notices=parsed.notices, kinds=parsed.kinds)
    if not matches and ranked.learned:  # the model said `none`: search results, no guesses
        # led by the entries the model ranked closest (not matches: shown as results)
        diagnosis.search_results = _search(kb, parsed, closest=ranked.closest)
    elif not matches:
        diagnosis.matches = _prose_matches(kb, parsed)
        diagnosis.confidence = "possible" if diagnosis.matches else "none"
        diagnosis.search_results = _search(kb, parsed)
    return diagnosis


def _scrub_ranked(items: list[Any], findings: list[Finding], secrets: set[str]) -> None:
    for item in items:
        item.evidence = scrub(item.evidence, secrets)
        item.facts = scrub(item.facts, secrets)
    for finding in findings:
        finding.evidence = scrub(finding.evidence, secrets)


def _to_match(item: Any) -> Match:
    return Match(
        slug=item.slug,
        confidence=item.confidence,
        score=item.score,
        evidence=item.evidence,
        facts=item.facts,
    )


def error_like_line(parsed: ParsedPaste) -> str:
    """The line most likely to be the error: an exception message, else a line with error words."""
    if parsed.exceptions:
        fact = parsed.exceptions[-1]
        return f"{fact.short_type} {fact.message}"[:300]
    words = (
        "error",
        "exception",
        "failed",
        "refused",
        "denied",
        "timeout",
        "timed out",
        "cannot",
        "unable",
        "fatal",
        "critical",
        "warning",
    )
    best, best_score = "", -1
    for line in parsed.lines:
        lowered = line.lower()
        score = sum(word in lowered for word in words)
        if score > best_score and line.strip():
            best, best_score = line.strip(), score
    return redact_text(best)[:300]


def _search(
    kb: Any, parsed: ParsedPaste, closest: list[tuple[str, float]] | None = None
) -> list[Any]:
    """Search results for the paste's most error-like line, after `closest` (the entries the
    ranker ranked first for the whole paste, slug and probability, when it answered `none`):
    the ranker reads all of the paste, search one line of it. Measured on the floors
    heldout8..13 and heldout/heldout2 (853 pastes), the right entry among the first three
    shown: search alone 766, the two fused as /search fuses them 769, the ranker's first 772.
    """
    first = [
        SearchHit.of_entry(entry, p)
        for slug, p in closest or []
        if (entry := kb.entries.get(slug)) is not None
    ]
    query = error_like_line(parsed)
    hits = []
    if query:
        try:
            hits = search(query, limit=SEARCH_RESULTS, kb=kb)
        except Exception:  # search index unavailable (synthetic KBs in tests): no results
            hits = []
    named = {hit.slug for hit in first}
    return (first + [hit for hit in hits if hit.slug not in named])[:SEARCH_RESULTS]


def _prose_matches(kb: Any, parsed: ParsedPaste) -> list[Match]:
    """Short plain-language pastes answered from the entries' text, never above `possible`."""
    prose = [line for line in parsed.lines if line.strip()]
    if parsed.exceptions or parsed.log_lines or parsed.config or parsed.yaml_docs:
        return []
    if not prose or len(prose) > 8 or len(" ".join(prose).split()) < 3:
        return []
    hits = _search(kb, parsed)[:3]
    out = []
    for rank, hit in enumerate(hits):
        entry = kb.entries.get(getattr(hit, "slug", ""))
        if entry is None or entry.kind != "entry":
            continue
        out.append(
            Match(
                slug=entry.slug,
                confidence="possible",
                score=round(0.3 - 0.05 * rank, 3),
                evidence=[
                    {
                        "line": 1,
                        "text": redact_text(prose[0])[:300],
                        "source": WORDING,
                        "signature": "full-text search of the entry's text",
                    }
                ],
                facts={},
            )
        )
    return out

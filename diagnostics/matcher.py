"""Signatures of every entry, matched against a parsed paste in one pass.

    >>> matcher = get_matcher(kb)
    >>> hits = matcher.match(parsed)          # list[SignatureHit], evidence and facts included

Pass one runs every pattern signature of every entry at once: an RE2 set
(`re2.Set`, linear in the text whatever the patterns, sub-linear in their
number) over the paste's logical lines joined by newlines. Pass two runs
only the signatures that hit, line by line, to collect evidence lines and
named-group facts (a URL's path captured as `vhost_path` becomes the fact
`vhost`, as kombu reads it). Exception signatures never touch the text: they are looked
up by class name in a dict against the exceptions the traceback parser found,
then their `message` regex runs on that exception's message.

The compiled matcher is cached on the KnowledgeBase object per `kb.version`.
Large signature counts are split across several sets so each set's DFA stays
within its memory budget (RE2 answers "no match" silently when a set's DFA
runs out of memory, so the budget is raised and the chunks kept moderate).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import re2

from diagnostics.facts import ExceptionFact, kombu_vhost
from diagnostics.redact import redact_text

# Signatures per RE2 set: each set is one pass over the paste, so fewer, larger sets are
# faster. At 10,000 synthetic entries (bench/diagnose.py) 6,000 a set (4 sets) matched 30
# pastes in 5.4 ms CPU at the median against 11.4 ms at 1,500 (14 sets), with the same
# resident memory (444 vs 457 MB) and the same candidates on 300-440 KB texts.
SET_CHUNK = 6_000
SET_MAX_MEM = 256 << 20
MAX_EVIDENCE = 3
EVIDENCE_CHARS = 300


@dataclass(frozen=True)
class CompiledSignature:
    slug: str
    index: int  # position in the entry's signature list
    weight: float
    kind: str  # "pattern" | "exception"
    description: str
    regex: Any = None  # re2 pattern (pattern signatures; exception `message`)
    exception: str | None = None
    unless: Any = None  # re2 pattern: a line (or exception message) it matches does not count


@dataclass
class SignatureHit:
    """One signature that matched, with where and what it captured."""

    signature: CompiledSignature
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {line, text, signature}
    facts: dict[str, str] = field(default_factory=dict)


def _options(case: bool) -> re2.Options:
    options = re2.Options()
    options.case_sensitive = case
    options.max_mem = SET_MAX_MEM
    options.never_nl = True
    return options


def compile_signature(sig: Any) -> str | None:
    """The error that makes `sig` unusable (RE2 syntax, empty), or None when it compiles."""
    if not sig.pattern and not sig.exception:
        return "a signature needs `pattern` or `exception`"
    if sig.pattern and sig.exception:
        return "a signature has either `pattern` or `exception` (with `message`), not both"
    if sig.message and not sig.exception:
        return "`message` only goes with `exception`"
    if not 0 < float(sig.weight) <= 1:
        return f"weight must be in (0, 1], got {sig.weight}"
    for label, regex in (
        ("pattern", sig.pattern),
        ("message", sig.message),
        ("unless", getattr(sig, "unless", None)),
    ):
        if regex is None:
            continue
        try:
            compiled = re2.compile(regex, _options(bool(sig.case)))
        except re2.error as exc:
            return f"{label} does not compile in RE2 (linear-time regex): {exc}: {regex!r}"
        if compiled.search("") is not None:
            return f"{label} matches the empty string, so it would match every paste: {regex!r}"
    return None


def _describe(sig: Any) -> str:
    if sig.pattern:
        return sig.pattern
    return f"exception {sig.exception}" + (f" /{sig.message}/" if sig.message else "")


class Matcher:
    """All signatures of one KB, compiled once."""

    LINE_SCAN_FACTOR = 2  # scan lines with the sets when candidates > this x sets

    def __init__(self, entries: list[Any]) -> None:
        self.patterns: list[CompiledSignature] = []
        self.exceptions: dict[str, list[CompiledSignature]] = {}
        self.sets: list[tuple[Any, int]] = []  # (re2.Set, offset into self.patterns)
        self.errors: list[str] = []
        for entry in entries:
            for index, sig in enumerate(entry.signatures):
                self._add(entry.slug, index, sig)
        self._build_sets()

    def _add(self, slug: str, index: int, sig: Any) -> None:
        error = compile_signature(sig)
        if error:
            self.errors.append(f"{slug}: signature {index + 1}: {error}")
            return
        options = _options(bool(sig.case))
        unless_text = getattr(sig, "unless", None)
        unless = re2.compile(unless_text, _options(False)) if unless_text else None
        if sig.pattern:
            regex = re2.compile(sig.pattern, options)
            self.patterns.append(
                CompiledSignature(
                    slug, index, float(sig.weight), "pattern", _describe(sig), regex, unless=unless
                )
            )
            return
        regex = re2.compile(sig.message, options) if sig.message else None
        compiled = CompiledSignature(
            slug,
            index,
            float(sig.weight),
            "exception",
            _describe(sig),
            regex,
            sig.exception,
            unless,
        )
        short = sig.exception.rsplit(".", 1)[-1].lower()
        self.exceptions.setdefault(short, []).append(compiled)

    def _build_sets(self) -> None:
        for offset in range(0, len(self.patterns), SET_CHUNK):
            chunk = self.patterns[offset : offset + SET_CHUNK]
            options = re2.Options()
            options.max_mem = SET_MAX_MEM
            options.never_nl = True
            pattern_set = re2.Set.SearchSet(options)
            for sig in chunk:
                prefix = "" if sig.regex.options.case_sensitive else "(?i)"
                pattern_set.Add(prefix + sig.regex.pattern)
            pattern_set.Compile()
            self.sets.append((pattern_set, offset))

    def candidates(self, text: str) -> list[int]:
        """Pass one: indices of pattern signatures that match somewhere in `text`."""
        hits: list[int] = []
        encoded = text.encode("utf-8", "surrogatepass")
        for pattern_set, offset in self.sets:
            for index in pattern_set.Match(encoded) or ():
                hits.append(offset + index)
        return hits

    def _line_hits(self, text: str) -> set[int] | None:
        """Indices of the pattern signatures matching in one line; None (search every
        candidate) for a line holding a newline, where `never_nl` sets and searches
        could disagree."""
        if "\n" in text:
            return None
        return set(self.candidates(text))

    def match(
        self, lines: list[Any], exceptions: list[ExceptionFact], physical: list[str]
    ) -> list[SignatureHit]:
        """Every signature hit: patterns over logical lines, exceptions over exception facts."""
        hits = self._pattern_hits(lines)
        hits.extend(self._exception_hits(exceptions, physical))
        return hits

    def _pattern_hits(self, lines: list[Any]) -> list[SignatureHit]:
        text = "\n".join(line.text for line in lines)
        candidates = self.candidates(text)
        out: list[SignatureHit] = []
        if not candidates:
            return out
        # Most (signature, line) pairs miss. With several candidates per set, one scan of
        # each line by the sets (the same patterns and options as pass one) names the
        # candidates matching in it, and only those lines are searched with a candidate's
        # own regex; with few (a large KB: many sets, often one candidate) RE2 is asked
        # for a span alone on each ASCII line (bytes encoded once per paste) before a
        # match object is built.
        if len(candidates) > self.LINE_SCAN_FACTOR * len(self.sets):
            in_line = [self._line_hits(line.text) for line in lines]
            encoded: list[bytes | None] = [None] * len(lines)
        else:
            in_line = [None] * len(lines)
            encoded = [line.text.encode("ascii") if line.text.isascii() else None for line in lines]
        for index in candidates:
            sig = self.patterns[index]
            hit = SignatureHit(sig)
            for line, here, raw in zip(lines, in_line, encoded, strict=True):
                if here is not None and index not in here:
                    continue
                if raw is not None and _misses(sig.regex, raw):
                    continue
                match = sig.regex.search(line.text)
                if match is None or (sig.unless is not None and sig.unless.search(line.text)):
                    continue
                if not hit.evidence:
                    hit.facts = _named_groups(match)
                if all(e["line"] != line.number for e in hit.evidence):
                    hit.evidence.append(_evidence(line.number, line.text, sig))
                if len(hit.evidence) >= MAX_EVIDENCE:
                    break
            if hit.evidence:
                out.append(hit)
        return out

    def _exception_hits(
        self, exceptions: list[ExceptionFact], physical: list[str]
    ) -> list[SignatureHit]:
        out: dict[tuple[str, int], SignatureHit] = {}
        for fact in exceptions:
            for sig in self.exceptions.get(fact.short_type.lower(), ()):
                if not _same_type(sig.exception or "", fact.type):
                    continue
                if sig.unless is not None and sig.unless.search(fact.message):
                    continue
                facts = {"exception": fact.type}
                if sig.regex is not None:
                    match = sig.regex.search(fact.message) or (
                        sig.regex.search(fact.reply_text) if fact.reply_text else None
                    )
                    if match is None:
                        continue
                    facts.update(_named_groups(match))
                if fact.reply_code is not None:
                    facts["reply_code"] = str(fact.reply_code)
                key = (sig.slug, sig.index)
                hit = out.setdefault(key, SignatureHit(sig, facts=facts))
                number = fact.line or 1
                text = physical[number - 1] if 0 < number <= len(physical) else fact.message
                if len(hit.evidence) < MAX_EVIDENCE:
                    hit.evidence.append(_evidence(number, text, sig))
        return list(out.values())


_UNANCHORED = re2._Anchor.UNANCHORED
_NO_SPAN = (-1, -1)


def _misses(regex: Any, raw: bytes) -> bool:
    """True when `regex` finds nothing in the ASCII bytes `raw` (no match object built)."""
    return regex._regexp.Match(_UNANCHORED, raw, 0, len(raw))[0] == _NO_SPAN


def _same_type(signature_type: str, fact_type: str) -> bool:
    """`amqp.exceptions.X` matches `X` either way; two different modules do not match."""
    if "." not in signature_type or "." not in fact_type:
        return signature_type.rsplit(".", 1)[-1].lower() == fact_type.rsplit(".", 1)[-1].lower()
    return signature_type.lower() == fact_type.lower() or fact_type.lower().endswith(
        "." + signature_type.lower()
    )


def _named_groups(match: Any) -> dict[str, str]:
    try:
        groups = match.groupdict()
    except Exception:  # re2 matches without named groups
        return {}
    facts = {k: redact_text(v)[:200] for k, v in groups.items() if v}
    return _url_facts(facts)


def _url_facts(facts: dict[str, str]) -> dict[str, str]:
    """A broker URL's path, captured as `vhost_path` ("//", "/eco2", "/%2F"), becomes the
    fact `vhost` as kombu reads it (diagnostics.facts.kombu_vhost): "/", "eco2", "/".

    RE2 cannot percent-decode, and a vhost named in a RabbitMQ message (`vhost '/'`) is
    captured as `vhost` itself: only a URL's path needs this reading.
    """
    path = facts.pop("vhost_path", None)
    if path is not None and path.startswith("/") and "vhost" not in facts:
        facts["vhost"] = kombu_vhost(path)[:200]
    return facts


def _evidence(number: int, text: str, sig: CompiledSignature) -> dict[str, Any]:
    return {
        "line": number,
        "text": redact_text(text.strip())[:EVIDENCE_CHARS],
        "signature": sig.description,
    }


def get_matcher(kb: Any) -> Matcher:
    """The compiled matcher for `kb`, rebuilt only when `kb.version` changes."""
    cached = getattr(kb, "_diagnostics_matcher", None)
    if cached is not None and cached[0] == kb.version:
        return cached[1]
    matcher = Matcher([e for e in kb.entries.values() if e.kind == "entry"])
    with contextlib.suppress(AttributeError):  # a KB that refuses attributes: no cache
        kb._diagnostics_matcher = (kb.version, matcher)
    return matcher

"""How a diagnosis reads on the page: the user's own lines with the matched part marked.

Presentation only. The engine's result dict is not changed: each evidence line is
searched again (RE2, linear time) with the signatures of its entry, and the
spans found are marked in the escaped line. When a presenter supplies a
`reason` for an evidence line it is shown; otherwise a plain sentence names the
entry and the facts taken from the line.
"""

from __future__ import annotations

import html

import re2
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kb.index import get_kb

register = template.Library()

FACT_LABELS = {
    "queue": gettext_lazy("Queue"),
    "vhost": gettext_lazy("Virtual host"),
    "exception": gettext_lazy("Error type"),
    "reply_code": gettext_lazy("AMQP reply code"),
    "reply_text": gettext_lazy("Broker's message"),
    "exchange": gettext_lazy("Exchange"),
    "routing_key": gettext_lazy("Routing key"),
    "argument": gettext_lazy("Queue argument"),
    "task": gettext_lazy("Task"),
    "task_name": gettext_lazy("Task"),
    "module": gettext_lazy("Python module"),
    "package": gettext_lazy("Package"),
    "setting": gettext_lazy("Setting"),
    "user": gettext_lazy("User"),
    "host": gettext_lazy("Host"),
    "port": gettext_lazy("Port"),
    "seconds": gettext_lazy("Time limit (seconds)"),
    "timeout": gettext_lazy("Timeout (ms)"),
    "signal": gettext_lazy("Signal"),
    "exitcode": gettext_lazy("Exit code"),
    "pid": gettext_lazy("Process id"),
    "delivery_tag": gettext_lazy("Delivery tag"),
    "database": gettext_lazy("Database"),
    "resource": gettext_lazy("Resource"),
}
MAX_MARKS = 8


@register.filter
def fact_label(name: str) -> str:
    """A person's name for a fact (`vhost` → "Virtual host")."""
    label = FACT_LABELS.get(name)
    if label is not None:
        return str(label)
    return name.replace("_", " ").capitalize()


def _compiled(slug: str) -> list:
    """RE2 regexes of an entry's signatures (pattern, or an exception's message)."""
    try:
        entry = get_kb().entries.get(slug)
    except Exception:  # no index (synthetic KBs in tests): no marks, the line still shows
        return []
    regexes = []
    for sig in getattr(entry, "signatures", None) or []:
        source = sig.pattern or sig.message
        options = re2.Options()
        options.case_sensitive = bool(getattr(sig, "case", False))
        options.never_nl = True
        try:
            if source:
                regexes.append(re2.compile(source, options))
            if sig.exception:
                short = sig.exception.rsplit(".", 1)[-1]
                regexes.append(re2.compile(re2.escape(short), options))
        except re2.error:
            continue
    return regexes


def _spans(text: str, regexes: list) -> list[tuple[int, int]]:
    spans = []
    for regex in regexes:
        found = regex.search(text)
        if found and found.end() > found.start():
            spans.append((found.start(), found.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged[:MAX_MARKS]


def marked_line(text: str, spans: list[tuple[int, int]]) -> str:
    out, position = [], 0
    for start, end in spans:
        out.append(html.escape(text[position:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def _lower_first(label: str) -> str:
    """`Virtual host` → `virtual host`, but `AMQP reply code` stays."""
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _reason(match: dict, shown_facts: list[tuple[str, str]]) -> str:
    title = match.get("title", "")
    if shown_facts:
        facts = ", ".join(f"{_lower_first(fact_label(k))} {v}" for k, v in shown_facts)
        return _("The marked text is the error “%(title)s”, here for %(facts)s.") % {
            "title": title,
            "facts": facts,
        }
    return _("The marked text is the error “%(title)s”.") % {"title": title}


def line_span(text: str, first: int | None, paste: str) -> tuple[int | None, int | None]:
    """The physical lines an evidence line covers: wrapped lines are joined for matching,
    so `line 1` may really be lines 1-3 of the paste."""
    if not first or not paste:
        return first, None
    lines = paste.splitlines()[first - 1 : first + 2]
    wanted = " ".join(text.split())
    for count in range(1, len(lines) + 1):
        joined = " ".join(" ".join(line.split()) for line in lines[:count])
        if joined == wanted or (len(wanted) >= 200 and joined.startswith(wanted[:200])):
            return first, (first + count - 1 if count > 1 else None)
    return first, None


@register.filter
def evidence_rows(match: dict, paste: str = "") -> list[dict]:
    """One row per distinct match: where, the user's line with marks, a reason, the patterns.

    `paste` (the redacted paste, when the page has it) turns `line 1` into `lines 1-3`
    for wrapped lines that were joined."""
    regexes = _compiled(match.get("slug", ""))
    facts = match.get("facts") or {}
    rows, seen, seen_marks = [], set(), set()
    for item in match.get("evidence") or []:
        text = str(item.get("text", ""))
        flat = " ".join(text.split())
        if any(flat in kept for kept in seen):
            continue  # a piece of a line already shown (wrapped lines are also tried joined)
        seen.add(flat)
        spans = _spans(text, regexes)
        marks = tuple(text[a:b] for a, b in spans)
        if marks and marks in seen_marks:
            continue  # the same match again, in a window of wrapped lines
        seen_marks.add(marks)
        shown = [(k, str(v)) for k, v in facts.items() if k != "exception" and str(v) in text]
        line, last_line = line_span(text, item.get("line"), paste or "")
        patterns = [p for p in str(item.get("signature", "")).split(" · ") if p]
        rows.append(
            {
                "line": line,
                "last_line": last_line,
                "html": mark_safe(marked_line(text, spans)),  # noqa: S308 - escaped in marked_line
                "marked": bool(spans),
                "reason": item.get("reason") or _reason(match, shown[:3]),
                "patterns": patterns,
            }
        )
    return rows

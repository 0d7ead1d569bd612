"""Findings, matches and check results → words, in the reader's language.

The one place where keys and evidence become text (insights-core's formatters):
the HTML pages, the JSON API and the command line all call these functions on
the stored, language-free data, at read time. A rule's words live with its
entry (`messages` in the front matter, English and Korean); the fix is the
entry's Fix section filled with the match's facts.

    >>> fill_message("Queue '{{queue}}' has {{n}} consumers", {"queue": "q", "n": 2.0}, "en")
    "Queue 'q' has 2 consumers"
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from diagnostics.rules.queues import LINKED_FROM_DIAGNOSIS

LANGS = ("en", "ko")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
MAX_LISTED = 5
NONE_WORD = {"en": "none", "ko": "없음"}
YES_NO = {"en": ("yes", "no"), "ko": ("예", "아니오")}

# Words for live-check outcomes that are not findings (a PASS or a SKIP of a shared
# judgement). Findings take their words from the entry instead.
OUTCOMES: dict[str, dict[str, str]] = {
    "consumer-timeout.pass": {
        "en": "no countdown/ETA or acks_late task can outlive consumer_timeout {{timeout_ms}} ms",
        "ko": "consumer_timeout {{timeout_ms}} ms를 넘길 countdown/ETA나 acks_late 태스크가 없다",
    },
    "visibility-timeout.pass": {
        "en": "no countdown/ETA or acks_late task reaches visibility_timeout {{timeout_s}} s",
        "ko": "visibility_timeout {{timeout_s}}초에 닿는 countdown/ETA나 acks_late 태스크가 없다",
    },
    "skip.no-config": {
        "en": "no Celery config given: nothing to compare with",
        "ko": "Celery 설정이 주어지지 않아 비교할 것이 없다",
    },
    "skip.no-countdown-no-acks-late": {
        "en": "the config sends no countdown/ETA and does not set acks_late: nothing to compare "
        "with the timeout",
        "ko": "설정에 countdown/ETA도 acks_late도 없어 타임아웃과 비교할 것이 없다",
    },
    "skip.redis-broker": {
        "en": "not asked of a Redis broker",
        "ko": "Redis 브로커에는 해당하지 않는다",
    },
    "skip.not-redis": {
        "en": "only a Redis broker has a visibility_timeout",
        "ko": "visibility_timeout은 Redis 브로커에만 있다",
    },
}
# Said after any message whose evidence has `assumed: true`: the timeout compared with
# was the default because nobody gave one (a paste without rabbitmq.conf, a live check
# without --consumer-timeout-ms: RabbitMQ does not show it remotely).
ASSUMED = {
    "en": " (timeout assumed: the default, as none was given)",
    "ko": " (타임아웃은 주어지지 않아 기본값으로 가정했다)",
}


def language(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def format_value(value: Any, lang: str = "en") -> str:
    """One evidence value as text: whole floats without `.0`, lists joined, None as a word."""
    if value is None:
        return NONE_WORD[lang]
    if isinstance(value, bool):
        return YES_NO[lang][0 if value else 1]
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, list | tuple):
        shown = [format_value(item, lang) for item in value[:MAX_LISTED]]
        return ", ".join(shown) + (", …" if len(value) > MAX_LISTED else "") or "-"
    return str(value)


def fill_message(template: str, evidence: dict[str, Any], lang: str = "en") -> str:
    """`template` with each `{{name}}` replaced by the formatted evidence value."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return format_value(evidence[name], lang) if name in evidence else match.group(0)

    return PLACEHOLDER.sub(value, template)


def finding_message(finding: dict[str, Any], kb: Any, lang: str = "en") -> str:
    """The words of one finding (a dict as stored), from its entry's `messages`."""
    lang = language(lang)
    entry = kb.resolve(finding.get("entry", "")) if kb is not None else None
    texts = (entry.messages if entry is not None else {}).get(finding.get("rule", ""))
    if texts:
        evidence = finding.get("evidence") or {}
        text = fill_message(texts.get(lang) or texts["en"], evidence, lang)
        return text + (ASSUMED[lang] if evidence.get("assumed") is True else "")
    # reports saved before messages moved to the entries kept their English words
    return finding.get("message") or finding.get("rule", "")


def complete_facts(facts: dict[str, str]) -> dict[str, str]:
    """Facts for the fix placeholders, with values that depend on each other made coherent.

    `soft` and `hard` are task time limits in seconds: the soft one must stay below
    the hard one, so a missing (or inconsistent) one is computed from the other
    (ratio 5:6, the entry's own 300/360) instead of taking an unrelated default.
    """
    out = dict(facts)
    hard, soft = _seconds(out.get("hard")), _seconds(out.get("soft"))
    if hard is not None:
        out["hard"] = _number(hard)
        if soft is None or soft >= hard:
            out["soft"] = _number(hard * 5 / 6 if hard >= 2 else hard / 2)
    elif soft is not None:
        out["soft"] = _number(soft)
        out["hard"] = _number(math.ceil(soft * 6 / 5) if soft >= 1 else soft * 2)
    return out


def _seconds(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _number(value: float) -> str:
    if value >= 2:
        return str(int(value))
    return f"{value:g}"


def entry_title(entry: Any, lang: str) -> str:
    return entry.title_ko if lang == "ko" and entry.title_ko else entry.title


def entry_url(entry: Any, lang: str) -> str:
    return entry.url + ("?lang=ko" if lang == "ko" else "")


def present_match(match: dict[str, Any], kb: Any, lang: str = "en") -> dict[str, Any]:
    """A stored match with its title, link, fix (filled with its facts) and live-check link."""
    lang = language(lang)
    out = dict(match)
    entry = kb.resolve(match.get("slug", "")) if kb is not None else None
    facts = match.get("facts") or {}
    if entry is None:  # an entry removed since the report was saved
        out.setdefault("title", match.get("slug", ""))
        out.setdefault("url", "")
        out.setdefault("fix", "")
    else:
        out["title"] = entry_title(entry, lang)
        out["url"] = entry_url(entry, lang)
        out["fix"] = entry.render_section("fix", complete_facts(facts), lang)
    out["check_url"] = live_check_url(match.get("slug", ""), facts)
    return out


def live_check_url(slug: str, facts: dict[str, str]) -> str | None:
    """The live-check form for a queue named in the paste, when a check can confirm the match."""
    if slug not in LINKED_FROM_DIAGNOSIS or not facts.get("queue"):
        return None
    query = {"queue": facts["queue"]}
    if facts.get("vhost"):
        query["vhost"] = facts["vhost"]
    return f"{reverse('checks:form')}?{urlencode(query)}"


def present_finding(finding: dict[str, Any], kb: Any, lang: str = "en") -> dict[str, Any]:
    lang = language(lang)
    out = dict(finding)
    out["message"] = finding_message(finding, kb, lang)
    entry = kb.resolve(finding.get("entry", "")) if kb is not None else None
    section = (finding.get("evidence") or {}).get("section")
    url = entry_url(entry, lang) if entry is not None else ""
    out["entry_url"] = f"{url}#{section}" if url and section else url
    out["entry_title"] = entry_title(entry, lang) if entry is not None else finding.get("entry")
    return out


def present_diagnosis(data: dict[str, Any], *, kb: Any, lang: str = "en") -> dict[str, Any]:
    """The stored diagnosis (Diagnosis.as_dict() or a saved report) with its words, for `lang`."""
    out = dict(data)
    out["matches"] = [present_match(m, kb, lang) for m in data.get("matches") or []]
    out["findings"] = [present_finding(f, kb, lang) for f in data.get("findings") or []]
    out["lang"] = language(lang)
    return out


def present_check_result(result: dict[str, Any], *, kb: Any, lang: str = "en") -> dict[str, Any]:
    """One stored live-check result with its message in `lang`.

    Results of shared rules carry `rule` (words from the entry) or `outcome`
    (a PASS or SKIP, words from OUTCOMES); older units still carry their message.
    """
    lang = language(lang)
    out = dict(result)
    evidence = result.get("evidence") or {}
    if result.get("rule") and result.get("entry"):
        out["message"] = finding_message(result, kb, lang)
    elif result.get("outcome") in OUTCOMES:
        texts = OUTCOMES[result["outcome"]]
        out["message"] = fill_message(texts[lang], evidence, lang)
        if evidence.get("assumed") is True and result["outcome"].endswith(".pass"):
            out["message"] += ASSUMED[lang]
    return out


def present_check_results(
    results: list[dict[str, Any]], *, kb: Any, lang: str = "en"
) -> list[dict[str, Any]]:
    return [present_check_result(result, kb=kb, lang=lang) for result in results]

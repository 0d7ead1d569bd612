"""Setting names: which settings a paste sets, which settings an entry is about (issue 10).

    >>> sorted(names_in_text("CELERYD_PREFETCH_MULTIPLIER = 1  # and --max-memory-per-child"))
    ['@old', 'worker_max_memory_per_child', 'worker_prefetch_multiplier']

BM25 cuts `CELERY_RESULT_BACKEND` into three common words (celery, result, backend), so
the name of a setting hardly counts among a paste's words. Here a setting is one token,
its new-style name, whatever the spelling: lowercase (`result_backend`), Django's
namespace (`CELERY_RESULT_BACKEND`), the old name (`CELERYD_PREFETCH_MULTIPLIER`, mapped
through Celery's own old → new table, `celery.app.defaults._TO_NEW_KEY`), a worker option
(`--max-memory-per-child`, from the options of Celery's own `worker` command) or a kombu
transport option (`visibility_timeout`, from the Redis channel's own list of them). An old
spelling also counts as the token `@old` (the entry about old names spells many).

A paste's names are those its parsed config sets (`CeleryConfigFact.settings`, the keys of
its `*_transport_options` dicts, its worker commands' options) and the names written
anywhere in it (compose environment variables, a `.env` file, a sentence). An entry's are
every mention in its English text (title, summary, symptom phrases, sections), counted,
written to the index by kb_build (`signal_settings`) and matched by BM25 over those tokens
(diagnostics/signals.py).
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from typing import Any

from celery.app.defaults import _TO_NEW_KEY, SETTING_KEYS

from diagnostics import linear_re

OLD = "@old"  # the token an old-style spelling adds


def _transport_options() -> frozenset[str]:
    """The transport option names kombu's virtual and Redis channels read."""
    names: set[str] = set()
    try:
        from kombu.transport import redis, virtual
    except ImportError:  # pragma: no cover (kombu comes with Celery)
        return frozenset()
    for channel in (virtual.Channel, redis.Channel):
        names.update(getattr(channel, "from_transport_options", ()))
    return frozenset(name for name in names if "_" in name)


def _worker_options() -> dict[str, str]:
    """`--option` of `celery worker` → the setting it overrides (Celery's own option list)."""
    try:
        from celery.bin.worker import worker
    except ImportError:  # pragma: no cover
        return {}
    options: dict[str, str] = {}
    for param in worker.params:
        name = param.name or ""
        if name == "queues":  # -Q picks queues to consume, it does not declare task_queues
            continue
        setting = next(
            (s for s in (f"worker_{name}", f"task_{name}", f"beat_{name}") if s in SETTING_KEYS),
            None,
        )
        if setting is None:
            continue
        for option in param.opts:
            if option.startswith("--"):
                options[option] = setting
    return options


TRANSPORT_OPTIONS = _transport_options()
WORKER_OPTIONS = _worker_options()
_TRANSPORT_SETTINGS = ("broker_transport_options", "result_backend_transport_options")
_IDENTIFIER = linear_re.compile(r"--[a-z][a-z-]+[a-z]|\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_CODE = re.compile(r"<code>(.*?)</code>", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def canonical(word: str) -> list[str]:
    """The tokens one written name stands for: its new-style setting name (and `@old` for an
    old spelling), a transport option, or nothing when it names no setting."""
    if word.startswith("--"):
        setting = WORKER_OPTIONS.get(word)
        return [setting] if setting else []
    if word in SETTING_KEYS:
        return [word]
    if word.startswith("CELERY_") and word[7:].lower() in SETTING_KEYS:
        # Django's namespace; also an old name when Celery's old table has it (CELERY_ACKS_LATE
        # is old, CELERY_TASK_ACKS_LATE is not): counted as the namespaced new name only
        return [word[7:].lower()]
    if word in _TO_NEW_KEY:
        return [_TO_NEW_KEY[word], OLD]
    lowered = word.lower()
    if lowered in TRANSPORT_OPTIONS:
        return [lowered]
    if word.isupper() and lowered in SETTING_KEYS:  # an uppercase config module (Flask)
        return [lowered]
    return []


def names_in_text(text: str) -> Counter[str]:
    """Every setting token written in `text` (names with an underscore, worker options)."""
    found: Counter[str] = Counter()
    for word in _IDENTIFIER.findall(text):
        found.update(canonical(word))
    return found


def paste_setting_names(parsed: Any, *, scan_text: bool = True) -> set[str]:
    """The setting tokens of a parsed paste: what its config sets, and (with `scan_text`) the
    setting names written anywhere in it."""
    names: set[str] = set()
    config = getattr(parsed, "config", None)
    if config is not None:
        names.update(config.settings)
        for setting in _TRANSPORT_SETTINGS:
            value = config.settings.get(setting)
            if isinstance(value, dict):
                names.update(k.lower() for k in value if isinstance(k, str) and "_" in k)
        if config.old_names:
            names.add(OLD)
    for command in getattr(parsed, "worker_commands", []):
        for option in command.options:
            setting = WORKER_OPTIONS.get("--" + option.replace("_", "-"))
            if setting:
                names.add(setting)
    if scan_text:
        names.update(names_in_text("\n".join(parsed.lines)))
    if config is not None and _json_only(config.settings):
        names.difference_update(SERIALIZER_SETTINGS)  # Celery's default, written out
    return names


SERIALIZER_SETTINGS = (
    "accept_content",
    "task_serializer",
    "result_serializer",
    "result_accept_content",
)


def _json_only(settings: dict) -> bool:
    """Every serializer setting the config sets is JSON (the default): nothing to compare."""
    values = [settings[name] for name in SERIALIZER_SETTINGS if name in settings]
    if not values:
        return False
    for value in values:
        items = value if isinstance(value, list) else [value]
        if not items or not all(
            isinstance(item, str) and item.lower() in ("json", "application/json") for item in items
        ):
            return False
    return True


def entry_setting_names(entry: Any) -> Counter[str]:
    """Setting tokens of an entry's English text, with how often each is written. A name
    with an underscore counts anywhere; a one-word setting (`timezone`, `include`) only as
    a code span of a section."""
    parts = [entry.title, entry.summary, " ".join(entry.symptoms)]
    found: Counter[str] = Counter()
    for section in entry.section_templates:
        source = section.get("html", "")
        parts.append(html.unescape(_TAGS.sub(" ", source)))
        for code in _CODE.findall(source):
            word = html.unescape(_TAGS.sub("", code)).strip()
            if word in SETTING_KEYS and "_" not in word:
                found[word] += 1
    found.update(names_in_text("\n".join(p for p in parts if p)))
    return found


SETTINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS signal_settings (
    slug TEXT NOT NULL, setting TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (slug, setting)
);
"""


def write_setting_table(connection: sqlite3.Connection, entries: Iterable[Any]) -> None:
    """Store every diagnosable entry's setting tokens (called where the signal table is)."""
    connection.executescript(SETTINGS_SCHEMA)
    connection.executemany(
        "INSERT INTO signal_settings VALUES (?, ?, ?)",
        [
            (entry.slug, name, count)
            for entry in sorted(entries, key=lambda e: e.slug)
            if entry.kind == "entry"
            for name, count in sorted(entry_setting_names(entry).items())
        ],
    )

"""Settings written in sentences: `name = value` in an inline code span, or alone on a line.

    >>> fact = prose_config(["I set `CELERY_ACKS_LATE = True` and it still loses tasks"])
    >>> fact.settings, fact.prose_settings
    ({'task_acks_late': True}, {'task_acks_late': 1})

Only names that are Celery settings (diagnostics.setting_names.canonical, any spelling) and
only values the Python config parser reads as literals (`ast`, never executed) count; a span
naming a setting without a value, an unknown name, or a value that is not a short literal
gives nothing. Each assignment is parsed alone, as a one-line Python source, by
`parse_python_config`, so a setting read from a sentence is normalised exactly as one read
from a config (old names, the CELERY_ namespace, masked broker URLs, time limits).
"""

from __future__ import annotations

from celery.app.defaults import SETTING_KEYS

from diagnostics import linear_re as re
from diagnostics.facts import CeleryConfigFact
from diagnostics.parsers.errors import MalformedPaste
from diagnostics.parsers.python_settings import NotPython, parse_python_config
from diagnostics.setting_names import canonical

MAX_VALUE = 200  # characters of a value; longer is not a setting written in a sentence
MAX_ASSIGNMENTS = 40  # per paste
MAX_DEPTH = 3  # containers in containers: deeper is no setting a sentence writes
_SPAN = re.compile(r"`([^`\n]{3,300})`")
_ASSIGN = re.compile(r"^\s*(?:app\.conf\.)?([A-Za-z][A-Za-z0-9_]*)\s*([:=])\s*(\S.*?)\s*[,;]?\s*$")
# a line that is nothing but the assignment (a sentence's setting put on its own line), not
# indented and not ending as a call's or a literal's item does (those are code lines)
_LINE = re.compile(r"^\s*(?:app\.conf\.)?([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\S.*?)\s*$")


def _assignments(lines: list[str]):
    """(line, name, value) of every candidate assignment, in order."""
    fenced = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:  # a code block: the config parsers' (a line they could not read is no prose)
            continue
        if "`" in line:
            for span in _SPAN.findall(line):
                match = _ASSIGN.match(span)
                if match:
                    yield number, match.group(1), match.group(3)
            continue
        match = _LINE.match(line)
        if match and not line[0].isspace() and not line.rstrip().endswith((",", "(", "[", "{")):
            yield number, match.group(1), match.group(2)


def _depth(value: object) -> int:
    """1 for a scalar, one more per level of list, tuple or dict; 99 for None (not a literal)."""
    if value is None:
        return 99
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set)):
        return 1 + max((_depth(item) for item in value), default=0)
    return 1


def _setting(name: str) -> str | None:
    tokens = [token for token in canonical(name) if token in SETTING_KEYS]
    return tokens[0] if tokens else None


def prose_config(lines: list[str], *, skip: set[str] | frozenset[str] = frozenset()):
    """The settings the paste's sentences assign (a CeleryConfigFact), or None.

    `skip`: settings a config region already sets (the config wins over a sentence).
    """
    from diagnostics.parsers import _merge  # the config merge; imported late (circular)

    merged: CeleryConfigFact | None = None
    seen = 0
    for number, name, value in _assignments(lines):
        setting = _setting(name)
        if setting is None or setting in skip or len(value) > MAX_VALUE:
            continue
        seen += 1
        if seen > MAX_ASSIGNMENTS:
            break
        try:
            fact = parse_python_config(f"{name} = {value.rstrip('.')}", first_line=number)
        except (MalformedPaste, NotPython, SyntaxError, ValueError, RecursionError):
            continue
        if (
            fact is None
            or setting not in fact.settings
            or _depth(fact.settings[setting]) > MAX_DEPTH
        ):
            continue
        fact.prose_settings[setting] = number
        merged = _merge(merged, fact)
    return merged

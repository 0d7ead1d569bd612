"""Versions a paste states: the RabbitMQ broker's, Celery's and kombu's.

Sample:

    FROM rabbitmq:4.3.0-management
    celery[redis]==5.6.0
     -------------- celery@worker-1 v5.6.0 (recovery)
    software -> celery:5.6.0 (recovery) kombu:5.6.2 py:3.11.9

Read from requirement pins (`==` only: a range names no version), worker banners,
`celery report`, container image tags and the broker's own lines
("Starting RabbitMQ 4.3.0 on Erlang ...", `rabbitmq_version`). The first
statement of each wins; the rules that need a version (diagnostics.rules.rabbitmq4)
say so when none was given.

    >>> parse_versions_text("Starting RabbitMQ 4.3.1 on Erlang 27.3").rabbitmq
    '4.3.1'
"""

from __future__ import annotations

import re

from diagnostics.facts import VersionsFact
from diagnostics.parsers.base import NotMine, Parser

_V = r"v?(\d+\.\d+(?:\.\d+)?)"
_V3 = r"v?(\d+\.\d+\.\d+)"
PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "rabbitmq": (
        re.compile(r"\brabbitmq(?:/rabbitmq)?:" + _V, re.I),  # image tag rabbitmq:4.3-management
        re.compile(r"\bRabbitMQ(?:[- ]server)?\s+(?:version\s+)?" + _V, re.I),
        re.compile(r"\brabbitmq_version\"?\s*[:=]\s*\"?" + _V, re.I),
        re.compile(
            r"\"RabbitMQ\"\s*,\s*\"" + _V
        ),  # rabbitmqctl status: {rabbit,"RabbitMQ","4.3.0"}
    ),
    "celery": (
        re.compile(r"^[ \t]*celery(?:\[[^\]]*\])?\s*==\s*" + _V, re.I | re.M),
        re.compile(r"\bpip3? install [^\n]*?\bcelery(?:\[[^\]]*\])?==" + _V, re.I),
        re.compile(r"\bcelery@\S+\s+v(\d+\.\d+\.\d+)"),  # worker banner
        re.compile(r"\bcelery:" + _V3),  # celery report: software -> celery:5.6.0
        re.compile(r"\bCelery\s+(?:version\s+)?" + _V3, re.I),
    ),
    "kombu": (
        re.compile(r"^[ \t]*kombu(?:\[[^\]]*\])?\s*==\s*" + _V, re.I | re.M),
        re.compile(r"\bpip3? install [^\n]*?\bkombu(?:\[[^\]]*\])?==" + _V, re.I),
        re.compile(r"\bkombu:" + _V3),
        re.compile(r"\bkombu\s+(?:version\s+)?" + _V3, re.I),
    ),
}


def parse_versions_text(text: str) -> VersionsFact:
    """The versions `text` states; NotMine when it states none."""
    fact = VersionsFact()
    for name, patterns in PATTERNS.items():
        found = [m for pattern in patterns if (m := pattern.search(text))]
        if not found:
            continue
        first = min(found, key=lambda m: m.start())
        setattr(fact, name, first.group(1))
        fact.sources[name] = "paste"
        fact.lines[name] = text.count("\n", 0, first.start()) + 1
    if not fact.sources:
        raise NotMine("no version stated")
    return fact


PARSER = Parser("versions", parse_versions_text, module=__name__)

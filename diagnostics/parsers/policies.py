"""RabbitMQ policies a paste sets: `rabbitmqctl set_policy` lines and definitions files.

Sample:

    rabbitmqctl set_policy -p / ha-all "^celery" '{"ha-mode":"all","ha-sync-mode":"automatic"}' --apply-to queues

A definitions export (`rabbitmqctl export_definitions`, the management UI's
download) is JSON with a `policies` list; each element names `vhost`, `name`,
`pattern`, `apply-to` and `definition`. The JSON is parsed, never evaluated.

    >>> [p.definition for p in parse_policies_text('rabbitmqctl set_policy lazy ".*" \\'{"queue-mode":"lazy"}\\'')]
    [{'queue-mode': 'lazy'}]
"""

from __future__ import annotations

import json
import shlex

from diagnostics import linear_re as re
from diagnostics.facts import PolicyFact
from diagnostics.parsers.base import NotMine, Parser

SET_POLICY = re.compile(
    r"\brabbitmqctl\s+(?:\S+\s+)*?set_policy\s+(?P<args>.+)$", needs=("set_policy",)
)
MAX_DEFINITIONS = 200_000  # characters of a JSON document we try to read


def parse_policies_text(text: str) -> list[PolicyFact]:
    """Policies set by the paste; NotMine when it sets none."""
    found = [*_from_commands(text), *_from_definitions(text)]
    if not found:
        raise NotMine("no policy set")
    return found


def _from_commands(text: str) -> list[PolicyFact]:
    found: list[PolicyFact] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = SET_POLICY.search(line)
        if match is None:
            continue
        try:
            words = shlex.split(match["args"])
        except ValueError:
            continue
        policy = _from_words(words, number)
        if policy is not None:
            found.append(policy)
    return found


def _from_words(words: list[str], line: int) -> PolicyFact | None:
    options: dict[str, str] = {}
    positional: list[str] = []
    it = iter(words)
    for word in it:
        if word in ("-p", "--vhost", "--apply-to", "--priority"):
            options[word.lstrip("-")] = next(it, "")
        elif word.startswith("--") and "=" in word:
            key, value = word[2:].split("=", 1)
            options[key] = value
        else:
            positional.append(word)
    if len(positional) < 3:
        return None
    try:
        definition = json.loads(positional[2])
    except ValueError:
        return None
    if not isinstance(definition, dict):
        return None
    return PolicyFact(
        name=positional[0],
        source="rabbitmqctl",
        pattern=positional[1],
        apply_to=options.get("apply-to") or "all",
        definition=definition,
        vhost=options.get("p") or options.get("vhost") or "/",
        line=line,
    )


def _from_definitions(text: str) -> list[PolicyFact]:
    start = text.find("{")
    if start < 0 or '"policies"' not in text or len(text) > MAX_DEFINITIONS:
        return []
    try:
        document = json.loads(text[start:])
    except ValueError:
        return []
    policies = document.get("policies") if isinstance(document, dict) else None
    if not isinstance(policies, list):
        return []
    line = text.count("\n", 0, start) + 1
    return [
        PolicyFact(
            name=str(item.get("name", "")),
            source="definitions",
            pattern=str(item.get("pattern", "")),
            apply_to=str(item.get("apply-to") or "all"),
            definition=dict(item["definition"]),
            vhost=str(item.get("vhost") or "/"),
            line=line,
        )
        for item in policies
        if isinstance(item, dict) and isinstance(item.get("definition"), dict)
    ]


PARSER = Parser("rabbitmq-policies", parse_policies_text, module=__name__)

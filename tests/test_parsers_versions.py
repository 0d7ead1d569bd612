"""The versions and policies parsers (facts for diagnostics.rules.rabbitmq4)."""

from __future__ import annotations

import json

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.parsers.base import NotMine
from diagnostics.parsers.policies import parse_policies_text
from diagnostics.parsers.versions import parse_versions_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("image: rabbitmq:4.3-management-alpine", ("4.3", None, None)),
        (
            "2026-06-14 16:56:25 [info] <0.1.0> Starting RabbitMQ 4.3.0 on Erlang 27.3",
            ("4.3.0", None, None),
        ),
        ('{"rabbitmq_version": "4.2.9", "erlang_version": "27.3"}', ("4.2.9", None, None)),
        (" -------------- celery@worker-1 v5.5.3 (immunity)", (None, "5.5.3", None)),
        ("software -> celery:5.6.0 (recovery) kombu:5.6.2 py:3.11.9", (None, "5.6.0", "5.6.2")),
        ("celery[redis]==5.7.0\nkombu==5.7.0\n", (None, "5.7.0", "5.7.0")),
        ("RUN pip install celery==5.6.2 kombu==5.6.1", (None, "5.6.2", "5.6.1")),
    ],
)
def test_versions_stated_in_a_paste(text, expected):
    fact = parse_versions_text(text)
    assert (fact.rabbitmq, fact.celery, fact.kombu) == expected


@pytest.mark.parametrize(
    "text",
    [
        "celery>=5.5\nkombu>=5.5\n",  # a range names no version
        "Upgrade to Celery 5.7 / kombu 5.7 before RabbitMQ 4.x",  # prose without x.y.z / x.y
    ],
)
def test_ranges_and_prose_state_no_version(text):
    with pytest.raises(NotMine):
        parse_versions_text(text)


def test_the_first_statement_wins_and_its_line_is_kept():
    fact = parse_paste("x = 1\n\nkombu==5.6.2\n\nkombu:5.7.0\n").extra["versions"]
    assert (fact.kombu, fact.lines["kombu"], fact.sources["kombu"]) == ("5.6.2", 3, "paste")


def test_policies_from_a_definitions_export():
    definitions = {
        "rabbit_version": "3.12.14",
        "policies": [
            {
                "vhost": "prod",
                "name": "ha-all",
                "pattern": ".*",
                "apply-to": "queues",
                "definition": {"ha-mode": "all", "ha-sync-mode": "automatic"},
                "priority": 0,
            },
            {"vhost": "prod", "name": "broken", "definition": "not a dict"},
        ],
    }
    [policy] = parse_policies_text(json.dumps(definitions, indent=2))
    assert (policy.name, policy.vhost, policy.apply_to, policy.source) == (
        "ha-all",
        "prod",
        "queues",
        "definitions",
    )
    assert policy.definition["ha-sync-mode"] == "automatic"


def test_set_policy_with_options_and_a_broken_definition():
    text = (
        'rabbitmqctl set_policy --apply-to queues -p orders ha-two "^orders\\." '
        '\'{"ha-mode":"exactly","ha-params":2}\'\n'
        "rabbitmqctl set_policy bad \".*\" '{not json'\n"
    )
    [policy] = parse_policies_text(text)
    assert (policy.name, policy.vhost, policy.pattern, policy.line) == (
        "ha-two",
        "orders",
        "^orders\\.",
        1,
    )
    assert policy.definition == {"ha-mode": "exactly", "ha-params": 2}

"""RabbitMQ server settings stated in a paste (rabbitmq.conf, advanced.config, a queue argument).

Sample (rabbitmq.conf, milliseconds):

    >>> parse_broker_settings(["consumer_timeout = 3600000"], None).consumer_timeout_ms
    3600000
    >>> parse_broker_settings(["x-consumer-timeout: 600000"], "redis://r:6379/0").kind
    'redis'

The broker's kind comes from the Celery config's broker URL when the paste has one.
"""

from __future__ import annotations

import re

from diagnostics.facts import BrokerFact, broker_kind

CONSUMER_TIMEOUT = re.compile(r"\bconsumer_timeout\s*[=:]\s*(\d+)|x-consumer-timeout\W+(\d+)")


def parse_broker_settings(lines: list[str], broker_url: str | None) -> BrokerFact:
    """The broker fact of a paste: its kind, and consumer_timeout when a line states it."""
    fact = BrokerFact(kind=broker_kind(broker_url))
    for number, line in enumerate(lines, start=1):
        match = CONSUMER_TIMEOUT.search(line[:500])
        if match:
            fact.consumer_timeout_ms = int(match.group(1) or match.group(2))
            fact.line = number
            break
    return fact

"""RabbitMQ server settings stated in a paste (rabbitmq.conf, a queue argument).

Sample (rabbitmq.conf; the value is in milliseconds):

    # /etc/rabbitmq/rabbitmq.conf
    consumer_timeout = 3600000
    vm_memory_high_watermark.relative = 0.6

The broker's kind comes from the Celery config's broker URL when the paste has one:

    >>> parse_broker_settings(["x-consumer-timeout: 600000"], "redis://r:6379/0").kind
    'redis'
"""

from __future__ import annotations

from diagnostics import linear_re as re
from diagnostics.facts import BrokerFact, broker_kind
from diagnostics.parsers.base import NotMine, Parser

CONSUMER_TIMEOUT = re.compile(
    r"\bconsumer_timeout\s*[=:]\s*(\d+)|x-consumer-timeout\W+(\d+)",
    needs=("consumer_timeout", "x-consumer-timeout"),
)


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


def parse_broker_text(text: str) -> BrokerFact:
    """The broker settings `text` states; NotMine when it states none."""
    fact = parse_broker_settings(text.splitlines(), None)
    if fact.consumer_timeout_ms is None:
        raise NotMine("no broker setting")
    return fact


PARSER = Parser("rabbitmq-conf", parse_broker_text, wired=True, module=__name__)

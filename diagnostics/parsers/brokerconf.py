"""Broker server settings stated in a paste (rabbitmq.conf, a queue argument, redis.conf).

Sample (rabbitmq.conf, the value in milliseconds; then redis.conf):

    # /etc/rabbitmq/rabbitmq.conf
    consumer_timeout = 3600000
    vm_memory_high_watermark.relative = 0.6
    # redis.conf
    maxmemory-policy allkeys-lru

Redis's eviction policy is read as redis.conf, `CONFIG SET` and `INFO memory` write it:

    >>> parse_broker_settings(["127.0.0.1:6379> config set maxmemory-policy volatile-lru"], None).eviction_policy
    'volatile-lru'

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
# redis.conf `maxmemory-policy allkeys-lru`, `CONFIG SET maxmemory-policy ...`, INFO's
# `maxmemory_policy:allkeys-lru`; the value is one of Redis's policy names
EVICTION_POLICY = re.compile(
    r"\bmaxmemory[-_]policy[\s:=\"']+((?:allkeys|volatile)-(?:lru|lfu|random|ttl)|noeviction)\b",
    re.IGNORECASE,
)


def parse_broker_settings(lines: list[str], broker_url: str | None) -> BrokerFact:
    """The broker fact of a paste: its kind, and consumer_timeout when a line states it."""
    fact = BrokerFact(kind=broker_kind(broker_url))
    for number, line in enumerate(lines, start=1):
        if fact.consumer_timeout_ms is None and "consumer" in line:
            match = CONSUMER_TIMEOUT.search(line[:500])
            if match:
                fact.consumer_timeout_ms = int(match.group(1) or match.group(2))
                fact.line = number
        if "maxmemory" in line.lower():
            policy = EVICTION_POLICY.search(line[:500])
            if policy:  # the last one stated wins, as in redis.conf
                fact.eviction_policy = policy.group(1).lower()
                fact.eviction_policy_line = number
    return fact


def parse_broker_text(text: str) -> BrokerFact:
    """The broker settings `text` states; NotMine when it states none."""
    fact = parse_broker_settings(text.splitlines(), None)
    if fact.consumer_timeout_ms is None and fact.eviction_policy is None:
        raise NotMine("no broker setting")
    return fact


PARSER = Parser("rabbitmq-conf", parse_broker_text, wired=True, module=__name__)

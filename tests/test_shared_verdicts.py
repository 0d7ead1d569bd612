"""One situation, two paths, one verdict: a pasted config vs the live broker set up for it.

For each judgement the paste rules and the live checks share (consumer timeout,
visibility timeout, priority, fanout, queue declaration), the same situation goes
through the paste path (parse_paste -> run_rules) and through the live path
(check_broker against real RabbitMQ objects in a throwaway vhost, or the test
Redis database), and both must name the same rule and entry with the same
severity (a live `fail` is a paste `error`, `warn` a `warning` or `info`).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pytest
import redis

from diagnostics.checks import CheckRequest, check_broker
from diagnostics.checks.expectations import read_expectations
from diagnostics.checks.rabbitmq4 import (
    Rabbitmq4Facts,
    broker_version,
    facts_results,
    read_policies,
    read_queues,
)
from diagnostics.checks.results import STATUS_BY_SEVERITY
from diagnostics.facts import BrokerFact
from diagnostics.parsers import parse_paste
from diagnostics.probes.management import ManagementClient
from diagnostics.probes.targets import ManagementTarget
from diagnostics.rules import run_rules
from tests.hlc_support import amqp_connection, api, broker_url, hlc_vhost, wait_for

pytestmark = pytest.mark.broker
VHOST = "hlc_arch_verdicts"
# The shared judgements, by the rule ids each one can give. The live run sees the whole
# vhost, so each test compares the rules of the judgement it sets up.
CONSUMER_TIMEOUT = {"countdown-over-consumer-timeout", "acks-late-over-consumer-timeout"}
VISIBILITY_TIMEOUT = {"countdown-over-visibility-timeout", "acks-late-over-visibility-timeout"}
PRIORITY = {"priority-without-max-priority", "queue-argument-differs"}
FANOUT = {"fixed-queue-on-fanout"}
DECLARATION = {"queue-argument-differs", "quorum-consumed-without-declare"}


def paste_verdicts(text: str, rules: set[str]) -> set[tuple[str, str, str]]:
    findings = run_rules(parse_paste(text))
    return {(f.rule, f.entry, STATUS_BY_SEVERITY[f.severity]) for f in findings if f.rule in rules}


def live_verdicts(results: list[dict], rules: set[str]) -> set[tuple[str, str, str]]:
    return {(r["rule"], r["entry"], r["status"]) for r in results if r.get("rule") in rules}


@pytest.fixture(scope="module")
def broker(rabbitmq_url, rabbitmq_management_url):
    """The vhost with: a classic queue without x-max-priority, a quorum queue, and a
    fanout exchange feeding one named queue that two consumers share."""
    with hlc_vhost(rabbitmq_management_url, VHOST):
        setup = amqp_connection(rabbitmq_url, VHOST)
        channel = setup.channel()
        channel.queue_declare("arch_prio", durable=True, auto_delete=False)
        channel.queue_declare(
            "arch_prio_ok", durable=True, auto_delete=False, arguments={"x-max-priority": 10}
        )
        channel.queue_declare(
            "arch_qq", durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"}
        )
        channel.exchange_declare("arch_fan", "fanout", durable=True, auto_delete=False)
        channel.queue_declare("arch_shared", durable=True, auto_delete=False)
        channel.queue_bind("arch_shared", "arch_fan")
        consumers = [amqp_connection(rabbitmq_url, VHOST) for _ in range(2)]
        for connection in consumers:
            connection.channel().basic_consume("arch_shared", callback=lambda m: None)

        def two_consumers() -> bool:
            info = api(rabbitmq_management_url, "GET", f"/queues/{VHOST}/arch_shared").json()
            return info.get("consumers") == 2

        assert wait_for(two_consumers, timeout=15), "management counters did not appear"
        try:
            yield {"url": broker_url(rabbitmq_url, VHOST), "management": rabbitmq_management_url}
        finally:
            for connection in consumers + [setup]:
                connection.close()


def run_live(broker: dict, config: str, **extra) -> list[dict]:
    request = CheckRequest(
        broker["url"], management_url=broker["management"], config_text=config, **extra
    )
    return check_broker(request)["results"]


AMQP = 'broker_url = "amqp://guest@rabbit//"\n'


@pytest.mark.parametrize(
    ("countdown", "expected"),
    [
        (3600, {("countdown-over-consumer-timeout", "delivery-ack-timeout", "fail")}),
        (1800, set()),
    ],
)
def test_consumer_timeout_same_verdict(broker, countdown, expected):
    config = AMQP + f"report.apply_async(countdown={countdown})\n"
    # rabbitmq.conf in the paste; the same value given to the live check (not readable remotely)
    pasted = config + "\n# rabbitmq.conf\nconsumer_timeout = 3600000\n"
    live = live_verdicts(run_live(broker, config, consumer_timeout_ms=3_600_000), CONSUMER_TIMEOUT)
    assert paste_verdicts(pasted, CONSUMER_TIMEOUT) == live == expected


def test_acks_late_without_a_limit_same_verdict(broker):
    config = AMQP + "task_acks_late = True\n"
    expected = {("acks-late-over-consumer-timeout", "delivery-ack-timeout", "warn")}
    live = live_verdicts(run_live(broker, config), CONSUMER_TIMEOUT)
    assert paste_verdicts(config, CONSUMER_TIMEOUT) == live == expected


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        ("arch_prio", {("priority-without-max-priority", "priority-not-applied", "warn")}),
        ("arch_prio_ok", set()),
    ],
)
def test_priority_same_verdict(broker, queue, expected):
    config = AMQP + f'task_queues = [Queue("{queue}")]\njob.apply_async(args=(1,), priority=9)\n'
    # the paste shows the broker's queue as a topology-operator CR
    arguments = "\n  arguments: {x-max-priority: 10}" if queue == "arch_prio_ok" else ""
    cr = (
        f"\n---\napiVersion: rabbitmq.com/v1beta1\nkind: Queue\nspec:\n  name: {queue}{arguments}\n"
    )
    live = live_verdicts(run_live(broker, config, queues=[queue]), PRIORITY)
    paste = paste_verdicts(config + cr, PRIORITY)
    # the CR-less paste declares the queue without x-max-priority: its arguments differ
    # from arch_prio_ok's, which both paths report as a 406 (same rule, same verdict)
    mismatch = ("queue-argument-differs", "queue-arguments-mismatch", "fail")
    assert paste - {mismatch} == live - {mismatch} == expected
    assert (mismatch in paste) == (mismatch in live)


def test_fanout_shared_queue_same_verdict(broker):
    config = AMQP + 'task_queues = [Queue("arch_shared", Exchange("arch_fan", type="fanout"))]\n'
    expected = {("fixed-queue-on-fanout", "fanout-shared-queue", "warn")}
    live = run_live(broker, config)
    assert paste_verdicts(config, FANOUT) == live_verdicts(live, FANOUT) == expected
    [result] = [r for r in live if r.get("rule") == "fixed-queue-on-fanout"]
    assert result["evidence"] == {"queue": "arch_shared", "exchange": "arch_fan", "consumers": 2}


def test_quorum_queue_declared_classic_same_verdict(broker):
    config = AMQP + 'task_queues = [Queue("arch_qq")]\n'
    cr = "\n---\napiVersion: rabbitmq.com/v1beta1\nkind: Queue\nspec:\n  name: arch_qq\n  type: quorum\n"
    expected = {("queue-argument-differs", "queue-arguments-mismatch", "fail")}
    live = live_verdicts(run_live(broker, config), DECLARATION)
    assert paste_verdicts(config + cr, DECLARATION) == live == expected


REDIS = 'broker_url = "redis://redis:6379/0"\n'


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # the issue's own case: visibility_timeout 3600, countdown 3600
        (
            'broker_transport_options = {"visibility_timeout": 3600}\n'
            "report.apply_async(countdown=3600)\n",
            {("countdown-over-visibility-timeout", "redis-visibility-timeout", "fail")},
        ),
        (
            'broker_transport_options = {"visibility_timeout": 43200}\n'
            "report.apply_async(countdown=3600)\n",
            set(),
        ),
        (
            "task_acks_late = True\ntask_time_limit = 7200\n",
            {("acks-late-over-visibility-timeout", "redis-visibility-timeout", "warn")},
        ),
    ],
)
def test_visibility_timeout_same_verdict(redis_url, config, expected):
    live = check_broker(CheckRequest(redis_url, config_text=config))["results"]
    live_verdict = live_verdicts(live, VISIBILITY_TIMEOUT)
    assert paste_verdicts(REDIS + config, VISIBILITY_TIMEOUT) == live_verdict == expected


EVICTION = {"eviction-policy-evicts-queues"}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "allkeys-lru",
            {("eviction-policy-evicts-queues", "redis-oom-command-not-allowed", "fail")},
        ),
        ("volatile-lru", set()),
        ("noeviction", set()),
    ],
)
def test_eviction_policy_same_verdict(redis_url, policy, expected):
    # the policy set on the test Redis with CONFIG SET (server-wide, restored at once),
    # and the same policy pasted as redis.conf next to a Redis broker URL
    client = redis.Redis.from_url(redis_url)
    original = client.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        client.config_set("maxmemory-policy", policy)
        live = check_broker(CheckRequest(redis_url))["results"]
    finally:
        client.config_set("maxmemory-policy", original)
        client.close()
    [memory] = [r for r in live if r["check"] == "redis-memory"]
    assert memory["status"] != "skipped"  # compared, not vacuous
    pasted = REDIS + f"\n# redis.conf\nmaxmemory-policy {policy}\n"
    assert paste_verdicts(pasted, EVICTION) == live_verdicts(live, EVICTION) == expected


def test_nothing_to_compare_is_skipped_on_both_brokers(broker, redis_url):
    config = 'broker_transport_options = {"visibility_timeout": 10}\n'
    redis_results = check_broker(CheckRequest(redis_url, config_text=config))["results"]
    amqp_results = run_live(broker, AMQP)
    for results, check in (
        (redis_results, "redis-visibility-timeout"),
        (amqp_results, "consumer-timeout"),
    ):
        [result] = [r for r in results if r["check"] == check]
        assert (result["status"], result["outcome"]) == (
            "skipped",
            "skip.no-countdown-no-acks-late",
        )
    assert paste_verdicts(REDIS + config, VISIBILITY_TIMEOUT) == set()
    assert paste_verdicts(AMQP, CONSUMER_TIMEOUT) == set()


def test_a_shared_queue_with_one_consumer_is_not_flagged_live(broker, rabbitmq_url):
    # the live broker knows the consumers; with fewer than two nothing is shared (yet)
    connection = amqp_connection(rabbitmq_url, VHOST)
    try:
        channel = connection.channel()
        channel.queue_declare("arch_single", durable=False, auto_delete=True)
        channel.queue_bind("arch_single", "arch_fan")
        channel.basic_consume("arch_single", callback=lambda m: None)
        results = run_live(broker, AMQP)
    finally:
        connection.close()
    flagged = [r["evidence"]["queue"] for r in results if r.get("rule") == "fixed-queue-on-fanout"]
    assert flagged == ["arch_shared"]


# --- RabbitMQ 4.x (diagnostics.rules.rabbitmq4) ----------------------------------------
# No 4.x broker here: the live facts come from the real 3.10.8 broker (its version, queue
# flags and arguments, policies), and the 4.3 case gives the same judgement those facts
# with the version replaced. The live check judges the broker's objects and what the config
# text would declare (a 4.3 broker never holds what it refuses). An object only the broker
# has was accepted by it, so there the live verdict is a warning where the paste's
# declaration (which would be refused) is an error: same rule and entry.
RMQ4_VHOST = "checks4x-verdicts"
RMQ4 = {
    "transient-nonexclusive-queue",
    "global-qos-downgraded",
    "global-qos-deprecated",
    "queue-mode-removed",
    "ha-policy-without-mirroring",
}


@pytest.fixture(scope="module")
def broker4(rabbitmq_url, rabbitmq_management_url):
    """What Celery 5.6 declares (transient non-exclusive pidbox queue), a lazy queue and an
    ha-mode policy, in a throwaway vhost (3.10.8 accepts all three)."""
    path = f"/vhosts/{quote(RMQ4_VHOST, safe='')}"
    api(rabbitmq_management_url, "DELETE", path)
    api(rabbitmq_management_url, "PUT", path).raise_for_status()
    api(
        rabbitmq_management_url,
        "PUT",
        f"/permissions/{quote(RMQ4_VHOST, safe='')}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    try:
        connection = amqp_connection(rabbitmq_url, RMQ4_VHOST)
        channel = connection.channel()
        channel.queue_declare("w1@h.celery.pidbox", durable=False, exclusive=False)
        channel.queue_declare(
            "a", durable=True, auto_delete=False, arguments={"x-queue-mode": "lazy"}
        )
        api(
            rabbitmq_management_url,
            "PUT",
            f"/policies/{quote(RMQ4_VHOST, safe='')}/ha-all",
            json={"pattern": "^ha\\.", "definition": {"ha-mode": "all"}},
        ).raise_for_status()
        yield {
            "url": broker_url(rabbitmq_url, RMQ4_VHOST),
            "management": rabbitmq_management_url,
        }
        connection.close()
    finally:
        api(rabbitmq_management_url, "DELETE", path)


def live_verdicts_4x(broker: dict, config: str, version: str | None) -> set[tuple[str, str, str]]:
    """The live path: check_broker on the real broker; with `version`, the same unit's facts
    (read from the real broker by its own functions) judged as if the broker were `version`."""
    if version is None:
        return live_verdicts(run_live(broker, config), RMQ4)
    expectations = read_expectations(config, vhost=RMQ4_VHOST)
    port = int(broker["management"].rsplit(":", 1)[1])
    target = ManagementTarget("http", "127.0.0.1", port, "guest", "guest")  # noqa: S106
    client = ManagementClient(target, "127.0.0.1", timeout=3)
    try:
        real, _ = broker_version(client, None)
        assert real == "3.10.8"
        facts = Rabbitmq4Facts(
            versions=replace(expectations.versions, rabbitmq=version),
            broker=BrokerFact(kind="rabbitmq", version=version),
            config=expectations.config,
            queues=read_queues(client, RMQ4_VHOST),
            policies=read_policies(client, RMQ4_VHOST),
        )
    finally:
        client.close()
    return {(r.rule, r.entry, r.status) for r in facts_results(facts) if r.rule in RMQ4}


CELERY_5_6 = 'broker_url = "amqp://guest@rabbit//"\n\ncelery==5.6.0\nkombu==5.6.2\n'
PASTED_4X = (
    'task_queues = [Queue("a", queue_arguments={"x-queue-mode": "lazy"})]\n\n'
    'rabbitmqctl set_policy ha-all "^ha\\." \'{"ha-mode":"all"}\'\n\nRabbitMQ {version}\n'
)


def test_rabbitmq_4_judgements_on_the_real_3_10_8_version_same_verdict(broker4):
    paste = CELERY_5_6 + "\n" + PASTED_4X.replace("{version}", "3.10.8")
    assert paste_verdicts(paste, RMQ4) == live_verdicts_4x(broker4, CELERY_5_6, None) == set()


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (
            "4.3.0",
            {
                "transient-nonexclusive-queue": ("transient-queue-denied", "fail", "fail"),
                "global-qos-downgraded": ("global-qos-rabbitmq-4", "warn", "warn"),
                "queue-mode-removed": ("queue-storage-args-removed", "warn", "warn"),
                "ha-policy-without-mirroring": ("mirrored-queues-removed", "fail", "warn"),
            },
        ),
        (
            "4.1.0",
            {
                "global-qos-deprecated": ("global-qos-rabbitmq-4", "warn", "warn"),
                "ha-policy-without-mirroring": ("mirrored-queues-removed", "fail", "warn"),
            },
        ),
    ],
)
def test_rabbitmq_4_judgements_with_a_4x_version_same_rules(broker4, version, expected):
    paste = CELERY_5_6 + "\n" + PASTED_4X.replace("{version}", version)
    pasted = paste_verdicts(paste, RMQ4)
    live = live_verdicts_4x(broker4, CELERY_5_6, version)
    assert {(rule, entry) for rule, entry, _ in pasted} == {(r, e) for r, e, _ in live}
    assert {rule: (entry, status) for rule, entry, status in pasted} == {
        rule: (entry, paste) for rule, (entry, paste, _) in expected.items()
    }
    assert {rule: (entry, status) for rule, entry, status in live} == {
        rule: (entry, live) for rule, (entry, _, live) in expected.items()
    }

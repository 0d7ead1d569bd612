"""The RabbitMQ 4.x unit against the real broker (3.10.8 here; no 4.x broker on this machine).

The facts (version, queue flags and arguments, policies) are read from the real
broker in a throwaway vhost. On 3.10.8 every judgement passes and says that the
change comes with a later release; the same facts with a 4.x version, given to
the same judgement and result code, give the findings.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from urllib.parse import quote

import pytest

from diagnostics.checks import CheckRequest, check_broker
from diagnostics.checks.expectations import read_expectations
from diagnostics.checks.rabbitmq4 import (
    Rabbitmq4Facts,
    broker_version,
    facts_results,
    read_policies,
    read_queues,
)
from diagnostics.facts import BrokerFact, VersionsFact
from diagnostics.probes.management import ManagementClient
from diagnostics.probes.targets import ManagementTarget
from tests.hlc_support import amqp_connection, api, broker_url

pytestmark = pytest.mark.broker
VHOST = "checks4x-rmq4"
CHECKS = (
    "transient-queues",
    "global-qos",
    "queue-storage-args",
    "mirroring-policies",
    "classic-consumer-timeout",
)
CONFIG = 'broker_url = "amqp://guest@rabbit//"\n\nkombu==5.6.2\ncelery==5.6.0\n'


@contextlib.contextmanager
def throwaway_vhost(management_url: str):
    path = f"/vhosts/{quote(VHOST, safe='')}"
    api(management_url, "DELETE", path)
    api(management_url, "PUT", path).raise_for_status()
    api(
        management_url,
        "PUT",
        f"/permissions/{quote(VHOST, safe='')}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    try:
        yield
    finally:
        api(management_url, "DELETE", path)


@pytest.fixture(scope="module")
def broker(rabbitmq_url, rabbitmq_management_url):
    """Celery <= 5.6's pidbox and event queues (transient, not exclusive), a 5.7-style
    exclusive pidbox queue, queues with x-queue-mode / x-queue-version 1 /
    x-consumer-timeout, and an ha-mode policy (all accepted by 3.10.8)."""
    with throwaway_vhost(rabbitmq_management_url):
        connection = amqp_connection(rabbitmq_url, VHOST)
        channel = connection.channel()
        for name in ("w1@host.celery.pidbox", "celeryev.0f3a"):
            channel.queue_declare(name, durable=False, exclusive=False, auto_delete=True)
        channel.queue_declare("w2@host.celery.pidbox", durable=False, exclusive=True)
        channel.queue_declare(
            "lazy.q", durable=True, auto_delete=False, arguments={"x-queue-mode": "lazy"}
        )
        channel.queue_declare(
            "v1.q", durable=True, auto_delete=False, arguments={"x-queue-version": 1}
        )
        channel.queue_declare(
            "ct.q", durable=True, auto_delete=False, arguments={"x-consumer-timeout": 7200000}
        )
        api(
            rabbitmq_management_url,
            "PUT",
            f"/policies/{quote(VHOST, safe='')}/ha-all",
            json={"pattern": "^ha\\.", "definition": {"ha-mode": "all"}, "apply-to": "queues"},
        ).raise_for_status()
        try:
            yield {"url": broker_url(rabbitmq_url, VHOST), "management": rabbitmq_management_url}
        finally:
            connection.close()


def management_client(management_url: str) -> ManagementClient:
    port = int(management_url.rsplit(":", 1)[1])
    target = ManagementTarget("http", "127.0.0.1", port, "guest", "guest")  # noqa: S106
    return ManagementClient(target, "127.0.0.1", timeout=3)


def live_facts(broker: dict, config: str, **broker_fact) -> Rabbitmq4Facts:
    """The facts as the unit reads them: the real broker's, and the config text's versions."""
    expectations = read_expectations(config, vhost=VHOST)
    client = management_client(broker["management"])
    try:
        version, source = broker_version(client, None)
        return Rabbitmq4Facts(
            versions=replace(expectations.versions, rabbitmq=version, sources={"rabbitmq": source}),
            broker=BrokerFact(kind="rabbitmq", version=version, **broker_fact),
            config=expectations.config,
            queues=read_queues(client, VHOST),
            policies=read_policies(client, VHOST),
            vhost=VHOST,
        )
    finally:
        client.close()


def by_check(results: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for result in results:
        if result["check"] in CHECKS:
            out.setdefault(result["check"], []).append(result)
    return out


def test_on_3_10_8_every_judgement_passes_and_names_the_release(broker):
    request = CheckRequest(
        broker["url"],
        management_url=broker["management"],
        config_text=CONFIG,
        consumer_timeout_ms=3_600_000,
    )
    results = by_check(check_broker(request)["results"])
    assert {check: [(r["status"], r["outcome"]) for r in rs] for check, rs in results.items()} == {
        "transient-queues": [("pass", "transient-queues.before-4-3")],
        "global-qos": [("pass", "global-qos.before-4-0")],
        "queue-storage-args": [("pass", "queue-storage-args.before-4-3")],
        "mirroring-policies": [("pass", "mirroring-policies.before-4-0")],
        "classic-consumer-timeout": [("pass", "classic-consumer-timeout.before-4-3")],
    }
    transient = results["transient-queues"][0]["evidence"]
    assert transient["rabbitmq_version"] == "3.10.8"
    # the broker's (not the exclusive pidbox queue, Celery 5.7's way), and what Celery 5.6
    # of the config text declares (a 4.3 broker would never hold those: it refuses them)
    assert sorted(transient["queues"]) == [
        "<id>.reply.celery.pidbox",
        "<worker>.celery.pidbox",
        "celeryev.0f3a",
        "celeryev.<uuid>",
        "w1@host.celery.pidbox",
    ]
    assert sorted(results["queue-storage-args"][0]["evidence"]["queues"]) == ["lazy.q", "v1.q"]
    assert results["mirroring-policies"][0]["evidence"]["policies"] == ["ha-all"]


def test_the_same_facts_with_a_4_3_version_give_the_findings(broker):
    facts = live_facts(broker, CONFIG, consumer_timeout_ms=3_600_000)
    assert facts.versions.rabbitmq == "3.10.8"
    assert not [r for r in facts_results(facts) if r.rule]  # 3.10.8: nothing to report
    facts.versions = replace(facts.versions, rabbitmq="4.3.2")
    found = {(r.rule, r.entry, r.status) for r in facts_results(facts) if r.rule}
    assert found == {
        # Celery 5.6 of the config declares its pidbox/event queues transient: refused
        ("transient-nonexclusive-queue", "transient-queue-denied", "fail"),
        ("global-qos-downgraded", "global-qos-rabbitmq-4", "warn"),
        ("queue-version-1-removed", "queue-storage-args-removed", "warn"),
        ("queue-mode-removed", "queue-storage-args-removed", "warn"),
        ("ha-policy-without-mirroring", "mirrored-queues-removed", "warn"),
        ("classic-consumer-timeout-argument", "delivery-ack-timeout", "warn"),
        ("classic-queues-never-time-out", "delivery-ack-timeout", "warn"),
    }
    [transient] = [r for r in facts_results(facts) if r.rule == "transient-nonexclusive-queue"]
    assert transient.evidence["observed"] is False


def test_queues_only_the_broker_holds_are_a_warning_on_4_3(broker):
    # Celery 5.7 declares exclusive queues: what is left is on the broker already, which
    # a 4.3 broker only holds when the feature is permitted (or from before the upgrade)
    facts = live_facts(broker, CONFIG.replace("5.6.2", "5.7.0").replace("5.6.0", "5.7.0"))
    facts.versions = replace(facts.versions, rabbitmq="4.3.0")
    [transient] = [r for r in facts_results(facts) if r.rule == "transient-nonexclusive-queue"]
    assert transient.status == "warn"
    assert sorted(transient.evidence["queues"]) == ["celeryev.0f3a", "w1@host.celery.pidbox"]
    assert transient.evidence["observed"] is True


def test_between_4_0_and_4_3_only_the_4_0_changes_apply(broker):
    facts = live_facts(broker, CONFIG)
    facts.versions = replace(facts.versions, rabbitmq="4.1.0")
    results = facts_results(facts)
    found = {(r.rule, r.status) for r in results if r.rule}
    assert found == {("global-qos-deprecated", "warn"), ("ha-policy-without-mirroring", "warn")}
    outcomes = {r.check: r.outcome for r in results if not r.rule}
    assert outcomes["transient-queues"] == "transient-queues.before-4-3"
    assert outcomes["classic-consumer-timeout"] == "classic-consumer-timeout.before-4-3"


def test_without_the_management_api_the_version_comes_from_the_handshake(broker):
    results = by_check(check_broker(CheckRequest(broker["url"], config_text=CONFIG))["results"])
    for check in ("transient-queues", "queue-storage-args", "mirroring-policies"):
        assert [(r["status"], r["outcome"]) for r in results[check]] == [
            ("skipped", "rabbitmq4.skip.no-management")
        ]
    [qos] = results["global-qos"]
    assert (qos["status"], qos["outcome"]) == ("pass", "global-qos.before-4-0")
    assert qos["evidence"]["rabbitmq_version"] == "3.10.8"
    [timeout] = results["classic-consumer-timeout"]
    assert timeout["outcome"] == "classic-consumer-timeout.before-4-3"


def test_no_kombu_version_is_a_skip_not_a_pass(broker):
    facts = live_facts(broker, CONFIG)
    facts.versions = VersionsFact(rabbitmq="4.3.0")
    [qos] = [r for r in facts_results(facts) if r.check == "global-qos"]
    assert (qos.status, qos.outcome) == ("skipped", "skip.no-kombu-version")

"""Queue and exchange checks against real RabbitMQ objects set up in vhost `hlc_v1`.

Each failing case is built for real (a quorum queue the config calls classic,
argument drift, a fanout feeding one queue with two consumers...), and where
the check predicts a broker error the test provokes that error for real and
compares the text.
"""

from __future__ import annotations

import amqp
import pytest
from amqp import exceptions as amqp_exc

from diagnostics.checks import CheckRequest, check_broker
from tests.hlc_support import (
    amqp_connection,
    api,
    broker_url,
    by_check,
    hlc_vhost,
    snapshot_vhost,
    wait_for,
)

pytestmark = pytest.mark.broker
VHOST = "hlc_v1"
CONFIG = """
from kombu import Queue
task_queues = [
    Queue("hlc_qq"),
    Queue("hlc_qq_nodecl", no_declare=True),
    Queue("hlc_drift", queue_arguments={"x-dead-letter-exchange": "hlc_dlx",
                                        "x-dead-letter-routing-key": "other"}),
    Queue("hlc_prio"),
]
task_routes = {"app.add": {"queue": "hlc_qq"}}
task_acks_late = True

def go():
    add.apply_async((1, 2), priority=5, countdown=7200)
"""


def _declare_objects(channel: amqp.Channel) -> None:
    quorum = {"x-queue-type": "quorum"}
    channel.queue_declare("hlc_qq", durable=True, auto_delete=False, arguments=quorum)
    channel.queue_declare("hlc_qq_nodecl", durable=True, auto_delete=False, arguments=quorum)
    drift = {"x-dead-letter-exchange": "hlc_dlx", "x-dead-letter-routing-key": "dead"}
    channel.queue_declare("hlc_drift", durable=True, auto_delete=False, arguments=drift)
    channel.queue_declare("hlc_prio", durable=True, auto_delete=False)
    channel.queue_declare("hlc_backlog", durable=True, auto_delete=False)
    for number in range(3):
        channel.basic_publish(amqp.Message(f"m{number}"), exchange="", routing_key="hlc_backlog")
    channel.exchange_declare("hlc_fan", "fanout", durable=True, auto_delete=False)
    channel.queue_declare("hlc_shared", durable=True, auto_delete=False)
    channel.queue_bind("hlc_shared", "hlc_fan")


@pytest.fixture(scope="module")
def broker(rabbitmq_url, rabbitmq_management_url):
    """hlc_v1 with the scenario objects and two consumers sharing hlc_shared."""
    with hlc_vhost(rabbitmq_management_url, VHOST):
        setup = amqp_connection(rabbitmq_url, VHOST)
        _declare_objects(setup.channel())
        consumers = [amqp_connection(rabbitmq_url, VHOST) for _ in range(2)]
        for connection in consumers:
            connection.channel().basic_consume("hlc_shared", callback=lambda m: None)

        def counters_ready():
            backlog = api(rabbitmq_management_url, "GET", f"/queues/{VHOST}/hlc_backlog").json()
            shared = api(rabbitmq_management_url, "GET", f"/queues/{VHOST}/hlc_shared").json()
            return backlog.get("messages_ready") == 3 and shared.get("consumers") == 2

        assert wait_for(counters_ready, timeout=15), "management counters did not appear"
        try:
            yield {"url": broker_url(rabbitmq_url, VHOST), "management": rabbitmq_management_url}
        finally:
            for connection in consumers + [setup]:
                connection.close()


@pytest.fixture(scope="module")
def full_run(broker):
    request = CheckRequest(
        broker["url"],
        management_url=broker["management"],
        queues=["hlc_backlog", "hlc_missing"],
        config_text=CONFIG,
    )
    return check_broker(request)["results"]


def _queue_results(results, check, queue):
    return [r for r in by_check(results, check) if r["evidence"].get("queue") == queue]


def _real_declare_error(rabbitmq_url, name, arguments=None) -> str:
    """Declare as Celery would (durable, not auto-delete) and return the broker's 406 text."""
    connection = amqp_connection(rabbitmq_url, VHOST)
    try:
        with pytest.raises(amqp_exc.PreconditionFailed) as caught:
            connection.channel().queue_declare(
                name, durable=True, auto_delete=False, arguments=arguments
            )
        return caught.value.reply_text
    finally:
        connection.close()


def test_quorum_queue_declared_as_classic_predicts_the_real_406(full_run, rabbitmq_url):
    [finding] = _queue_results(full_run, "queue-arguments", "hlc_qq")
    assert (finding["status"], finding["entry"]) == ("fail", "queue-arguments-mismatch")
    assert finding["evidence"]["argument"] == "x-queue-type"
    assert finding["evidence"]["error"] == _real_declare_error(rabbitmq_url, "hlc_qq")


def test_quorum_queue_consumed_without_declaring_predicts_540(full_run, rabbitmq_url):
    [finding] = _queue_results(full_run, "queue-arguments", "hlc_qq_nodecl")
    assert (finding["status"], finding["entry"]) == ("fail", "quorum-queue-global-qos")
    connection = amqp_connection(rabbitmq_url, VHOST)
    try:
        channel = connection.channel()
        channel.basic_qos(0, 4, True)  # what Celery asks for when it does not know the type
        with pytest.raises(amqp_exc.AMQPNotImplementedError) as caught:
            channel.basic_consume("hlc_qq_nodecl", callback=lambda m: None)
    finally:
        connection.close()
    assert finding["evidence"]["error"] == caught.value.reply_text


def test_argument_drift_names_argument_both_values_and_real_text(full_run, rabbitmq_url):
    [finding] = _queue_results(full_run, "queue-arguments", "hlc_drift")
    assert finding["entry"] == "queue-arguments-mismatch"
    evidence = finding["evidence"]
    assert (evidence["argument"], evidence["received"], evidence["current"]) == (
        "x-dead-letter-routing-key",
        "other",
        "dead",
    )
    real = _real_declare_error(
        rabbitmq_url,
        "hlc_drift",
        {"x-dead-letter-exchange": "hlc_dlx", "x-dead-letter-routing-key": "other"},
    )
    assert evidence["error"] == real


def test_missing_dead_letter_exchange_fails(full_run):
    [result] = _queue_results(full_run, "dead-letter-exchange", "hlc_drift")
    assert result["status"] == "fail"
    assert "hlc_dlx" in result["message"]


def test_priority_without_x_max_priority_warns(full_run):
    [result] = _queue_results(full_run, "priority", "hlc_prio")
    assert (result["status"], result["entry"]) == ("warn", "priority-not-applied")


def test_backlog_without_consumers_warns(full_run):
    [result] = _queue_results(full_run, "queue-backlog", "hlc_backlog")
    assert (result["status"], result["entry"]) == ("warn", "queue-without-consumer")
    assert result["evidence"]["messages_ready"] == 3


def test_named_queue_that_does_not_exist_is_queue_not_found(full_run):
    [result] = _queue_results(full_run, "queue", "hlc_missing")
    assert (result["status"], result["entry"]) == ("fail", "queue-not-found")


def test_fanout_into_one_queue_shared_by_two_consumers_warns(full_run):
    [result] = [r for r in by_check(full_run, "fanout-shared-queue") if r["status"] == "warn"]
    assert result["entry"] == "fanout-shared-queue"
    assert result["evidence"] == {"exchange": "hlc_fan", "queue": "hlc_shared", "consumers": 2}


def test_countdown_longer_than_consumer_timeout_fails(full_run):
    results = {r["rule"]: r for r in by_check(full_run, "consumer-timeout")}
    result = results["countdown-over-consumer-timeout"]
    assert (result["status"], result["entry"]) == ("fail", "delivery-ack-timeout")
    assert result["evidence"]["assumed"] is True
    assert result["evidence"]["timeout_ms"] == 1_800_000
    # check_broker words each result (diagnostics.present) from the entry's messages
    assert result["message"].startswith("A countdown/ETA of 7200 s is not shorter")
    # acks_late without task_time_limit: the same (info) finding a paste of CONFIG gets
    assert results["acks-late-over-consumer-timeout"]["status"] == "warn"


def test_given_consumer_timeout_is_used(broker):
    request = CheckRequest(
        broker["url"], config_text=CONFIG, consumer_timeout_ms=10_000_000, timeout=10
    )
    [result] = by_check(check_broker(request)["results"], "consumer-timeout")
    assert result["status"] == "warn"  # countdown fits; acks_late without a time limit does not
    assert result["rule"] == "acks-late-over-consumer-timeout"
    assert result["evidence"] | {"line": None} == {
        "timeout_ms": 10_000_000,
        "timeout_s": 10_000.0,
        "assumed": False,
        "limit_s": None,
        "line": None,
    }


def test_amqp_only_run_says_what_it_cannot_know(broker):
    results = check_broker(CheckRequest(broker["url"], queues=["hlc_backlog", "hlc_missing"]))
    [backlog] = _queue_results(results["results"], "queue", "hlc_backlog")
    assert backlog["evidence"]["messages_ready"] == 3
    assert "type and arguments need the management API" in backlog["message"]
    [missing] = _queue_results(results["results"], "queue", "hlc_missing")
    assert missing["entry"] == "queue-not-found"


def test_workers_check_is_skipped_where_remote_control_would_create_the_pidbox(full_run):
    [workers] = by_check(full_run, "workers")
    assert workers["status"] == "skipped"
    assert "celery.pidbox" in workers["message"]


def test_full_run_leaves_the_vhost_exactly_as_it_found_it(broker, rabbitmq_url):
    before = snapshot_vhost(broker["management"], rabbitmq_url, VHOST)
    request = CheckRequest(
        broker["url"],
        management_url=broker["management"],
        queues=["hlc_backlog", "hlc_missing", "hlc_shared"],
        config_text=CONFIG,
    )
    results = check_broker(request)["results"]
    assert by_check(results, "latency")[0]["status"] == "pass"  # the probe queue was made
    after = wait_for(
        lambda: (s := snapshot_vhost(broker["management"], rabbitmq_url, VHOST)) == before and s,
        timeout=5,
    )
    assert after == before
    assert before["queues"][0][:2] == ("hlc_backlog", "classic")

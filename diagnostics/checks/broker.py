"""Broker-wide checks: management API, resource alarms, consumer timeout, latency."""

from __future__ import annotations

from diagnostics.checks.connection import CONNECTION_ENTRY
from diagnostics.checks.results import ERROR, FAIL, PASS, SKIPPED, CheckResult, judgement_results
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.facts import BrokerFact
from diagnostics.probes.amqp import ProbeFailure, close_quietly, measure_round_trip, open_connection
from diagnostics.probes.management import ManagementClient, ManagementError
from diagnostics.rules.timeouts import judge_consumer_timeout

ALARM_ENTRY = "broker-resource-alarm"
CONSUMER_TIMEOUT_TITLE = "Consumer timeout vs ETA and acks_late"
NO_MANAGEMENT = "no management API URL given"


def check_management(ctx: RunContext, emit: Emitter) -> None:
    """Reach the management API (GET /api/overview) and confirm the vhost exists."""
    title = "Management API"
    target = ctx.plan.management
    if target is None:
        emit(
            CheckResult(
                "management",
                title,
                SKIPPED,
                f"{NO_MANAGEMENT}: queue types, arguments, alarms and exchange bindings "
                "cannot be read over AMQP (pass --management-url)",
            )
        )
        return
    resolution = ctx.plan.resolution(target.host, target.port)
    evidence = {"url": target.masked, "addresses": resolution.addresses}
    if resolution.error:
        emit(CheckResult("management", title, ERROR, resolution.error, evidence=evidence))
        return
    client = ManagementClient(
        target, resolution.addresses[0], timeout=ctx.step_timeout(3.0), tls=ctx.plan.request.tls
    )
    try:
        overview = client.overview()
        vhost_ok = client.vhost_exists(ctx.plan.vhost)
    except ManagementError as exc:
        client.close()
        entry = "broker-access-refused" if exc.kind == "unauthorized" else None
        emit(
            CheckResult(
                "management",
                title,
                ERROR,
                exc.detail,
                entry=entry,
                evidence={**evidence, "failure": exc.kind},
            )
        )
        return
    ctx.management = client
    evidence.update(
        rabbitmq_version=overview.get("rabbitmq_version"),
        erlang_version=overview.get("erlang_version"),
        cluster_name=overview.get("cluster_name"),
        vhost=ctx.plan.vhost,
    )
    if not vhost_ok:
        ctx.cache["vhost_missing"] = True
        emit(
            CheckResult(
                "management",
                title,
                FAIL,
                f"vhost {ctx.plan.vhost!r} does not exist on this broker; connections to "
                "it fail with NOT_ALLOWED",
                entry="broker-access-refused",
                evidence=evidence,
            )
        )
        return
    emit(
        CheckResult(
            "management",
            title,
            PASS,
            f"RabbitMQ {evidence['rabbitmq_version']} (Erlang "
            f"{evidence['erlang_version']}), vhost {ctx.plan.vhost!r} exists",
            evidence=evidence,
        )
    )


def check_alarms(ctx: RunContext, emit: Emitter) -> None:
    """Memory and disk alarms block every publisher in the cluster."""
    title = "Memory and disk alarms"
    if ctx.management is None:
        emit(
            CheckResult(
                "resource-alarms",
                title,
                SKIPPED,
                "needs the management API; the round-trip check still notices a "
                "publisher blocked by an alarm (connection.blocked)",
            )
        )
        return
    alarms = ctx.management.alarms()
    if not alarms:
        emit(
            CheckResult(
                "resource-alarms",
                title,
                PASS,
                "no memory or disk alarm in effect (GET /api/health/checks/alarms)",
            )
        )
        return
    described = ", ".join(f"{a.get('resource')} on {a.get('node')}" for a in alarms)
    emit(
        CheckResult(
            "resource-alarms",
            title,
            FAIL,
            f"alarm in effect: {described}; RabbitMQ blocks every publishing connection "
            "until it clears, so task submissions hang",
            entry=ALARM_ENTRY,
            evidence={"alarms": alarms},
        )
    )


def check_consumer_timeout(ctx: RunContext, emit: Emitter) -> None:
    """countdown/ETA and acks_late vs the broker's consumer_timeout (not readable remotely).

    The judgement is the paste rules' own (diagnostics.rules.timeouts); the
    timeout is the one the user gave, else RabbitMQ's default, marked assumed.
    """
    broker = BrokerFact(kind="rabbitmq", consumer_timeout_ms=ctx.plan.request.consumer_timeout_ms)
    judgement = judge_consumer_timeout(ctx.plan.expectations.config, broker)
    for result in judgement_results("consumer-timeout", CONSUMER_TIMEOUT_TITLE, judgement):
        emit(result)


def check_round_trip(ctx: RunContext, emit: Emitter) -> None:
    """Publish and consume one message through our own exclusive auto-delete queue."""
    title = "Round-trip latency"
    if ctx.endpoint is None:
        emit(CheckResult("latency", title, SKIPPED, "no node answered the handshake"))
        return
    timeout = ctx.step_timeout(3.0)
    try:
        connection = open_connection(
            ctx.endpoint, ctx.address, timeout=timeout, tls=ctx.plan.request.tls
        )
    except ProbeFailure as exc:
        emit(CheckResult("latency", title, ERROR, exc.detail, entry=CONNECTION_ENTRY))
        return
    trip = None
    try:
        trip = measure_round_trip(connection, timeout=timeout)
    finally:
        close_quietly(connection, graceful=bool(trip and trip.latency_ms is not None))
    if trip.latency_ms is not None:
        emit(
            CheckResult(
                "latency",
                title,
                PASS,
                f"one message published and consumed in {trip.latency_ms:g} ms",
                evidence={"latency_ms": trip.latency_ms},
            )
        )
    elif trip.blocked_reason:
        emit(
            CheckResult(
                "latency",
                title,
                FAIL,
                f"the broker blocked our publisher (connection.blocked: "
                f"{trip.blocked_reason}): a resource alarm is in effect",
                entry=ALARM_ENTRY,
                evidence={"blocked": trip.blocked_reason},
            )
        )
    else:
        emit(
            CheckResult(
                "latency",
                title,
                ERROR,
                f"the message did not come back within {timeout:.1f} s",
                evidence={"timeout_s": round(timeout, 2)},
            )
        )

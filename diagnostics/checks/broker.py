"""Broker-wide checks: management API, resource alarms, consumer timeout, latency."""

from __future__ import annotations

from diagnostics.checks.connection import CONNECTION_ENTRY
from diagnostics.checks.rabbitmq4 import broker_version
from diagnostics.checks.results import ERROR, FAIL, PASS, SKIPPED, CheckResult, judgement_results
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.facts import BrokerFact
from diagnostics.probes.amqp import ProbeFailure, close_quietly, measure_round_trip, open_connection
from diagnostics.probes.management import ManagementClient, ManagementError
from diagnostics.rules.timeouts import judge_consumer_timeout

ALARM_ENTRY = "broker-resource-alarm"
CONSUMER_TIMEOUT_TITLE = "Consumer timeout vs ETA and acks_late"


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
                outcome="management.skip.no-url",
            )
        )
        return
    resolution = ctx.plan.resolution(target.host, target.port)
    evidence = {"url": target.masked, "addresses": resolution.addresses}
    if resolution.error:
        emit(
            CheckResult(
                "management",
                title,
                ERROR,
                resolution.error,
                outcome="probe.dns",
                evidence={**evidence, "error": resolution.error},
            )
        )
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
                outcome=exc.outcome,
                evidence={**exc.evidence, **evidence, "failure": exc.kind},
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
                entry="broker-access-refused",
                outcome="management.vhost-missing",
                evidence=evidence,
            )
        )
        return
    emit(
        CheckResult(
            "management",
            title,
            PASS,
            outcome="management.pass",
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
                outcome="resource-alarms.skip.no-management",
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
                outcome="resource-alarms.pass",
            )
        )
        return
    described = [f"{a.get('resource')} @ {a.get('node')}" for a in alarms]
    emit(
        CheckResult(
            "resource-alarms",
            title,
            FAIL,
            entry=ALARM_ENTRY,
            outcome="resource-alarms.in-effect",
            evidence={"alarms": alarms, "described": described},
        )
    )


def check_consumer_timeout(ctx: RunContext, emit: Emitter) -> None:
    """countdown/ETA and acks_late vs the broker's consumer_timeout (not readable remotely).

    The judgement is the paste rules' own (diagnostics.rules.timeouts); the
    timeout is the one the user gave, else RabbitMQ's default, marked assumed.
    """
    # the version decides whether classic queues time out at all (not from RabbitMQ 4.3)
    version = broker_version(None, ctx.amqp)[0] or broker_version(ctx.management, None)[0]
    broker = BrokerFact(
        kind="rabbitmq", consumer_timeout_ms=ctx.plan.request.consumer_timeout_ms, version=version
    )
    judgement = judge_consumer_timeout(ctx.plan.expectations.config, broker)
    for result in judgement_results("consumer-timeout", CONSUMER_TIMEOUT_TITLE, judgement):
        emit(result)


def check_round_trip(ctx: RunContext, emit: Emitter) -> None:
    """Publish and consume one message through our own exclusive auto-delete queue."""
    title = "Round-trip latency"
    if ctx.endpoint is None:
        emit(CheckResult("latency", title, SKIPPED, outcome="latency.skip.no-node"))
        return
    timeout = ctx.step_timeout(3.0)
    try:
        connection = open_connection(
            ctx.endpoint, ctx.address, timeout=timeout, tls=ctx.plan.request.tls
        )
    except ProbeFailure as exc:
        emit(
            CheckResult(
                "latency",
                title,
                ERROR,
                exc.detail,
                entry=CONNECTION_ENTRY,
                outcome=exc.outcome,
                evidence=exc.evidence,
            )
        )
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
                outcome="latency.pass",
                evidence={"latency_ms": trip.latency_ms},
            )
        )
    elif trip.blocked_reason:
        emit(
            CheckResult(
                "latency",
                title,
                FAIL,
                entry=ALARM_ENTRY,
                outcome="latency.blocked",
                evidence={"blocked": trip.blocked_reason},
            )
        )
    else:
        emit(
            CheckResult(
                "latency",
                title,
                ERROR,
                outcome="latency.timeout",
                evidence={"timeout_s": round(timeout, 1)},
            )
        )

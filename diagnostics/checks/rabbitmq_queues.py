"""Per-queue checks and the fanout/shared-queue check (RabbitMQ).

The broker's side of each comparison is a `QueueDecl(source="broker")` built
from `GET /api/queues/{vhost}/{name}` and handed to the same
`compare_queue` rule the paste diagnostics use for a topology-operator CR.
With AMQP alone a passive declare tells existence, ready messages and
consumers, nothing about type or arguments, and the results say so.
"""

from __future__ import annotations

from typing import Any

from diagnostics.checks.results import FAIL, PASS, SKIPPED, WARN, CheckResult, finding_result
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.facts import BrokerFact, QueueDecl
from diagnostics.probes.amqp import inspect_queue
from diagnostics.rules.queue_declarations import (
    NO_CONSUMER_ENTRY,
    NOT_FOUND_ENTRY,
    compare_queue,
    judge_fanout_binding,
    judge_priority,
)


def broker_queue_decl(info: dict[str, Any], vhost: str) -> QueueDecl:
    """The broker's queue as a QueueDecl (management API fields)."""
    return QueueDecl(
        name=info["name"],
        source="broker",
        arguments=dict(info.get("arguments") or {}),
        queue_type=info.get("type"),
        durable=info.get("durable"),
        auto_delete=info.get("auto_delete"),
        exclusive=info.get("exclusive"),
        vhost=vhost,
    )


def app_queue_decl(ctx: RunContext, name: str) -> QueueDecl | None:
    """How the app would declare `name`: task_queues, else a plain Queue(name) from -Q/routes."""
    expectations = ctx.plan.expectations
    if name in expectations.declared:
        return expectations.declared[name]
    config = expectations.config
    if config and name in expectations.queue_names() and name not in expectations.operator:
        # -Q name or a route to an undeclared queue: Celery declares a plain classic queue.
        return QueueDecl(name=name, source="command-line", vhost=ctx.plan.vhost)
    return None


def check_queues(ctx: RunContext, emit: Emitter) -> None:
    """Existence, counts, declaration vs broker, backlog, DLX and priority for each queue."""
    names = ctx.plan.queue_names()
    if not names:
        emit(
            CheckResult(
                "queues",
                "Queues",
                SKIPPED,
                outcome="queues.skip.nothing-named",
            )
        )
        return
    for name in names:
        if ctx.vhost_api is not None:
            _check_queue_management(ctx, emit, name)
        elif ctx.amqp is not None:
            _check_queue_amqp(ctx, emit, name)
        else:
            emit(
                CheckResult(
                    "queue",
                    f"Queue '{name}'",
                    SKIPPED,
                    outcome="queue.skip.no-connection",
                    evidence={"queue": name},
                )
            )


def _missing_result(ctx: RunContext, name: str, app: QueueDecl | None) -> CheckResult:
    title, evidence = f"Queue '{name}'", {"queue": name, "vhost": ctx.plan.vhost}
    create_missing = ctx.plan.expectations.setting("task_create_missing_queues", True)
    if app is not None and not app.no_declare and (app.source != "command-line" or create_missing):
        return CheckResult(
            "queue",
            title,
            PASS,
            outcome="queue.declared-at-start",
            evidence={**evidence, "app_source": app.source},
        )
    if app is None and not ctx.plan.expectations.given:
        # No config: a Celery worker declares the queues it consumes (the default), so a
        # missing queue only says nothing has declared it yet; a 404 needs no_declare.
        return CheckResult(
            "queue",
            title,
            WARN,
            entry=NOT_FOUND_ENTRY,
            outcome="queue.missing.no-config",
            evidence=evidence,
        )
    return CheckResult(
        "queue",
        title,
        FAIL,
        entry=NOT_FOUND_ENTRY,
        outcome="queue.missing.no-declare" if app is not None else "queue.missing.undeclared",
        evidence=evidence,
    )


def _check_queue_amqp(ctx: RunContext, emit: Emitter, name: str) -> None:
    count = inspect_queue(ctx.amqp, name)
    app = app_queue_decl(ctx, name)
    if count is None:
        emit(_missing_result(ctx, name, app))
        return
    emit(
        CheckResult(
            "queue",
            f"Queue '{name}'",
            PASS,
            outcome="queue.exists.amqp",
            evidence={
                "queue": name,
                "messages_ready": count.messages_ready,
                "consumers": count.consumers,
                "source": "amqp-passive-declare",
            },
        )
    )
    _emit_backlog(emit, name, count.messages_ready, count.consumers)


def _check_queue_management(ctx: RunContext, emit: Emitter, name: str) -> None:
    info = ctx.vhost_api.queue(ctx.plan.vhost, name)
    app = app_queue_decl(ctx, name)
    if info is None:
        emit(_missing_result(ctx, name, app))
        return
    broker = broker_queue_decl(info, ctx.plan.vhost)
    ready, consumers = info.get("messages_ready"), info.get("consumers")
    emit(
        CheckResult(
            "queue",
            f"Queue '{name}'",
            PASS,
            # the management API adds counters about 5 s after a queue is created
            outcome="queue.exists" if isinstance(ready, int) else "queue.exists.counters-pending",
            evidence={
                "queue": name,
                "type": broker.queue_type or "classic",
                "arguments": broker.arguments,
                "durable": broker.durable,
                "messages_ready": ready,
                "consumers": consumers,
                "messages_unacknowledged": info.get("messages_unacknowledged"),
            },
        )
    )
    for declared in (app, ctx.plan.expectations.operator.get(name)):
        if declared is not None:
            _emit_comparison(emit, declared, broker)
    if isinstance(ready, int) and isinstance(consumers, int):
        _emit_backlog(emit, name, ready, consumers)
    _emit_dead_letter(ctx, emit, broker)
    _emit_priority(ctx, emit, broker)


def _emit_comparison(emit: Emitter, app: QueueDecl, broker: QueueDecl) -> None:
    title = f"Queue '{app.name}': {app.source} declaration vs broker"
    findings = compare_queue(app, broker)
    for finding in findings:
        emit(finding_result("queue-arguments", title, finding))
    if not findings:
        emit(
            CheckResult(
                "queue-arguments",
                title,
                PASS,
                outcome="queue-arguments.pass",
                evidence={"queue": app.name, "app_source": app.source},
            )
        )


def _emit_backlog(emit: Emitter, name: str, ready: int, consumers: int) -> None:
    if ready > 0 and consumers == 0:
        emit(
            CheckResult(
                "queue-backlog",
                f"Queue '{name}': consumers",
                WARN,
                outcome="queue-backlog.no-consumer",
                evidence={"queue": name, "messages_ready": ready, "consumers": 0},
                entry=NO_CONSUMER_ENTRY,
            )
        )


def _exchange_names(ctx: RunContext) -> set[str]:
    if "exchanges" not in ctx.cache:
        ctx.cache["exchanges"] = ctx.vhost_api.exchanges(ctx.plan.vhost)
    return {exchange["name"] for exchange in ctx.cache["exchanges"]}


def _emit_dead_letter(ctx: RunContext, emit: Emitter, broker: QueueDecl) -> None:
    dlx = broker.arguments.get("x-dead-letter-exchange")
    if not isinstance(dlx, str) or dlx == "":
        return
    title = f"Queue '{broker.name}': dead-letter exchange"
    evidence = {"queue": broker.name, "dead_letter_exchange": dlx, "vhost": ctx.plan.vhost}
    exists = dlx in _exchange_names(ctx)
    emit(
        CheckResult(
            "dead-letter-exchange",
            title,
            PASS if exists else FAIL,
            outcome="dead-letter-exchange.pass" if exists else "dead-letter-exchange.missing",
            evidence=evidence,
        )
    )


def _emit_priority(ctx: RunContext, emit: Emitter, broker: QueueDecl) -> None:
    app = app_queue_decl(ctx, broker.name)
    judgement = judge_priority(
        ctx.plan.expectations.config, app, broker, BrokerFact(kind="rabbitmq")
    )
    for finding in judgement.findings:
        emit(finding_result("priority", f"Queue '{broker.name}': priorities", finding))


def check_fanout_shared_queues(ctx: RunContext, emit: Emitter) -> None:
    """Fanout exchanges bound to one named queue that several consumers share."""
    title = "Fanout exchanges"
    if ctx.vhost_api is None:
        emit(
            CheckResult(
                "fanout-shared-queue",
                title,
                SKIPPED,
                outcome="fanout-shared-queue.skip.no-management",
            )
        )
        return
    fanouts = {
        e["name"]
        for e in ctx.cache.get("exchanges") or ctx.vhost_api.exchanges(ctx.plan.vhost)
        if e.get("type") == "fanout" and e["name"] and not e["name"].startswith("amq.")
    }
    queues = {q["name"]: q for q in ctx.vhost_api.queues(ctx.plan.vhost)}
    shared = []
    for binding in ctx.vhost_api.bindings(ctx.plan.vhost):
        info = queues.get(binding.get("destination"))
        if binding.get("source") not in fanouts or binding.get("destination_type") != "queue":
            continue
        if info is None:
            continue
        queue = broker_queue_decl(info, ctx.plan.vhost)
        judgement = judge_fanout_binding(queue, binding["source"], info.get("consumers") or 0)
        shared.extend(judgement.findings)
    for finding in shared:
        emit(
            finding_result(
                "fanout-shared-queue", f"Fanout '{finding.evidence['exchange']}'", finding
            )
        )
    if not shared:
        emit(
            CheckResult(
                "fanout-shared-queue",
                title,
                PASS,
                outcome="fanout-shared-queue.pass",
                evidence={"fanout_exchanges": sorted(fanouts)[:50], "count": len(fanouts)},
            )
        )

"""Compare a queue as the app declares it with the queue as the broker has it.

One rule for two fact sources: the broker side is either a pasted RabbitMQ
topology-operator `Queue` CR or the live management API; the app side is a
Celery `task_queues` entry, a `-Q` name or a kombu `Queue(...)`.

RabbitMQ answers a declaration whose arguments differ from the existing queue
with a channel error naming the first mismatching argument, e.g.

    PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'qq' in vhost '/':
    received none but current is the value 'quorum' of type 'longstr'

and a consumer that does not declare (no_declare=True) but asks for global
QoS on a quorum queue gets 540 NOT_IMPLEMENTED instead. The finding quotes
the exact text the worker would get so users can match it to their logs.
"""

from __future__ import annotations

from typing import Any

from diagnostics.facts import BrokerFact, CeleryConfigFact, Finding, Judgement, QueueDecl
from diagnostics.rules.base import RuleSpec

ARGS_ENTRY = "queue-arguments-mismatch"
QOS_ENTRY = "quorum-queue-global-qos"
NOT_FOUND_ENTRY = "queue-not-found"
NO_CONSUMER_ENTRY = "queue-without-consumer"
# Entries a diagnosis naming a queue may confirm with the live queue check (?queue=...).
LINKED_FROM_DIAGNOSIS = (ARGS_ENTRY, QOS_ENTRY, NOT_FOUND_ENTRY, NO_CONSUMER_ENTRY)
PRIORITY_ENTRY = "priority-not-applied"
FANOUT_ENTRY = "fanout-shared-queue"
_COMPARED = ("queue", "vhost", "current", "app_source", "broker_source", "error")
QUEUE_ARGUMENT_DIFFERS = RuleSpec(
    "queue-argument-differs", ARGS_ENTRY, (*_COMPARED, "argument", "received")
)
QUORUM_CONSUMED_WITHOUT_DECLARE = RuleSpec("quorum-consumed-without-declare", QOS_ENTRY, _COMPARED)
PRIORITY_WITHOUT_MAX_PRIORITY = RuleSpec(
    "priority-without-max-priority", PRIORITY_ENTRY, ("queue", "lines")
)
FIXED_QUEUE_ON_FANOUT = RuleSpec(
    "fixed-queue-on-fanout", FANOUT_ENTRY, ("queue", "exchange", "consumers")
)
SPECS = (
    QUEUE_ARGUMENT_DIFFERS,
    QUORUM_CONSUMED_WITHOUT_DECLARE,
    PRIORITY_WITHOUT_MAX_PRIORITY,
    FIXED_QUEUE_ON_FANOUT,
)
# Names the server (amq.gen-...) or the parser ("(generated)") made up: one per consumer.
GENERATED_NAMES = ("amq.gen-", "(generated)")

# Arguments RabbitMQ compares on redeclaration; unknown x- arguments are not compared.
COMPARED_ARGUMENTS = (
    "x-queue-type",
    "x-max-priority",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-message-ttl",
    "x-expires",
    "x-max-length",
    "x-max-length-bytes",
    "x-overflow",
    "x-single-active-consumer",
    "x-queue-mode",
    "x-delivery-limit",
    "x-quorum-initial-group-size",
    "x-max-age",
)


def compare_queue(app: QueueDecl, broker: QueueDecl) -> list[Finding]:
    """Findings for `app` declaring or consuming `broker`'s queue (same name assumed).

    Returns [] when the declaration would succeed. When the app does not
    declare (`no_declare`), no 406 can happen; the quorum/global-QoS clash can.
    """
    broker_type = broker.effective_type()
    app_type = app.effective_type()
    if app.no_declare:
        if broker_type == "quorum" and app_type != "quorum":
            return [_global_qos_finding(app, broker)]
        return []
    findings: list[Finding] = []
    for name, received, current in _differences(app, broker):
        findings.append(_mismatch_finding(app, broker, name, received, current))
    return findings


def queue_type_arguments(decl: QueueDecl) -> dict[str, Any]:
    """The arguments as the broker compares them, with the queue type folded in."""
    arguments = {k: v for k, v in decl.arguments.items() if k in COMPARED_ARGUMENTS}
    if decl.queue_type and "x-queue-type" not in arguments:
        arguments["x-queue-type"] = decl.queue_type
    return arguments


def _differences(app: QueueDecl, broker: QueueDecl) -> list[tuple[str, Any, Any]]:
    app_args, broker_args = queue_type_arguments(app), queue_type_arguments(broker)
    out: list[tuple[str, Any, Any]] = []
    for name in COMPARED_ARGUMENTS:
        received, current = app_args.get(name), broker_args.get(name)
        if name == "x-queue-type":
            # An undeclared type means classic; classic on either side is not a mismatch.
            if (received or "classic") == (current or "classic"):
                continue
        elif _same(received, current):
            continue
        out.append((name, received, current))
    for flag in ("durable", "auto_delete"):
        received, current = getattr(app, flag), getattr(broker, flag)
        if received is not None and current is not None and received != current:
            out.append((flag, received, current))
    return out


def _same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return str(left).lower() == str(right).lower()


def _amqp_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "signedint" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double"
    return "longstr"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def format_inequivalent(name: str, queue: str, vhost: str, received: Any, current: Any) -> str:
    """The 406 text RabbitMQ sends for one mismatching argument or flag."""
    head = f"PRECONDITION_FAILED - inequivalent arg '{name}' for queue '{queue}' in vhost '{vhost}'"
    if name in ("durable", "auto_delete", "exclusive"):
        return f"{head}: received '{_describe(received)}' but current is '{_describe(current)}'"
    if received is None:
        tail = f"received none but current is the value '{_describe(current)}' of type "
        return f"{head}: {tail}'{_amqp_type(current)}'"
    if current is None:
        tail = f"received the value '{_describe(received)}' of type '{_amqp_type(received)}'"
        return f"{head}: {tail} but current is none"
    return f"{head}: received '{_describe(received)}' but current is '{_describe(current)}'"


def _vhost(app: QueueDecl, broker: QueueDecl) -> str:
    return broker.vhost or app.vhost or "/"


def _mismatch_finding(
    app: QueueDecl, broker: QueueDecl, name: str, received: Any, current: Any
) -> Finding:
    vhost = _vhost(app, broker)
    return QUEUE_ARGUMENT_DIFFERS.finding(
        "error",
        app.line if app.line is not None else broker.line,
        queue=app.name,
        vhost=vhost,
        argument=name,
        received=_describe(received) if received is not None else "none",
        current=_describe(current) if current is not None else "none",
        app_source=app.source,
        broker_source=broker.source,
        error=format_inequivalent(name, app.name, vhost, received, current),
    )


def _global_qos_finding(app: QueueDecl, broker: QueueDecl) -> Finding:
    vhost = _vhost(app, broker)
    text = f"NOT_IMPLEMENTED - queue '{app.name}' in vhost '{vhost}' does not support global qos"
    return QUORUM_CONSUMED_WITHOUT_DECLARE.finding(
        "error",
        app.line if app.line is not None else broker.line,
        queue=app.name,
        vhost=vhost,
        current="quorum",
        app_source=app.source,
        broker_source=broker.source,
        error=text,
    )


def judge_priority(
    config: CeleryConfigFact | None,
    app: QueueDecl | None,
    on_broker: QueueDecl | None,
    broker: BrokerFact,
) -> Judgement:
    """Tasks sent with a priority to a queue without x-max-priority: RabbitMQ ignores it.

    Either side declaring x-max-priority settles it (if only the app does and the
    broker's queue lacks it, `compare_queue` reports the 406 instead), and so does
    `task_queue_max_priority`, which Celery adds to every queue it declares. On
    Redis, kombu emulates priorities with sub-lists: not this rule's business.
    """
    subject = on_broker or app
    judgement = Judgement("priority", compared={"queue": subject.name if subject else None})
    if broker.kind == "redis":
        judgement.skip = "redis-broker"
    elif config is None:
        judgement.skip = "no-config"
    elif not config.priority_used:
        judgement.skip = "no-priority"
    if judgement.skip or subject is None or config.settings.get("task_queue_max_priority"):
        return judgement
    if any(q is not None and "x-max-priority" in q.arguments for q in (app, on_broker)):
        return judgement
    line = config.priority_lines[0] if config.priority_lines else subject.line
    judgement.findings.append(
        PRIORITY_WITHOUT_MAX_PRIORITY.finding(
            "warning", line, queue=subject.name, lines=list(config.priority_lines)
        )
    )
    return judgement


def judge_fanout_binding(queue: QueueDecl, exchange: str, consumers: int | None) -> Judgement:
    """A fixed, shared queue bound to a fanout exchange: each message reaches one consumer.

    `consumers` is None when unknown (a paste: the app's workers will share it);
    a live broker tells it, and fewer than two consumers share nothing yet.
    """
    judgement = Judgement(
        "fanout-shared-queue",
        compared={"queue": queue.name, "exchange": exchange, "consumers": consumers},
    )
    if queue.exclusive or queue.name.startswith(GENERATED_NAMES):
        return judgement
    if consumers is not None and consumers < 2:
        return judgement
    judgement.findings.append(
        FIXED_QUEUE_ON_FANOUT.finding(
            "warning", queue.line, queue=queue.name, exchange=exchange, consumers=consumers
        )
    )
    return judgement

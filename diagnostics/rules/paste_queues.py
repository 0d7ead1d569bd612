"""Queue rules over a paste: Celery's queues against CRs, fanout sharing, priorities.

Sample paste these rules read (settings plus a topology-operator CR):

    task_queues = [Queue("scan.vision", no_declare=True)]
    ---
    apiVersion: rabbitmq.com/v1beta1
    kind: Queue
    spec: {name: scan.vision, type: quorum}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diagnostics.facts import CeleryConfigFact, Finding, QueueDecl
from diagnostics.rules.queues import compare_queue

if TYPE_CHECKING:
    from diagnostics.parsers import ParsedPaste


def check(parsed: ParsedPaste) -> list[Finding]:
    config = parsed.config
    findings: list[Finding] = []
    if config is not None:
        findings.extend(check_against_broker(config, parsed.queues))
        findings.extend(check_fanout(config))
        findings.extend(check_priority(config, parsed.queues))
    findings.extend(check_cr_fanout(parsed))
    return findings


def app_queues(config: CeleryConfigFact) -> list[QueueDecl]:
    """Queues the app declares, plus `-Q` names it would auto-create as plain classic queues."""
    declared = list(config.queues)
    names = {q.name for q in declared}
    for name in config.worker_queues:
        if name not in names and config.settings.get("task_create_missing_queues") is not False:
            declared.append(QueueDecl(name=name, source="command-line", durable=True))
    return declared


def check_against_broker(config: CeleryConfigFact, broker: list[QueueDecl]) -> list[Finding]:
    by_name = {q.name: q for q in broker}
    findings: list[Finding] = []
    for app in app_queues(config):
        if app.name in by_name:
            findings.extend(compare_queue(app, by_name[app.name]))
    return findings


def check_fanout(config: CeleryConfigFact) -> list[Finding]:
    findings: list[Finding] = []
    for queue in config.queues:
        if queue.exchange_type != "fanout" or queue.name == "(generated)" or queue.exclusive:
            continue
        findings.append(_fanout_finding(queue.name, queue.exchange or "", queue.line))
    return findings


def check_cr_fanout(parsed: ParsedPaste) -> list[Finding]:
    fanouts = {e["name"] for e in parsed.exchanges if e.get("type") == "fanout"}
    return [
        _fanout_finding(str(b["destination"]), str(b["source"]), b["line"])
        for b in parsed.bindings
        if b.get("source") in fanouts and b.get("destination_type", "queue") == "queue"
    ]


def _fanout_finding(queue: str, exchange: str, line: int | None) -> Finding:
    return Finding(
        rule="fixed-queue-on-fanout",
        entry="fanout-shared-queue",
        severity="warning",
        message=(
            f"Queue '{queue}' has a fixed name and is bound to the fanout exchange "
            f"'{exchange}': every worker consuming it shares that one queue, so each message "
            f"reaches only one of them instead of all"
        ),
        line=line,
        evidence={"queue": queue, "exchange": exchange},
    )


def check_priority(config: CeleryConfigFact, broker: list[QueueDecl]) -> list[Finding]:
    if not config.priority_used or is_redis(config):
        return []
    if config.settings.get("task_queue_max_priority"):
        return []
    queues = list(config.queues) or [
        QueueDecl(
            name=str(config.settings.get("task_default_queue") or "celery"), source="celery-config"
        )
    ]
    by_name = {q.name: q for q in broker}
    for queue in queues:
        broker_queue = by_name.get(queue.name)
        if "x-max-priority" in queue.arguments or (
            broker_queue is not None and "x-max-priority" in broker_queue.arguments
        ):
            continue
        line = config.priority_lines[0] if config.priority_lines else queue.line
        return [
            Finding(
                rule="priority-without-max-priority",
                entry="priority-not-applied",
                severity="warning",
                message=(
                    f"Tasks are sent with a priority but queue '{queue.name}' has no "
                    f"x-max-priority argument, so RabbitMQ ignores the priority"
                ),
                line=line,
                evidence={"queue": queue.name},
            )
        ]
    return []


def is_redis(config: CeleryConfigFact) -> bool:
    url = config.broker_url or ""
    return url.startswith(("redis://", "rediss://", "redis+socket://", "sentinel://"))

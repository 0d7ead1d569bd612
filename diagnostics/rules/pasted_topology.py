"""Queue rules over a paste: Celery's queues against CRs, fanout sharing, priorities.

Sample paste these rules read (settings plus a topology-operator CR):

    task_queues = [Queue("scan.vision", no_declare=True)]
    ---
    apiVersion: rabbitmq.com/v1beta1
    kind: Queue
    spec: {name: scan.vision, type: quorum}
"""

from __future__ import annotations

from diagnostics.facts import BrokerFact, CeleryConfigFact, Finding, QueueDecl, broker_kind
from diagnostics.parsers import ParsedPaste
from diagnostics.rules.queue_declarations import compare_queue, judge_fanout_binding, judge_priority

SPECS = ()  # the judgements used here are shared: diagnostics.rules.queue_declarations declares them


def judge(parsed: ParsedPaste) -> list[Finding]:
    config = parsed.config
    findings: list[Finding] = []
    if config is not None:
        findings.extend(judge_against_broker(config, parsed.queues))
        findings.extend(judge_fanout(config))
        findings.extend(judge_priorities(config, parsed.queues, parsed.broker))
    findings.extend(judge_cr_fanout(parsed))
    return findings


def app_queues(config: CeleryConfigFact) -> list[QueueDecl]:
    """Queues the app declares, plus `-Q` names it would auto-create as plain classic queues."""
    declared = list(config.queues)
    names = {q.name for q in declared}
    for name in config.worker_queues:
        if name not in names and config.settings.get("task_create_missing_queues") is not False:
            declared.append(QueueDecl(name=name, source="command-line", durable=True))
    return declared


def judge_against_broker(config: CeleryConfigFact, broker: list[QueueDecl]) -> list[Finding]:
    by_name = {q.name: q for q in broker}
    findings: list[Finding] = []
    for app in app_queues(config):
        if app.name in by_name:
            findings.extend(compare_queue(app, by_name[app.name]))
    return findings


def judge_fanout(config: CeleryConfigFact) -> list[Finding]:
    findings: list[Finding] = []
    for queue in config.queues:
        if queue.exchange_type == "fanout":
            findings.extend(judge_fanout_binding(queue, queue.exchange or "", None).findings)
    return findings


def judge_cr_fanout(parsed: ParsedPaste) -> list[Finding]:
    fanouts = {e["name"] for e in parsed.exchanges if e.get("type") == "fanout"}
    findings: list[Finding] = []
    for binding in parsed.bindings:
        if binding.get("source") in fanouts and binding.get("destination_type", "queue") == "queue":
            queue = QueueDecl(
                name=str(binding["destination"]), source="topology-operator", line=binding["line"]
            )
            findings.extend(judge_fanout_binding(queue, str(binding["source"]), None).findings)
    return findings


def judge_priorities(
    config: CeleryConfigFact, on_broker: list[QueueDecl], broker: BrokerFact | None = None
) -> list[Finding]:
    """The first queue that gets priorities it ignores (one finding is enough)."""
    broker = broker or BrokerFact(kind=broker_kind(config.broker_url))
    queues = list(config.queues) or [
        QueueDecl(
            name=str(config.settings.get("task_default_queue") or "celery"), source="celery-config"
        )
    ]
    by_name = {q.name: q for q in on_broker}
    for queue in queues:
        findings = judge_priority(config, queue, by_name.get(queue.name), broker).findings
        if findings:
            return findings
    return []


def is_redis(config: CeleryConfigFact) -> bool:
    return broker_kind(config.broker_url) == "redis"

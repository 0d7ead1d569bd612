"""What RabbitMQ 4.x changed for Celery, checked on the live broker (RabbitMQ only).

The facts come from the broker: its version (GET /api/overview, else the AMQP
server properties), the vhost's queues with their flags and arguments
(GET /api/queues/{vhost}) and its policies (GET /api/policies/{vhost}); the
Celery and kombu versions and the config come from the pasted config text.
The judgements are the paste rules' own (diagnostics.rules.rabbitmq4), so a
pasted setup and the live broker get the same verdict. Before the release that
changed a behaviour the result is a PASS that says so, with what was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from diagnostics.checks.rabbitmq_queues import broker_queue_decl
from diagnostics.checks.results import PASS, SKIPPED, CheckResult, judgement_results
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.facts import (
    BrokerFact,
    CeleryConfigFact,
    Judgement,
    PolicyFact,
    QueueDecl,
    VersionsFact,
    version_tuple,
)
from diagnostics.rules.rabbitmq4 import (
    V4_0,
    V4_3,
    celery_declared_queues,
    judge_classic_consumer_timeout,
    judge_global_qos,
    judge_mirroring_policies,
    judge_queue_storage_args,
    judge_transient_queues,
)

QUEUE_COLUMNS = "name,durable,exclusive,auto_delete,arguments,type"
# check id -> (title, the release from which the judgement applies)
TITLES = {
    "transient-queues": ("Transient non-exclusive queues (RabbitMQ 4.3)", V4_3),
    "global-qos": ("Global QoS (RabbitMQ 4.x)", V4_0),
    "queue-storage-args": ("x-queue-version 1 / x-queue-mode (RabbitMQ 4.3)", V4_3),
    "mirroring-policies": ("Mirroring policies (RabbitMQ 4.0)", V4_0),
    "classic-consumer-timeout": ("consumer_timeout on classic queues (RabbitMQ 4.3)", V4_3),
}
NEEDS_MANAGEMENT = ("transient-queues", "queue-storage-args", "mirroring-policies")


@dataclass
class Rabbitmq4Facts:
    """Everything the RabbitMQ 4.x judgements look at, gathered from one broker and vhost."""

    versions: VersionsFact
    broker: BrokerFact
    config: CeleryConfigFact | None = None
    queues: list[QueueDecl] | None = None  # None: not readable (no management API)
    policies: list[PolicyFact] | None = None
    vhost: str = "/"
    extra: dict[str, Any] = field(default_factory=dict)


def broker_version(management: Any, amqp_connection: Any) -> tuple[str | None, str | None]:
    """(version, source): the management API's, else what the broker announced over AMQP."""
    if management is not None:
        version = management.overview().get("rabbitmq_version")
        if version:
            return str(version), "management-api"
    props = getattr(amqp_connection, "server_properties", None) or {}
    if props.get("product") == "RabbitMQ" and props.get("version"):
        return str(props["version"]), "amqp-server-properties"
    return None, None


def read_queues(management: Any, vhost: str) -> list[QueueDecl]:
    """The vhost's queues as `QueueDecl(source="broker")`, with flags and arguments."""
    return [
        broker_queue_decl(info, vhost) for info in management.queues(vhost, columns=QUEUE_COLUMNS)
    ]


def read_policies(management: Any, vhost: str) -> list[PolicyFact]:
    return [
        PolicyFact(
            name=str(info.get("name", "")),
            source="broker",
            pattern=str(info.get("pattern", "")),
            apply_to=str(info.get("apply-to") or "all"),
            definition=dict(info.get("definition") or {}),
            vhost=str(info.get("vhost") or vhost),
        )
        for info in management.policies(vhost)
    ]


def gather_facts(ctx: RunContext) -> Rabbitmq4Facts:
    """The broker's facts for this run, plus the client versions the config text states."""
    expectations = ctx.plan.expectations
    stated = expectations.versions or VersionsFact()
    version, source = broker_version(ctx.management, ctx.amqp)
    sources = dict(stated.sources)
    sources.pop("rabbitmq", None)
    if source:
        sources["rabbitmq"] = source
    versions = replace(stated, rabbitmq=version, sources=sources)
    broker = BrokerFact(
        kind="rabbitmq", consumer_timeout_ms=ctx.plan.request.consumer_timeout_ms, version=version
    )
    facts = Rabbitmq4Facts(versions, broker, expectations.config, vhost=ctx.plan.vhost)
    api = ctx.vhost_api
    if api is not None:
        facts.queues = read_queues(api, ctx.plan.vhost)
        facts.policies = read_policies(api, ctx.plan.vhost)
    return facts


def with_declared(observed: list[QueueDecl], declared: list[QueueDecl]) -> list[QueueDecl]:
    """The broker's queues plus what the app would declare that the broker does not have.

    A 4.3 broker never holds the queues it refuses, so what the pasted config
    (and its Celery version) would declare is judged beside what is there.
    """
    names = {queue.name for queue in observed}
    return [*observed, *(queue for queue in declared if queue.name not in names)]


def judge_facts(facts: Rabbitmq4Facts) -> dict[str, Judgement | None]:
    """Each RabbitMQ 4.x judgement over the live facts (None: its facts were not readable)."""
    queues = facts.queues
    if queues is not None and (facts.config is not None or facts.versions.celery):
        declared = celery_declared_queues(facts.config, facts.versions)
        queues = with_declared(queues, declared)
    classic_subjects = facts.queues if facts.queues is not None else []
    if facts.config is not None:
        classic_subjects = with_declared(classic_subjects, facts.config.queues)
    return {
        "transient-queues": None
        if queues is None
        else judge_transient_queues(facts.versions, queues),
        "global-qos": judge_global_qos(facts.versions, facts.config),
        "queue-storage-args": None
        if queues is None
        else judge_queue_storage_args(facts.versions, queues),
        "mirroring-policies": None
        if facts.policies is None
        else judge_mirroring_policies(facts.versions, facts.policies),
        "classic-consumer-timeout": judge_classic_consumer_timeout(
            facts.versions, facts.broker, classic_subjects, facts.config
        ),
    }


def facts_results(facts: Rabbitmq4Facts) -> list[CheckResult]:
    """The results of every judgement; a PASS before the changing release says so."""
    results: list[CheckResult] = []
    version = version_tuple(facts.versions.rabbitmq)
    for check, judgement in judge_facts(facts).items():
        title, since = TITLES[check]
        if judgement is None:
            results.append(
                CheckResult(check, title, SKIPPED, outcome="rabbitmq4.skip.no-management")
            )
            continue
        if not judgement.skip and not judgement.findings and version and version < since:
            outcome = f"{check}.before-{since[0]}-{since[1]}"
            evidence = dict(judgement.compared)
            results.append(CheckResult(check, title, PASS, outcome=outcome, evidence=evidence))
            continue
        results.extend(judgement_results(check, title, judgement))
    return results


def check_rabbitmq4(ctx: RunContext, emit: Emitter) -> None:
    """Transient queues, global QoS, storage arguments, mirroring, consumer_timeout vs 4.x."""
    for result in facts_results(gather_facts(ctx)):
        emit(result)

"""What RabbitMQ 4.x changed for Celery: one judgement per change, for pastes and live checks.

Each judgement takes the broker's version (a `VersionsFact`) and the objects it
concerns: queues (`QueueDecl`, from the management API or built from what the
pasted config and Celery version declare), policies (`PolicyFact`), the Celery
config. Without a broker version there is nothing to judge (`skip`); before the
release that changed the behaviour the judgement passes, with what it compared.

* `transient-queue-denied` (4.3.0): queues declared durable=False, exclusive=False
  are refused (deprecated feature `transient_nonexcl_queues`, denied by default).
  Celery < 5.7 declares its pidbox, reply and celeryev queues that way; Celery 5.6
  can be switched (control_queue_exclusive, event_queue_exclusive); 5.7 defaults to
  exclusive (Celery 5.7 requires kombu >= 5.7).
* `global-qos-rabbitmq-4`: kombu <= 5.6 asks for global QoS on every broker; 4.0-4.2
  honour it (deprecated), 4.3 answers qos_ok and applies it per consumer. kombu 5.7
  sends per-consumer QoS to 4.x: a static prefetch. Nothing fails outright, so no
  finding here is an error.
* `queue-storage-args-removed` (4.3.0): `x-queue-version: 1` is refused; `x-queue-mode`
  is refused per the release notes (the source reads as ignored).
* `mirrored-queues-removed` (4.0): `ha-*` policy keys are refused when set and
  replicate nothing when left over from 3.x.
* `delivery-ack-timeout` (4.3): classic queues never time out a delivery; from 4.3.2
  a classic queue declared with `x-consumer-timeout` is refused.

A queue or policy the broker already has was accepted by it (permitted by
configuration, or created before the upgrade): that is a warning; the same
object in the app's declarations fails when declared, an error.
"""

from __future__ import annotations

from typing import Any

from diagnostics.facts import (
    BrokerFact,
    CeleryConfigFact,
    Finding,
    Judgement,
    PolicyFact,
    QueueDecl,
    VersionsFact,
    version_tuple,
)
from diagnostics.parsers import ParsedPaste
from diagnostics.rules.base import RuleSpec

TRANSIENT_ENTRY = "transient-queue-denied"
GLOBAL_QOS_ENTRY = "global-qos-rabbitmq-4"
STORAGE_ENTRY = "queue-storage-args-removed"
MIRRORED_ENTRY = "mirrored-queues-removed"
ACK_ENTRY = "delivery-ack-timeout"
_SEEN = ("rabbitmq_version", "observed")

TRANSIENT_NONEXCLUSIVE_QUEUE = RuleSpec(
    "transient-nonexclusive-queue", TRANSIENT_ENTRY, ("queues", "count", *_SEEN)
)
GLOBAL_QOS_DOWNGRADED = RuleSpec(
    "global-qos-downgraded", GLOBAL_QOS_ENTRY, ("kombu_version", "rabbitmq_version")
)
GLOBAL_QOS_DEPRECATED = RuleSpec(
    "global-qos-deprecated", GLOBAL_QOS_ENTRY, ("kombu_version", "rabbitmq_version")
)
STATIC_PREFETCH_WITH_ETA = RuleSpec(
    "static-prefetch-with-eta",
    GLOBAL_QOS_ENTRY,
    ("kombu_version", "rabbitmq_version", "countdown_s"),
)
QUEUE_VERSION_1_REMOVED = RuleSpec(
    "queue-version-1-removed", STORAGE_ENTRY, ("queue", "value", *_SEEN)
)
QUEUE_MODE_REMOVED = RuleSpec("queue-mode-removed", STORAGE_ENTRY, ("queue", "value", *_SEEN))
HA_POLICY_WITHOUT_MIRRORING = RuleSpec(
    "ha-policy-without-mirroring", MIRRORED_ENTRY, ("policy", "keys", "vhost", *_SEEN)
)
CLASSIC_CONSUMER_TIMEOUT_ARGUMENT = RuleSpec(
    "classic-consumer-timeout-argument", ACK_ENTRY, ("queue", "value", *_SEEN)
)
CLASSIC_QUEUES_NEVER_TIME_OUT = RuleSpec(
    "classic-queues-never-time-out", ACK_ENTRY, ("timeout_ms", "queues", "rabbitmq_version")
)
SPECS = (
    TRANSIENT_NONEXCLUSIVE_QUEUE,
    GLOBAL_QOS_DOWNGRADED,
    GLOBAL_QOS_DEPRECATED,
    STATIC_PREFETCH_WITH_ETA,
    QUEUE_VERSION_1_REMOVED,
    QUEUE_MODE_REMOVED,
    HA_POLICY_WITHOUT_MIRRORING,
    CLASSIC_CONSUMER_TIMEOUT_ARGUMENT,
    CLASSIC_QUEUES_NEVER_TIME_OUT,
)

V4_0, V4_3, V4_3_2, V5_6, V5_7 = (4, 0, 0), (4, 3, 0), (4, 3, 2), (5, 6, 0), (5, 7, 0)
# Names Celery gives the queues it declares itself (shown for a pasted config).
PIDBOX_QUEUE = "<worker>.celery.pidbox"
REPLY_QUEUE = "<id>.reply.celery.pidbox"
EVENT_QUEUE = "celeryev.<uuid>"
RPC_QUEUE = "<client id> (rpc:// result backend)"


def _version(versions: VersionsFact | None, name: str) -> tuple[int, int, int] | None:
    return version_tuple(getattr(versions, name, None) if versions else None)


def _start(rule: str, versions: VersionsFact | None) -> Judgement:
    judgement = Judgement(rule)
    rabbitmq = versions.rabbitmq if versions else None
    judgement.compared["rabbitmq_version"] = rabbitmq
    if version_tuple(rabbitmq) is None:
        judgement.skip = "no-broker-version"
    return judgement


def _severity(observed: bool) -> str:
    return "warning" if observed else "error"


# --- transient non-exclusive queues (4.3) ---------------------------------------------


def is_transient_nonexclusive(queue: QueueDecl) -> bool:
    return queue.durable is False and queue.exclusive is False


def judge_transient_queues(versions: VersionsFact | None, queues: list[QueueDecl]) -> Judgement:
    """Queues declared durable=False and exclusive=False against a broker >= 4.3.0."""
    judgement = _start("transient-queues", versions)
    affected = [q for q in queues if is_transient_nonexclusive(q)]
    judgement.compared.update(queues=[q.name for q in affected], count=len(affected))
    if judgement.skip or _version(versions, "rabbitmq") < V4_3 or not affected:
        return judgement
    observed = all(q.source == "broker" for q in affected)
    judgement.findings.append(
        TRANSIENT_NONEXCLUSIVE_QUEUE.finding(
            _severity(observed),
            next((q.line for q in affected if q.line is not None), None),
            queues=[q.name for q in affected],
            count=len(affected),
            rabbitmq_version=versions.rabbitmq,
            observed=observed,
        )
    )
    return judgement


def _exclusive_by_default(versions: VersionsFact | None) -> bool | None:
    """Whether this Celery declares its pidbox/event queues exclusive unless told otherwise."""
    celery, kombu = _version(versions, "celery"), _version(versions, "kombu")
    if celery is not None:
        return celery >= V5_7
    if kombu is not None and kombu < V5_7:
        return False  # Celery 5.7 requires kombu >= 5.7
    return None


def celery_declared_queues(
    config: CeleryConfigFact | None, versions: VersionsFact | None
) -> list[QueueDecl]:
    """The queues a Celery app of the pasted version and config declares, with their flags.

    Celery's own queues are listed only when the version (or an explicit setting
    of Celery >= 5.6) tells how they are declared; the app's `task_queues` always.
    """
    config = config or CeleryConfigFact()
    default = _exclusive_by_default(versions)
    celery = _version(versions, "celery")
    switches = celery is None or celery >= V5_6  # the settings exist from Celery 5.6
    declared: list[QueueDecl] = []
    for setting, names in (
        ("control_queue", (PIDBOX_QUEUE, REPLY_QUEUE)),
        ("event_queue", (EVENT_QUEUE,)),
    ):
        exclusive = config.settings.get(f"{setting}_exclusive") if switches else None
        durable = config.settings.get(f"{setting}_durable") if switches else None
        exclusive = exclusive if isinstance(exclusive, bool) else default
        if exclusive is None:
            continue
        line = config.setting_lines.get(f"{setting}_exclusive") or (versions.lines.get("celery"))
        for name in names:
            declared.append(
                QueueDecl(
                    name=name,
                    source="celery-config",
                    durable=durable is True,
                    exclusive=exclusive,
                    line=line,
                )
            )
    backend = config.settings.get("result_backend")
    if isinstance(backend, str) and backend.startswith("rpc://") and celery and celery < V5_7:
        line = config.setting_lines.get("result_backend")
        declared.append(
            QueueDecl(RPC_QUEUE, "celery-config", durable=False, exclusive=False, line=line)
        )
    declared.extend(config.queues)
    return declared


# --- global QoS (4.0 / 4.3) ------------------------------------------------------------


def _kombu_version(versions: VersionsFact | None) -> tuple[tuple[int, int, int] | None, Any]:
    kombu = _version(versions, "kombu")
    if kombu is not None:
        return kombu, versions.kombu
    celery = _version(versions, "celery")
    if celery is not None and celery >= V5_7:
        return V5_7, ">= 5.7 (Celery " + str(versions.celery) + ")"
    return None, None


def uses_quorum_queues(config: CeleryConfigFact | None) -> bool:
    """Celery detects quorum queues in its config and then uses per-consumer QoS itself."""
    if config is None or config.settings.get("worker_detect_quorum_queues") is False:
        return False
    if config.settings.get("task_default_queue_type") == "quorum":
        return True
    return bool(config.queues) and all(q.effective_type() == "quorum" for q in config.queues)


def judge_global_qos(versions: VersionsFact | None, config: CeleryConfigFact | None) -> Judgement:
    """The QoS mode kombu asks for, against what the broker's version does with it."""
    judgement = _start("global-qos", versions)
    kombu, kombu_text = _kombu_version(versions)
    judgement.compared["kombu_version"] = kombu_text
    if judgement.skip:
        return judgement
    if _version(versions, "rabbitmq") < V4_0:
        return judgement
    if kombu is None:
        judgement.skip = "no-kombu-version"
        return judgement
    if uses_quorum_queues(config):
        judgement.compared["per_consumer"] = "quorum-queues"
        return judgement
    common = {"kombu_version": kombu_text, "rabbitmq_version": versions.rabbitmq}
    rabbitmq = _version(versions, "rabbitmq")
    if kombu < V5_7:
        spec, severity = (
            (GLOBAL_QOS_DOWNGRADED, "warning")
            if rabbitmq >= V4_3
            else (GLOBAL_QOS_DEPRECATED, "info")
        )
        judgement.findings.append(spec.finding(severity, versions.lines.get("kombu"), **common))
    elif config is not None and config.max_countdown_s is not None:
        line = config.countdown_lines[0] if config.countdown_lines else None
        judgement.findings.append(
            STATIC_PREFETCH_WITH_ETA.finding(
                "info", line, countdown_s=config.max_countdown_s, **common
            )
        )
    return judgement


# --- queue storage arguments (4.3) ------------------------------------------------------


def judge_queue_storage_args(versions: VersionsFact | None, queues: list[QueueDecl]) -> Judgement:
    """`x-queue-version: 1` and `x-queue-mode` in queue arguments against a broker >= 4.3."""
    judgement = _start("queue-storage-args", versions)
    carrying = [
        q
        for q in queues
        if "x-queue-mode" in q.arguments or str(q.arguments.get("x-queue-version")) == "1"
    ]
    judgement.compared.update(queues=[q.name for q in carrying], count=len(carrying))
    if judgement.skip or _version(versions, "rabbitmq") < V4_3:
        return judgement
    for queue in carrying:
        observed = queue.source == "broker"
        common = {"queue": queue.name, "rabbitmq_version": versions.rabbitmq, "observed": observed}
        if str(queue.arguments.get("x-queue-version")) == "1":
            judgement.findings.append(
                QUEUE_VERSION_1_REMOVED.finding(
                    _severity(observed),
                    queue.line,
                    value=queue.arguments["x-queue-version"],
                    **common,
                )
            )
        if "x-queue-mode" in queue.arguments:
            # release notes: refused; the v4.3.0-v4.3.5 source reads as accepted and ignored
            judgement.findings.append(
                QUEUE_MODE_REMOVED.finding(
                    "warning", queue.line, value=queue.arguments["x-queue-mode"], **common
                )
            )
    return judgement


# --- classic queue mirroring (4.0) ------------------------------------------------------


def ha_keys(policy: PolicyFact) -> list[str]:
    return sorted(key for key in policy.definition if key.startswith("ha-"))


def judge_mirroring_policies(
    versions: VersionsFact | None, policies: list[PolicyFact]
) -> Judgement:
    """Policies with `ha-*` keys against a broker >= 4.0 (no classic queue mirroring)."""
    judgement = _start("mirroring-policies", versions)
    mirroring = [p for p in policies if ha_keys(p)]
    judgement.compared.update(policies=[p.name for p in mirroring], count=len(mirroring))
    if judgement.skip or _version(versions, "rabbitmq") < V4_0:
        return judgement
    for policy in mirroring:
        observed = policy.source == "broker"
        judgement.findings.append(
            HA_POLICY_WITHOUT_MIRRORING.finding(
                _severity(observed),
                policy.line,
                policy=policy.name,
                keys=ha_keys(policy),
                vhost=policy.vhost or "/",
                rabbitmq_version=versions.rabbitmq,
                observed=observed,
            )
        )
    return judgement


# --- consumer timeout on classic queues (4.3) ---------------------------------------------


def is_classic(queue: QueueDecl, config: CeleryConfigFact | None) -> bool:
    kind = queue.effective_type()
    if kind is None and queue.source != "broker" and config is not None:
        kind = config.settings.get("task_default_queue_type")
    return kind in (None, "classic")


def judge_classic_consumer_timeout(
    versions: VersionsFact | None,
    broker: BrokerFact,
    queues: list[QueueDecl],
    config: CeleryConfigFact | None = None,
) -> Judgement:
    """Reliance on consumer_timeout for classic queues on a broker >= 4.3.

    The reliance is an explicitly given `consumer_timeout` (rabbitmq.conf in the
    paste, --consumer-timeout-ms live) or an `x-consumer-timeout` argument.
    """
    judgement = _start("classic-consumer-timeout", versions)
    classic = [q for q in queues if is_classic(q, config)]
    with_argument = [q for q in classic if "x-consumer-timeout" in q.arguments]
    judgement.compared.update(
        timeout_ms=broker.consumer_timeout_ms, queues=[q.name for q in with_argument]
    )
    if judgement.skip:
        return judgement
    rabbitmq = _version(versions, "rabbitmq")
    if rabbitmq < V4_3:
        return judgement
    if broker.consumer_timeout_ms is None and not with_argument:
        judgement.skip = "no-consumer-timeout-given"
        return judgement
    for queue in with_argument:
        observed = queue.source == "broker"
        # refused at declaration from 4.3.2; accepted without effect on 4.3.0/4.3.1
        severity = _severity(observed) if rabbitmq >= V4_3_2 else "warning"
        judgement.findings.append(
            CLASSIC_CONSUMER_TIMEOUT_ARGUMENT.finding(
                severity,
                queue.line,
                queue=queue.name,
                value=queue.arguments["x-consumer-timeout"],
                rabbitmq_version=versions.rabbitmq,
                observed=observed,
            )
        )
    app_classic = config is not None and not uses_quorum_queues(config)
    if broker.consumer_timeout_ms is not None and (classic or app_classic):
        judgement.findings.append(
            CLASSIC_QUEUES_NEVER_TIME_OUT.finding(
                "warning",
                broker.line,
                timeout_ms=broker.consumer_timeout_ms,
                queues=[q.name for q in classic],
                rabbitmq_version=versions.rabbitmq,
            )
        )
    return judgement


def classic_queues_never_time_out(broker: BrokerFact, config: CeleryConfigFact | None) -> bool:
    """True on a broker >= 4.3 when the app's queues are classic: no delivery times out there.

    `diagnostics.rules.timeouts.judge_consumer_timeout` then has no 406 to predict.
    """
    version = version_tuple(broker.version)
    if version is None or version < V4_3:
        return False
    return not uses_quorum_queues(config)


def judge_paste(
    versions: VersionsFact | None,
    config: CeleryConfigFact | None,
    policies: list[PolicyFact],
    broker: BrokerFact | None,
) -> list[Finding]:
    """Every RabbitMQ 4.x judgement over the facts of one paste."""
    declared = celery_declared_queues(config, versions)
    judgements = [
        judge_transient_queues(versions, declared),
        judge_global_qos(versions, config),
        judge_queue_storage_args(versions, list(config.queues) if config else []),
        judge_mirroring_policies(versions, policies),
    ]
    if broker is not None and config is not None:
        judgements.append(
            judge_classic_consumer_timeout(versions, broker, list(config.queues), config)
        )
    return [finding for judgement in judgements for finding in judgement.findings]


def judge(parsed: ParsedPaste) -> list[Finding]:
    versions = parsed.extra.get("versions")
    policies = parsed.extra.get("rabbitmq-policies") or []
    return judge_paste(versions, parsed.config, policies, parsed.broker)

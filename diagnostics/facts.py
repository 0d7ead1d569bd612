"""Typed, JSON-safe facts: what a paste (or a live broker) says, before any judgement.

Parsers produce facts, rules turn facts into findings, presentation renders
findings. Live checks (diagnostics/checks/) build the same `QueueDecl` from the
management API that the paste parsers build from a topology-operator CR, so
one rule (`diagnostics.rules.queue_declarations.compare_queue`) serves both.

Every dataclass here has `as_dict()` returning only JSON types, because
findings cross Celery's JSON serializer and are stored in reports unchanged.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote

SEVERITIES = ("error", "warning", "info")


@dataclass
class QueueDecl:
    """One queue as someone declares it (app, CR, command line) or as the broker has it.

    `arguments` holds x-* arguments as the broker compares them (`x-queue-type`
    included when known); `queue_type` is the same information normalised.
    """

    name: str
    source: str  # "celery-config" | "topology-operator" | "broker" | "command-line" | "kombu"
    arguments: dict[str, Any] = field(default_factory=dict)
    queue_type: str | None = None  # "quorum" | "classic" | "stream" | None (unknown/default)
    durable: bool | None = None
    auto_delete: bool | None = None
    exclusive: bool | None = None
    no_declare: bool = False
    exchange: str | None = None
    exchange_type: str | None = None
    routing_key: str | None = None
    vhost: str | None = None
    line: int | None = None

    def effective_type(self) -> str | None:
        """The queue type, from `queue_type` or the `x-queue-type` argument."""
        return self.queue_type or _as_str(self.arguments.get("x-queue-type"))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ExceptionFact:
    """One exception seen in a paste: a traceback's last line, a log line, a repr.

    `type` keeps the module when the paste shows it (`amqp.exceptions.PreconditionFailed`);
    `short_type` is the class name alone, which is what most signatures name.
    """

    type: str
    message: str = ""
    line: int | None = None
    reply_code: int | None = None
    reply_text: str | None = None
    method: str | None = None  # AMQP method from a repr, e.g. "Basic.consume"
    frames: list[str] = field(default_factory=list)
    chained: bool = False  # raised while handling (or caused by) another exception
    form: str = "traceback"  # "traceback" | "log" | "repr" | "line"

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["short_type"] = self.short_type
        return data


@dataclass
class CeleryConfigFact:
    """What a pasted Celery config (or worker command line) says the app expects."""

    settings: dict[str, Any] = field(default_factory=dict)  # new-style lowercase names
    setting_lines: dict[str, int] = field(default_factory=dict)
    old_names: list[str] = field(default_factory=list)
    queues: list[QueueDecl] = field(default_factory=list)
    routes: dict[str, dict] = field(default_factory=dict)
    acks_late: bool | None = None
    max_countdown_s: float | None = None
    priority_used: bool = False
    pool: str | None = None
    concurrency: int | None = None
    worker_queues: list[str] = field(default_factory=list)
    broker_url: str | None = None  # masked
    # every broker URL the paste assigns, in order (masked): {url, line}; a paste often shows
    # the value that failed and the one that worked, and broker_url keeps only the last
    broker_url_values: list[dict[str, Any]] = field(default_factory=list)
    time_limits: dict[str, float] = field(default_factory=dict)
    time_limit_lines: dict[str, int] = field(default_factory=dict)  # same keys as time_limits
    # Evidence the rules need beyond the contract's fields.
    new_names: list[str] = field(default_factory=list)  # new-style names written in the paste
    imports: dict[str, int] = field(default_factory=dict)  # top-level module -> line
    get_in_task: list[dict[str, Any]] = field(default_factory=list)  # {task, line, call}
    countdown_lines: list[int] = field(default_factory=list)
    priority_lines: list[int] = field(default_factory=list)
    route_lines: dict[str, int] = field(default_factory=dict)
    fanout_exchanges: dict[str, int] = field(default_factory=dict)  # exchange name -> line
    broadcasts: list[QueueDecl] = field(default_factory=list)  # Broadcast(...) with queue=
    # Django: `config_from_object(..., namespace="CELERY")`, and every Celery setting assigned
    # at module level as the paste spells it (raw name -> line)
    config_namespace: str | None = None
    module_settings: dict[str, int] = field(default_factory=dict)
    name_lines: dict[str, int] = field(default_factory=dict)  # every setting as spelled -> line
    # names that look like the broker setting but that Celery never reads (`broker = ...`,
    # `broker_uri`, lowercase `celery_broker_url`), assigned to a string -> line
    unread_broker_names: dict[str, int] = field(default_factory=dict)
    # a `config_from_object(...)` call without `namespace=` (its line): `CELERY_`-prefixed
    # names of that object are then not read as settings
    unnamespaced_config_line: int | None = None
    # variables of Celery's generic init script (/etc/default/celeryd: CELERYD_NODES,
    # CELERYD_OPTS, CELERY_BIN, ...) assigned in the paste -> line
    init_script_vars: dict[str, int] = field(default_factory=dict)
    # a region with nothing but the `config_from_object` call: merged into a config found in
    # another region of the paste, never a config by itself
    loader_only: bool = False
    chord_lines: list[int] = field(default_factory=list)  # `chord(...)` calls
    # settings read from a sentence (`name = value` in an inline code span, or a prose line that
    # is only that assignment), setting -> line; the rest of the fact holds them too
    prose_settings: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BrokerFact:
    """What is known of the broker a Celery app talks to (pasted rabbitmq.conf or live target).

    `consumer_timeout_ms` is None when nobody stated it: RabbitMQ's default then
    applies (`DEFAULT_CONSUMER_TIMEOUT_MS` in diagnostics.rules.timeouts).
    """

    kind: str | None = None  # "rabbitmq" | "redis" | None (unknown)
    consumer_timeout_ms: int | None = None
    line: int | None = None
    version: str | None = None  # the broker's version when known ("4.3.0")
    # Redis: maxmemory-policy (redis.conf, CONFIG SET, INFO) and the paste line stating it
    eviction_policy: str | None = None
    eviction_policy_line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VersionsFact:
    """Versions of the broker and the client libraries, as a paste states them or a broker says.

    `sources` tells where each came from: "paste" (a requirements pin, a worker
    banner, an image tag, a log line), "management-api" (GET /api/overview) or
    "amqp-server-properties" (connection.start); `lines` the paste line.
    """

    rabbitmq: str | None = None
    celery: str | None = None
    kombu: str | None = None
    sources: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class WorkerFact:
    """One Celery worker: as it answers remote control, or as a pasted command line starts it.

    `registered` is None when unknown (a command line does not tell it); `pool`
    is Celery's name ("prefork", "threads", "solo", ...).
    """

    name: str
    source: str  # "remote-control" | "worker-command"
    pool: str | None = None
    concurrency: int | None = None
    prefetch_count: int | None = None
    queues: list[str] = field(default_factory=list)
    registered: list[str] | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ServiceFact:
    """One docker-compose service or Kubernetes container as a pasted manifest declares it.

    `network` names the network namespace, where `localhost` is one place: a compose
    service's own ("services.<name>", also for `network_mode: service:<name>`), a pod's
    (all its containers share it), "host" for `network_mode: host` / `hostNetwork: true`,
    or "container:<id>" (another container's, not known from the paste).
    `broker_urls` are the masked broker URLs the service's command line or environment
    names, each with the paste line that states it and, for an AMQP URL, the virtual host
    kombu asks for (`vhost`: everything after the path's first `/`, "/" when empty). `depends_on` is compose's start order
    (`condition` "" for the short list form, which waits for the container to start only);
    `volumes` are compose volumes and Kubernetes `volumeMounts` (`bind` for a host path);
    `env_lines` names the environment variables set, never their values. `worker` is set
    when the service runs `celery worker` (`node_name` its `-n` / `--hostname`, `time_limit`
    its `--time-limit`, each None when not given). `grace_seconds` is the grace period the
    manifest states before SIGKILL (None: the platform's default).
    """

    name: str
    source: str  # "compose" | "kubernetes"
    network: str
    image: str | None = None
    broker_urls: list[dict[str, Any]] = field(default_factory=list)  # {url, host, line, vhost}
    line: int | None = None
    depends_on: list[dict[str, Any]] = field(default_factory=list)  # {service, condition, line}
    healthcheck: bool = False  # a compose `healthcheck` that is not disabled
    volumes: list[dict[str, Any]] = field(default_factory=list)  # {source, target, bind, line}
    env_lines: dict[str, int] = field(default_factory=dict)  # variable name -> line (no values)
    user: str | None = None  # compose `user:`
    hostname: str | None = None  # compose `hostname:`
    replicas: int | None = None  # compose deploy.replicas / scale, a workload's spec.replicas
    worker: dict[str, Any] | None = None  # `celery worker`: {node_name, time_limit, line, beat}
    grace_seconds: float | None = None  # stop_grace_period / terminationGracePeriodSeconds
    grace_line: int | None = None
    default_vhost: str | None = None  # RABBITMQ_DEFAULT_VHOST's value (a name, no secret)
    # environment variables whose value is a broker URL (any scheme, Redis too):
    # {variable, url (masked), host, line}
    env_broker_urls: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PolicyFact:
    """A RabbitMQ policy as the broker has it (GET /api/policies) or a paste sets it."""

    name: str
    source: str  # "broker" | "rabbitmqctl" | "definitions"
    pattern: str = ""
    apply_to: str = "all"
    definition: dict[str, Any] = field(default_factory=dict)
    vhost: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_VERSION = re.compile(r"\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def version_tuple(text: str | None) -> tuple[int, int, int] | None:
    """(major, minor, patch) of "4.3.0", "v5.6", "4.3.0-rc.1"; None when there is no number.

    >>> version_tuple("4.3.0-rc.1"), version_tuple("5.6"), version_tuple(None)
    ((4, 3, 0), (5, 6, 0), None)
    """
    match = _VERSION.match(text or "")
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


@dataclass
class Finding:
    """A rule's verdict: a stable key (rule id, entry slug) plus evidence, never prose.

    The words come from the entry's `messages` (front matter, English and
    Korean), rendered by diagnostics.present with `evidence` as placeholders.
    """

    rule: str
    entry: str
    severity: str  # "error" | "warning" | "info"
    line: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "entry": self.entry,
            "severity": self.severity,
            "line": self.line,
            "evidence": dict(self.evidence),
        }


@dataclass
class Judgement:
    """One shared rule applied to one subject: findings, or why nothing could be compared.

    `skip` is a reason key ("no-config", "no-countdown", ...) when the facts held
    nothing to compare: a live check reports that as SKIPPED, never as PASS.
    `compared` is the evidence of what was compared (shown with a PASS).
    """

    rule: str
    findings: list[Finding] = field(default_factory=list)
    compared: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None


REDIS_SCHEMES = ("redis://", "rediss://", "redis+socket://", "sentinel://")
AMQP_SCHEMES = ("amqp://", "amqps://", "pyamqp://", "librabbitmq://")


def kombu_vhost(path: str) -> str:
    """The virtual host kombu asks for from an AMQP URL's path: everything after its first
    "/", percent-decoded; "/" (the default vhost) when that is empty."""
    return unquote(path[1:]) or "/"


def broker_kind(url: str | None) -> str | None:
    """ "redis", "rabbitmq" or None (no URL, or another transport) from a broker URL."""
    url = url or ""
    if url.startswith(REDIS_SCHEMES):
        return "redis"
    if url.startswith(AMQP_SCHEMES):
        return "rabbitmq"
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None

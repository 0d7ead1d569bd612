"""Rules over pasted Kubernetes / docker-compose manifests.

Sample paste these rules read:

    kind: Job
    spec:
      template:
        spec:
          containers:
            - name: migrate
              command: ["python", "-c", "import os; connect(os.environ['DB_PASSWORD'])"]
              envFrom:
                - secretRef: {name: db-secret}
                - configMapRef: {name: app-config}   # later source wins for the same key
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from diagnostics import linear_re as re
from diagnostics.facts import CeleryConfigFact, Finding, ServiceFact, broker_kind, kombu_vhost
from diagnostics.parsers import ParsedPaste
from diagnostics.parsers.regions import _containers
from diagnostics.parsers.units import worker_units
from diagnostics.parsers.yamldocs import YamlDoc
from diagnostics.rules.base import RuleSpec

CONFIGMAP_OVERRIDES_SECRET = RuleSpec(
    "configmap-overrides-secret",
    "job-env-auth-failure",
    ("secret", "configmap", "keys", "container"),
)
JOB_INLINE_CREDENTIALS_SCRIPT = RuleSpec(
    "job-inline-credentials-script", "job-env-auth-failure", ("container",)
)
SHARED_DATABASE_URL = RuleSpec(
    "shared-database-url", "wrong-database-url", ("services", "count", "setting")
)
BROKER_LOCALHOST_IN_CONTAINER = RuleSpec(
    "broker-localhost-in-container",
    "broker-connection-refused",
    ("service", "url", "host", "others"),
)
BROKER_START_NOT_AWAITED = RuleSpec(
    "broker-start-not-awaited",
    "broker-connection-refused",
    ("service", "broker", "condition"),
)
DEFAULT_USER_PERSISTED_DATABASE = RuleSpec(
    "default-user-persisted-database",
    "broker-access-refused",
    ("service", "variable", "volume", "node"),
)
REDIS_DATA_BIND_MOUNT_NON_ROOT = RuleSpec(
    "redis-data-bind-mount-non-root",
    "redis-misconf-persistence",
    ("service", "source", "target", "user"),
)
TIME_LIMIT_OVER_GRACE_PERIOD = RuleSpec(
    "time-limit-over-grace-period",
    "tasks-lost-on-deploy",
    ("service", "time_limit", "grace", "setting"),
)
DEFAULT_VHOST_REPLACED = RuleSpec(
    "default-vhost-replaced",
    "broker-access-refused",
    ("service", "vhost", "clients"),
)
BEAT_IN_SEVERAL_WORKERS = RuleSpec(
    "beat-in-several-workers", "beat-duplicate-schedule", ("workers", "count", "standalone")
)
BEAT_IN_PROCFILE_WORKER = RuleSpec(
    "beat-in-procfile-worker", "beat-duplicate-schedule", ("process",)
)
APP_BROKER_LOCALHOST_IGNORES_ENV = RuleSpec(
    "app-broker-localhost-ignores-env",
    "broker-connection-refused",
    ("url", "service", "variable", "passed"),
)
SPECS = (
    APP_BROKER_LOCALHOST_IGNORES_ENV,
    BEAT_IN_SEVERAL_WORKERS,
    BEAT_IN_PROCFILE_WORKER,
    CONFIGMAP_OVERRIDES_SECRET,
    JOB_INLINE_CREDENTIALS_SCRIPT,
    SHARED_DATABASE_URL,
    BROKER_LOCALHOST_IN_CONTAINER,
    BROKER_START_NOT_AWAITED,
    DEFAULT_USER_PERSISTED_DATABASE,
    REDIS_DATA_BIND_MOUNT_NON_ROOT,
    TIME_LIMIT_OVER_GRACE_PERIOD,
    DEFAULT_VHOST_REPLACED,
)
CREDENTIAL_KEY = re.compile(r"PASS|USER|SECRET|TOKEN|URL|DSN|KEY", re.IGNORECASE)
READS_CREDENTIALS = re.compile(r"environ|getenv", re.IGNORECASE)


def judge(parsed: ParsedPaste) -> list[Finding]:
    beat = list(judge_embedded_beat(parsed))
    app_limit = parsed.config.time_limits.get("*") if parsed.config is not None else None
    beat.extend(judge_grace_period(worker_units(parsed.lines), app_limit))
    if not parsed.yaml_docs:
        return beat
    findings = beat + list(judge_env_order(parsed.yaml_docs))
    findings.extend(judge_inline_scripts(parsed.yaml_docs))
    findings.extend(judge_database_url(parsed.yaml_docs))
    findings.extend(judge_localhost_broker(parsed.services))
    findings.extend(judge_broker_start_order(parsed.services))
    if parsed.config is not None:
        findings.extend(judge_app_localhost_broker(parsed.config, parsed.services))
    findings.extend(judge_default_user_persisted(parsed.services))
    app_url = parsed.config.broker_url if parsed.config is not None else None
    findings.extend(judge_default_vhost(parsed.services, app_url, parsed.refused_vhosts))
    findings.extend(judge_redis_data_permissions(parsed.services))
    findings.extend(judge_grace_period(parsed.services, app_limit))
    return findings


def _data_keys(docs: list[YamlDoc], kind: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for doc in docs:
        if doc.kind == kind:
            metadata = doc.data.get("metadata") or {}
            name = metadata.get("name") if isinstance(metadata, dict) else None
            keys: set[str] = set()
            for field in ("data", "stringData"):
                if isinstance(doc.data.get(field), dict):
                    keys.update(str(k) for k in doc.data[field])
            out[str(name)] = keys
    return out


def _ref_name(item: Any, key: str) -> str | None:
    ref = item.get(key) if isinstance(item, dict) else None
    return str(ref.get("name")) if isinstance(ref, dict) and ref.get("name") else None


def judge_env_order(docs: list[YamlDoc]) -> Iterator[Finding]:
    configmaps, secrets = _data_keys(docs, "ConfigMap"), _data_keys(docs, "Secret")
    for doc in docs:
        for container in _containers(doc.data):
            sources = container.get("envFrom") or []
            secret_seen: list[str] = []
            for item in sources if isinstance(sources, list) else []:
                secret = _ref_name(item, "secretRef")
                if secret:
                    secret_seen.append(secret)
                configmap = _ref_name(item, "configMapRef")
                if configmap and secret_seen:
                    finding = _order_finding(
                        doc, container, secret_seen[-1], configmap, configmaps, secrets
                    )
                    if finding is not None:
                        yield finding


def _order_finding(
    doc: YamlDoc,
    container: dict,
    secret: str,
    configmap: str,
    configmaps: dict[str, set[str]],
    secrets: dict[str, set[str]],
) -> Finding | None:
    cm_keys = configmaps.get(configmap)
    if cm_keys is None:
        overlap: list[str] = []
    elif secret in secrets:
        overlap = sorted(cm_keys & secrets[secret])
    else:
        overlap = sorted(k for k in cm_keys if CREDENTIAL_KEY.search(k))
    if cm_keys is not None and not overlap:
        return None
    return CONFIGMAP_OVERRIDES_SECRET.finding(
        "error" if overlap else "warning",
        doc.key_lines.get("spec.template.spec.containers") or doc.line,
        secret=secret,
        configmap=configmap,
        keys=overlap[:20],
        container=str(container.get("name", "")),
    )


def judge_inline_scripts(docs: list[YamlDoc]) -> Iterator[Finding]:
    for doc in docs:
        if doc.kind not in ("Job", "CronJob"):
            continue
        for container in _containers(doc.data):
            words = [str(w) for key in ("command", "args") for w in (container.get(key) or [])]
            script = _inline_script(words)
            if script and READS_CREDENTIALS.search(script) and CREDENTIAL_KEY.search(script):
                yield JOB_INLINE_CREDENTIALS_SCRIPT.finding(
                    "warning", doc.line, container=str(container.get("name", ""))
                )


def _inline_script(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word == "-c" and index > 0 and "python" in words[index - 1] and index + 1 < len(words):
            return words[index + 1]
        if "python" in word and " -c " in word:
            return word
    return None


def judge_database_url(docs: list[YamlDoc]) -> Iterator[Finding]:
    readers: list[str] = []
    first_line: int | None = None
    for doc in docs:
        for name, service in _services(doc):
            if "DATABASE_URL" in _env_names(service):
                readers.append(name)
                first_line = first_line or doc.line
    if len(set(readers)) >= 2:
        yield SHARED_DATABASE_URL.finding(
            "warning",
            first_line,
            services=sorted(set(readers))[:20],
            count=len(set(readers)),
            setting="DATABASE_URL",
        )


def _services(doc: YamlDoc) -> Iterator[tuple[str, dict]]:
    if doc.kind == "compose":
        for name, service in doc.data["services"].items():
            if isinstance(service, dict):
                yield str(name), service
        return
    metadata = doc.data.get("metadata") or {}
    owner = metadata.get("name", doc.kind) if isinstance(metadata, dict) else doc.kind
    for container in _containers(doc.data):
        yield f"{owner}/{container.get('name', '?')}", container


def _env_names(service: dict) -> set[str]:
    env = service.get("env") or service.get("environment") or []
    if isinstance(env, dict):
        return {str(k) for k in env}
    names = set()
    for item in env if isinstance(env, list) else []:
        if isinstance(item, dict) and "name" in item:
            names.add(str(item["name"]))
        elif isinstance(item, str):
            names.add(item.split("=", 1)[0])
    return names


LOOPBACK = ("localhost", "::1", "ip6-localhost")
BROKER_IMAGE = re.compile(r"rabbitmq|redis|valkey|keydb|dragonfly", re.IGNORECASE)


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def judge_localhost_broker(services: list[ServiceFact]) -> Iterator[Finding]:
    """A broker URL to localhost in a container while the paste runs other services.

    Each compose service (each pod) has its own network namespace: `localhost` there is
    the container itself, not the broker's container nor the host (Docker's and
    Kubernetes' networking docs); the service name is what resolves to the broker.
    Not judged for `network_mode: host` / `hostNetwork: true` (localhost is the host),
    for a service sharing another's namespace, or when the paste holds no other
    service or pod (the broker may run in the same container).
    """
    for service in services:
        if service.network == "host" or service.network.startswith("container:"):
            continue
        if BROKER_IMAGE.search(service.image or ""):
            continue  # the broker's own container: its localhost is itself
        others = [s for s in services if s.network != service.network]
        if not others:
            continue
        brokers = [s.name for s in others if BROKER_IMAGE.search(f"{s.image} {s.name}")]
        names = brokers + [s.name for s in others if s.name not in brokers]
        seen: set[str] = set()
        for use in service.broker_urls:
            host = use["host"]
            if _is_loopback(host) and use["url"] not in seen:
                seen.add(use["url"])
                yield BROKER_LOCALHOST_IN_CONTAINER.finding(
                    "warning",
                    use["line"],
                    service=service.name,
                    url=use["url"],
                    host=host,
                    others=list(dict.fromkeys(names))[:5],
                )


def judge_app_localhost_broker(
    config: CeleryConfigFact, services: list[ServiceFact]
) -> Iterator[Finding]:
    """The app's code fixes the broker at localhost while the manifest passes another URL.

    The pasted Celery app assigns a literal broker URL whose host is loopback
    (`Celery(broker="redis://localhost:6379/0")`, `broker_url = "amqp://localhost//"`), and
    a service of the manifest, beside others in their own containers, is given a broker URL
    to another host in an environment variable Celery does not read (`REDIS_URL`,
    `BROKER_URL`: Celery reads only CELERY_BROKER_URL from the environment). The literal
    wins: inside the container localhost is the container itself, so the worker never
    reaches the broker the variable names. Not judged when the service sets
    CELERY_BROKER_URL (it overrides the config), for `network_mode: host`, or when the
    config reads its URL from the environment (no literal).
    """
    literal = [
        (use["url"], use["line"])
        for use in config.broker_url_values
        if _is_loopback(_url_host(use["url"]))
    ]
    if not literal:
        return
    for service in services:
        if (
            service.network == "host"
            or _is_broker(service)
            or "CELERY_BROKER_URL" in service.env_lines
        ):
            continue
        if not any(s.network != service.network for s in services):
            continue
        for use in service.env_broker_urls:
            host, variable = use["host"], use["variable"]
            if not host or _is_loopback(host):
                continue
            url, line = literal[0]
            yield APP_BROKER_LOCALHOST_IGNORES_ENV.finding(
                "warning",
                line or None,
                url=url,
                service=service.name,
                variable=variable,
                passed=use["url"],
            )
            return


def _url_host(url: str) -> str:
    try:
        return urlsplit(url.split(";")[0].strip()).hostname or ""
    except ValueError:
        return ""


def _is_broker(service: ServiceFact) -> bool:
    """A broker's own container: its image names one (a built image: its service name)."""
    return bool(BROKER_IMAGE.search(service.image if service.image else service.name))


def judge_broker_start_order(services: list[ServiceFact]) -> Iterator[Finding]:
    """A compose service that depends on the broker's service but not on its health.

    `depends_on` alone (or `condition: service_started`) only orders container starts:
    the client starts as soon as the broker's container has started, while RabbitMQ or
    Redis may still be booting and refuse connections (Docker's "Control startup order"
    docs; `condition: service_healthy` waits for the broker's healthcheck). A worker
    retries (broker_connection_retry_on_startup); a web process that publishes at once,
    or a client without retries, fails. info: a possible cause, not proven by the file.
    Not judged for a dependent that is itself a broker (cluster nodes).
    """
    brokers = {s.name for s in services if s.source == "compose" and _is_broker(s)}
    for service in services:
        if service.source != "compose" or service.name in brokers:
            continue
        for dependency in service.depends_on:
            if dependency["service"] in brokers and dependency["condition"] != "service_healthy":
                yield BROKER_START_NOT_AWAITED.finding(
                    "info",
                    dependency["line"] or service.line,
                    service=service.name,
                    broker=dependency["service"],
                    condition=dependency["condition"] or "service_started",
                )


RABBITMQ_IMAGE = re.compile(r"(?:^|/)rabbitmq(?::|@|$)", re.IGNORECASE)
RABBITMQ_DATA = ("/var/lib/rabbitmq", "/var/lib/rabbitmq/mnesia")
DEFAULT_USER_VARIABLES = (
    "RABBITMQ_DEFAULT_USER",
    "RABBITMQ_DEFAULT_PASS",
    "RABBITMQ_DEFAULT_USER_FILE",
    "RABBITMQ_DEFAULT_PASS_FILE",
)


def judge_default_user_persisted(services: list[ServiceFact]) -> Iterator[Finding]:
    """RABBITMQ_DEFAULT_USER/PASS on a RabbitMQ container whose database persists.

    The default user (like `default_user` / `default_pass` in rabbitmq.conf, which the
    variables override) is created only when the node starts with an empty database.
    The database lives under /var/lib/rabbitmq in a directory named after the node,
    `rabbit@<hostname>` (the image docs). With that path on a volume and a fixed node
    name (`hostname:` or RABBITMQ_NODENAME), a later change of the variables is ignored:
    the node keeps the users it already has and refuses the new credentials. Without a
    fixed node name a recreated container gets a new database directory, so the rule
    does not fire. info: whether the credentials changed is not in the file.
    """
    for service in services:
        if service.source != "compose" or not RABBITMQ_IMAGE.search(service.image or ""):
            continue
        variables = [v for v in DEFAULT_USER_VARIABLES if v in service.env_lines]
        node = service.hostname or (
            "RABBITMQ_NODENAME" if "RABBITMQ_NODENAME" in service.env_lines else None
        )
        volume = next(
            (
                v
                for v in service.volumes
                if v["source"] and v["target"].rstrip("/") in RABBITMQ_DATA
            ),
            None,
        )
        if variables and node and volume is not None:
            yield DEFAULT_USER_PERSISTED_DATABASE.finding(
                "info",
                service.env_lines[variables[0]],
                service=service.name,
                variable=variables[0],
                volume=f"{volume['source']}:{volume['target']}",
                node=node,
            )


def judge_default_vhost(
    services: list[ServiceFact], app_url: str | None, refused: dict[str, int]
) -> Iterator[Finding]:
    """RABBITMQ_DEFAULT_VHOST set to another name than `/` on a RabbitMQ container.

    The variable (like `default_vhost` in rabbitmq.conf) names the vhost RabbitMQ creates
    when it starts with an empty database, *instead of* `/`: the broker then has no `/`,
    and a client that asks for it (a URL without a vhost, `//` or `/%2F`, Celery's and
    kombu's default) is refused with `NOT_ALLOWED - vhost / not found` (checked on
    RabbitMQ 3.10.8 with `default_vhost` set). The paste saying `vhost / not found`:
    error; a client of that service in the paste whose URL asks for `/`: warning; no
    AMQP client in the paste: info. Clients that name the new vhost, or any other vhost
    (it may be created by definitions), are not judged.
    """
    for broker in services:
        vhost = broker.default_vhost
        if not vhost or vhost == "/" or not RABBITMQ_IMAGE.search(broker.image or ""):
            continue
        names = {broker.name, broker.hostname}
        clients = [
            (service.name, use)
            for service in services
            if service is not broker
            for use in service.broker_urls
            if "vhost" in use
        ]
        if app_url and broker_kind(app_url) == "rabbitmq":
            host, app_vhost = _host_and_vhost(app_url)
            clients.append(("app", {"url": app_url, "host": host, "vhost": app_vhost}))
        wrong = [
            (name, use) for name, use in clients if use["vhost"] == "/" and use["host"] in names
        ]
        line = broker.env_lines["RABBITMQ_DEFAULT_VHOST"]
        if "/" in refused:
            severity = "error"
        elif wrong:
            severity, line = "warning", wrong[0][1].get("line") or line
        elif not clients:
            severity = "info"
        else:
            continue
        yield DEFAULT_VHOST_REPLACED.finding(
            severity,
            line,
            service=broker.name,
            vhost=vhost,
            clients=[f"{name} ({use['url']})" for name, use in wrong][:5],
        )


def _host_and_vhost(url: str) -> tuple[str, str]:
    """The host and the vhost kombu asks for (facts.kombu_vhost)."""
    try:
        parts = urlsplit(url)
        return parts.hostname or "", kombu_vhost(parts.path)
    except ValueError:
        return "", ""


OFFICIAL_REDIS = re.compile(r"^(?:docker\.io/)?(?:library/)?redis(?::|@|$)", re.IGNORECASE)
BITNAMI_REDIS = re.compile(r"(?:^|/)bitnami/redis(?::|@|$)", re.IGNORECASE)
ROOT_USERS = ("root", "0", "0:0", "root:root")


def judge_redis_data_permissions(services: list[ServiceFact]) -> Iterator[Finding]:
    """A host directory bind-mounted as the data directory of a Redis that is not root.

    The official image's entrypoint hands /data to the redis user only when it starts
    as root; with compose `user:` it runs as that user and changes no ownership. The
    Bitnami image runs as UID 1001 and asks for mounted directories that UID can write.
    A host directory (a bind mount, created root-owned by Docker when missing) that the
    user cannot write makes every RDB/AOF save fail ("Permission denied"), and Redis
    then refuses writes (MISCONF). info: the host directory's owner is not in the file.
    Named volumes are not judged (Docker copies the image's ownership into a new one).
    """
    for service in services:
        if service.source != "compose":
            continue
        image = service.image or ""
        user = service.user
        if user is not None and user.strip() in ROOT_USERS:
            continue
        if OFFICIAL_REDIS.search(image) and user is not None:
            data_dirs: tuple[str, ...] = ("/data",)
        elif BITNAMI_REDIS.search(image):
            data_dirs = ("/bitnami/redis/data", "/bitnami/redis", "/bitnami")
            user = user or "1001"
        else:
            continue
        for volume in service.volumes:
            if volume["bind"] and volume["target"].rstrip("/") in data_dirs:
                yield REDIS_DATA_BIND_MOUNT_NON_ROOT.finding(
                    "info",
                    volume["line"],
                    service=service.name,
                    source=volume["source"],
                    target=volume["target"],
                    user=user,
                )
                break


# What the platform waits between SIGTERM and SIGKILL when the manifest does not say:
# Kubernetes' terminationGracePeriodSeconds default, compose's stop_grace_period default.
DEFAULT_GRACE = {
    "kubernetes": (30.0, "terminationGracePeriodSeconds"),
    "compose": (10.0, "stop_grace_period"),
    # process managers (diagnostics.parsers.units): supervisord's and systemd's defaults
    "supervisor": (10.0, "stopwaitsecs"),
    "systemd": (90.0, "TimeoutStopSec"),
}


def judge_grace_period(services: list[ServiceFact], app_limit: float | None) -> Iterator[Finding]:
    """A worker allowed to run tasks longer than its container's grace period.

    On SIGTERM the worker's warm shutdown waits for the running tasks; the platform sends
    SIGKILL when the grace period ends (30 s on Kubernetes, 10 s for compose, unless the
    manifest sets it). A hard time limit above it (the worker's `--time-limit`, or the
    pasted app's `task_time_limit` when the paste runs one worker) says tasks may run
    longer than the shutdown is allowed to take: those running at a deploy are killed, and
    with the default early ack they are lost (the entry's cause). info: how long the tasks
    really run is not in the paste. Nothing is judged without a stated time limit.
    """
    workers = [s for s in services if s.worker is not None]
    for service in workers:
        limit = service.worker["time_limit"]
        if limit is None and len(workers) == 1:
            limit = app_limit
        grace, setting = DEFAULT_GRACE.get(service.source, (None, ""))
        if service.grace_seconds is not None:
            grace = service.grace_seconds
        if limit is None or grace is None or limit <= grace:
            continue
        yield TIME_LIMIT_OVER_GRACE_PERIOD.finding(
            "info",
            service.grace_line or service.worker["line"] or service.line,
            service=service.name,
            time_limit=_number_text(limit),
            grace=_number_text(grace),
            setting=setting,
        )


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


# A Procfile line (Heroku, Scalingo, Dokku, honcho): `<process type>: <command>` at column 0
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*\S")
NOT_PROCFILE_KEYS = ("command", "entrypoint", "args", "cmd", "run", "script", "exec", "test")
# `celery ... beat` started as its own process (an option after it: a command, not a sentence)
BEAT_COMMAND = re.compile(r"\bcelery\b[^#]{0,200}?\sbeat\b[^#]{0,200}?\s-{1,2}[A-Za-z]")


def judge_embedded_beat(parsed: ParsedPaste) -> Iterator[Finding]:
    """Workers started with `-B` / `--beat`: each runs a beat scheduler of its own.

    `celery worker -B` embeds beat in that worker (Celery's docs: never run more than one
    beat, and keep -B for development). Every scheduler sends every periodic task, so the
    paste proves duplicates when it starts more than one: several `-B` worker commands,
    `celery multi start 3 ... -B`, a compose service or Kubernetes workload with `-B` and
    replicas above 1, or a `-B` worker beside a `celery beat` process (warning, the line
    of the first `-B` worker). A `-B` worker as a Procfile process type (Heroku, Scalingo:
    each dyno or container of the type runs the command) is info: how many run is set
    outside the file. One `-B` worker alone is not judged.
    """
    spans = parsed.yaml_command_spans
    workers: list[tuple[str, int, int | None]] = []  # (name, instances, line)
    procfile: list[tuple[str, int]] = []
    for service in parsed.services:
        if service.worker is not None and service.worker.get("beat"):
            line = service.worker.get("line") or service.line
            workers.append((service.name, max(service.replicas or 1, 1), line))
    seen: set[str] = set()
    for command in parsed.worker_commands:
        if not command.beat or any(a <= command.line <= b for a, b in spans):
            continue
        same = repr(sorted(command.options.items())) + repr(command.queues)
        if same in seen:
            continue  # the same command written twice (a sentence quoting it) is one worker
        seen.add(same)
        if _worker_on_line(command.line, workers):
            continue
        text = parsed.lines[command.line - 1] if command.line <= len(parsed.lines) else ""
        process = PROCFILE_LINE.match(text)
        name = process.group(1) if process else ""
        if name and name.lower() not in NOT_PROCFILE_KEYS and not parsed.yaml_docs:
            procfile.append((name, command.line))
        workers.append((name or f"line {command.line}", command.nodes, command.line))
    if not workers:
        return
    standalone = [
        number
        for number, text in enumerate(parsed.lines, start=1)
        if "beat" in text
        and "worker" not in text
        and BEAT_COMMAND.search(text[:1000])
        and not _worker_on_line(number, workers)
    ]
    count = sum(instances for _, instances, _ in workers)
    first = min(workers, key=lambda w: w[2] or 0)
    if count >= 2 or standalone:
        yield BEAT_IN_SEVERAL_WORKERS.finding(
            "warning",
            first[2],
            workers=[name for name, _, _ in workers][:5],
            count=count,
            standalone=len(standalone),
        )
    elif procfile:
        yield BEAT_IN_PROCFILE_WORKER.finding("info", procfile[0][1], process=procfile[0][0])


def _worker_on_line(number: int, workers: list[tuple[str, int, int | None]]) -> bool:
    return any(line == number for _, _, line in workers)

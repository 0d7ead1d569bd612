"""Rules over the value of a setting: values an entry says are wrong whatever else the app does.

Each rule reads typed facts only (`CeleryConfigFact`, `BrokerFact`) and points
at the line that sets the value. A value that is wrong by itself is an error or
a warning; a setting left at a default that the entry asks people to decide on
is `info` (shown as possible). docs/config-rules.md lists every setting the
entries discuss and the rule, if any, that judges it.

Sample paste these rules read (a Django settings module, namespace "CELERY"):

    CELERY_TASK_SERIALIZER = "pickle"
    CELERY_TASK_SOFT_TIME_LIMIT = 600
    CELERY_TASK_TIME_LIMIT = 300
    CELERY_WORKER_PREFETCH_MULTIPLIER = 0
    CELERY_BROKER_HEARTBEAT = 0
    result_backend = "redis://redis:6379/1"

Two judgements are shared with the live checks: `judge_eviction_policy` (the
Redis check, with the policy INFO reports) and `judge_unlimited_prefetch` (the
workers check, with each worker's prefetch count from remote control).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from diagnostics import linear_re as re
from diagnostics.facts import (
    BrokerFact,
    CeleryConfigFact,
    Finding,
    Judgement,
    WorkerFact,
    broker_kind,
    kombu_vhost,
)
from diagnostics.parsers import ParsedPaste
from diagnostics.parsers.python_settings import setting_name
from diagnostics.rules.base import RuleSpec

SOFT_LIMIT_NOT_BELOW_HARD = RuleSpec(
    "soft-limit-not-below-hard",
    "task-time-limit",
    ("task", "soft_setting", "hard_setting", "soft", "hard"),
)
SERIALIZER_NOT_ACCEPTED = RuleSpec(
    "serializer-not-accepted",
    "serialization-error",
    ("setting", "serializer", "accept_setting", "accepted"),
)
PREFETCH_MULTIPLIER_UNLIMITED = RuleSpec(
    "prefetch-multiplier-unlimited", "prefetch-starvation", ("setting", "value", "workers")
)
DISABLE_PREFETCH_ON_RABBITMQ = RuleSpec(
    "disable-prefetch-on-rabbitmq", "prefetch-starvation", ("setting",)
)
BROKER_HEARTBEAT_DISABLED = RuleSpec(
    "broker-heartbeat-disabled", "missed-heartbeats", ("setting", "value")
)
ACKS_LATE_CONNECTION_LOSS_UNDECIDED = RuleSpec(
    "acks-late-connection-loss-undecided",
    "cancel-tasks-on-connection-loss",
    ("setting",),
)
ACKS_LATE_WITHOUT_REJECT_ON_WORKER_LOST = RuleSpec(
    "acks-late-without-reject-on-worker-lost", "tasks-lost-on-deploy", ("setting",)
)
EVICTION_POLICY_EVICTS_QUEUES = RuleSpec(
    "eviction-policy-evicts-queues",
    "redis-oom-command-not-allowed",
    ("maxmemory_policy", "on_broker"),
)
SETTINGS_OUTSIDE_NAMESPACE = RuleSpec(
    "settings-outside-namespace",
    "deprecated-setting-names",
    ("settings", "setting", "namespace", "prefixed"),
)
RESULT_BACKEND_OUTSIDE_NAMESPACE = RuleSpec(
    "result-backend-outside-namespace",
    "no-result-backend",
    ("setting", "namespace", "prefixed"),
)
CONNECTION_RETRY_STARTUP_UNSET = RuleSpec(
    "connection-retry-startup-unset", "deprecated-setting-names", ("setting", "startup_setting")
)
VHOST_TRAILING_SLASH = RuleSpec(
    "vhost-trailing-slash", "broker-access-refused", ("setting", "url", "vhost", "meant")
)
BROKER_SETTING_NOT_READ = RuleSpec(
    "broker-setting-not-read", "broker-connection-refused", ("setting", "read", "default")
)
BROKER_URL_EMPTY = RuleSpec("broker-url-empty", "broker-connection-refused", ("setting", "default"))
CHORD_BACKEND_WITHOUT_CHORDS = RuleSpec(
    "chord-backend-without-chords", "chord-never-finishes", ("backend", "setting")
)
PREFIXED_SETTING_NOT_UPPERCASE = RuleSpec(
    "prefixed-setting-not-uppercase",
    "deprecated-setting-names",
    ("settings", "setting", "upper"),
)
BROKER_URL_CREDENTIALS_UNENCODED = RuleSpec(
    "broker-url-credentials-unencoded", "broker-access-refused", ("setting", "url", "char")
)
TIME_LIMIT_ON_GREEN_POOL = RuleSpec(
    "time-limit-on-green-pool", "gevent-blocking", ("pool", "setting", "limit", "kind")
)
SPECS = (
    BROKER_URL_CREDENTIALS_UNENCODED,
    PREFIXED_SETTING_NOT_UPPERCASE,
    TIME_LIMIT_ON_GREEN_POOL,
    CHORD_BACKEND_WITHOUT_CHORDS,
    BROKER_SETTING_NOT_READ,
    BROKER_URL_EMPTY,
    SOFT_LIMIT_NOT_BELOW_HARD,
    SERIALIZER_NOT_ACCEPTED,
    PREFETCH_MULTIPLIER_UNLIMITED,
    DISABLE_PREFETCH_ON_RABBITMQ,
    BROKER_HEARTBEAT_DISABLED,
    ACKS_LATE_CONNECTION_LOSS_UNDECIDED,
    ACKS_LATE_WITHOUT_REJECT_ON_WORKER_LOST,
    EVICTION_POLICY_EVICTS_QUEUES,
    SETTINGS_OUTSIDE_NAMESPACE,
    RESULT_BACKEND_OUTSIDE_NAMESPACE,
    CONNECTION_RETRY_STARTUP_UNSET,
    VHOST_TRAILING_SLASH,
)

DEFAULT_SERIALIZER = "json"  # task_serializer and result_serializer (celery.app.defaults)
DEFAULT_ACCEPT_CONTENT = ("json",)  # accept_content
# accept_content may name a content type instead of a serializer
CONTENT_TYPES = {
    "application/json": "json",
    "application/x-python-serialize": "pickle",
    "application/x-yaml": "yaml",
    "application/x-msgpack": "msgpack",
}


def judge(parsed: ParsedPaste) -> list[Finding]:
    findings: list[Finding] = []
    config = parsed.config
    if config is not None:
        findings.extend(judge_namespace(config))
        findings.extend(judge_prefixed_lowercase(config))
        config = effective_config(config)
        for rule in (
            judge_time_limits,
            judge_green_pool_limits,
            judge_serializers,
            judge_disabled_prefetch,
            judge_heartbeat,
            judge_late_ack_settings,
            judge_connection_retry,
            judge_vhost_trailing_slash,
            judge_unencoded_credentials,
        ):
            findings.extend(rule(config))
        findings.extend(judge_unlimited_prefetch(config, []).findings)
        findings.extend(judge_broker_not_read(config, parsed.lines))
        findings.extend(judge_chord_backend(config))
    if parsed.broker is not None:
        findings.extend(judge_eviction_policy(parsed.broker).findings)
    return findings


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def judge_time_limits(config: CeleryConfigFact) -> list[Finding]:
    """A soft time limit at or above the hard one: the hard limit kills the task first.

    The app-wide limits (`task_soft_time_limit`, `task_time_limit`) and each
    task's own (`soft_time_limit=`, `time_limit=` on its decorator) are compared
    as Celery applies them: a task's own value, else the app-wide one.
    """
    limits, lines = config.time_limits, config.time_limit_lines
    tasks = sorted({key.split(":")[0] for key in limits if key not in ("*", "*soft")})
    findings: list[Finding] = []
    for task in ["*", *tasks]:
        soft_key = "*soft" if task == "*" else f"{task}:soft"
        soft_key = soft_key if soft_key in limits else "*soft"
        hard_key = task if task in limits else "*"
        if soft_key not in limits or hard_key not in limits:
            continue
        if task != "*" and soft_key == "*soft" and hard_key == "*":
            continue  # nothing of its own: the app-wide comparison covers it
        soft, hard = limits[soft_key], limits[hard_key]
        if soft > 0 and hard > 0 and soft >= hard:
            # the line of the limit that is this subject's own, the soft one first
            own = hard_key if task != "*" and soft_key == "*soft" else soft_key
            # the task's name only for a task's own limit (it fills the Fix's {{task}})
            named = {} if task == "*" else {"task": task}
            findings.append(
                SOFT_LIMIT_NOT_BELOW_HARD.finding(
                    "error",
                    lines.get(own) or None,
                    soft_setting=_limit_setting(soft_key, "soft_time_limit"),
                    hard_setting=_limit_setting(hard_key, "time_limit"),
                    soft=soft,
                    hard=hard,
                    **named,
                )
            )
    return findings


GREEN_POOLS = ("gevent", "eventlet")


def green_pool(config: CeleryConfigFact) -> str | None:
    """The pool, "gevent" or "eventlet", when the paste's worker runs that pool (`-P`, `worker_pool`)."""
    pool = config.pool or config.settings.get("worker_pool")
    if not isinstance(pool, str):
        return None
    pool = pool.strip().lower()
    for name in GREEN_POOLS:
        if pool == name or pool.startswith(f"celery.concurrency.{name}"):
            return name
    return None


def judge_green_pool_limits(config: CeleryConfigFact) -> list[Finding]:
    """Time limits a gevent or eventlet worker never applies (Celery 5.7 source).

    The gevent pool wraps a task in a `gevent.Timeout` for the hard limit only
    (`celery/concurrency/gevent.py`, `apply_timeout`); the soft limit is dropped, so
    SoftTimeLimitExceeded never reaches the task, and the hard timer fires only when the
    greenlet yields. The eventlet pool applies neither limit (`on_apply` takes no timeout).
    """
    pool = green_pool(config)
    limits, lines = config.time_limits, config.time_limit_lines
    if pool is None or not limits:
        return []
    if pool == "gevent":
        keys = [key for key in limits if key.endswith("soft") and limits[key] > 0]
    else:
        keys = [key for key in limits if limits[key] > 0]
    if not keys:
        return []
    key = min(keys, key=lambda k: lines.get(k) or 0)
    soft = key.endswith("soft")
    option = "soft_time_limit" if soft else "time_limit"
    return [
        TIME_LIMIT_ON_GREEN_POOL.finding(
            "warning",
            lines.get(key) or None,
            pool=pool,
            setting=_limit_setting(key, option),
            limit=limits[key],
            kind="soft" if soft else "hard",
        )
    ]


def _limit_setting(key: str, option: str) -> str:
    """The setting (or task option) a time limit comes from, as the paste writes it."""
    if key.startswith("*"):
        return f"task_{option}"
    return f"{key.split(':')[0]}({option}=)"


def _serializer_names(value: Any) -> list[str] | None:
    """Serializer names of an accept_content value; None when it is not a literal list."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return [CONTENT_TYPES.get(item.lower(), item.lower()) for item in value]


def judge_serializers(config: CeleryConfigFact) -> list[Finding]:
    """A serializer the worker does not accept: every message (or result) is refused.

    Messages are encoded with `task_serializer` and decoded only if their type is
    in `accept_content`; results likewise with `result_serializer` and
    `result_accept_content` (which falls back to `accept_content`). Judged only
    when the paste sets one side, and both sides are literal values.
    """
    settings = config.settings
    findings: list[Finding] = []
    result_accept = "result_accept_content"
    if settings.get(result_accept) is None:
        result_accept = "accept_content"
    for serializer_setting, accept_setting in (
        ("task_serializer", "accept_content"),
        ("result_serializer", result_accept),
    ):
        if serializer_setting not in settings and accept_setting not in settings:
            continue
        serializer = settings.get(serializer_setting, DEFAULT_SERIALIZER)
        accepted = _serializer_names(settings.get(accept_setting, list(DEFAULT_ACCEPT_CONTENT)))
        if not isinstance(serializer, str) or accepted is None:
            continue
        name = CONTENT_TYPES.get(serializer.lower(), serializer.lower())
        if name in accepted:
            continue
        line_of = serializer_setting if serializer_setting in settings else accept_setting
        evidence = {"setting": serializer_setting, "serializer": serializer}
        evidence.update(accept_setting=accept_setting, accepted=accepted)
        line = config.setting_lines.get(line_of)
        findings.append(SERIALIZER_NOT_ACCEPTED.finding("error", line, **evidence))
    return findings


def judge_unlimited_prefetch(
    config: CeleryConfigFact | None, workers: list[WorkerFact]
) -> Judgement:
    """No prefetch limit: `worker_prefetch_multiplier = 0`, or a live worker whose count is 0.

    What a running worker reports (remote control) is what it does, so the live
    workers' prefetch counts decide when there are any; a paste has only the
    config and the command lines (`--prefetch-multiplier` lands in the config).
    """
    judgement = Judgement("unlimited-prefetch")
    counted = [w for w in workers if w.prefetch_count is not None]
    if counted:
        judgement.compared = {"prefetch_counts": {w.name: w.prefetch_count for w in counted}}
        unlimited = sorted(w.name for w in counted if w.prefetch_count == 0)
        if unlimited:
            judgement.findings.append(
                PREFETCH_MULTIPLIER_UNLIMITED.finding(
                    "warning",
                    None,
                    setting="worker_prefetch_multiplier",
                    value=0,
                    workers=unlimited,
                )
            )
        return judgement
    multiplier = config.settings.get("worker_prefetch_multiplier") if config else None
    judgement.compared = {"worker_prefetch_multiplier": multiplier}
    if not _number(multiplier):
        judgement.skip = "no-prefetch-multiplier"
    elif multiplier == 0:
        judgement.findings.append(
            PREFETCH_MULTIPLIER_UNLIMITED.finding(
                "warning",
                config.setting_lines.get("worker_prefetch_multiplier"),
                setting="worker_prefetch_multiplier",
                value=multiplier,
            )
        )
    return judgement


def judge_disabled_prefetch(config: CeleryConfigFact) -> list[Finding]:
    """`worker_disable_prefetch` with an AMQP broker: Celery ignores it (Redis only)."""
    disabled = config.settings.get("worker_disable_prefetch") is True
    if not disabled or broker_kind(config.broker_url) != "rabbitmq":
        return []
    # Celery logs "worker_disable_prefetch is only supported for Redis brokers" and ignores it
    return [
        DISABLE_PREFETCH_ON_RABBITMQ.finding(
            "warning",
            config.setting_lines.get("worker_disable_prefetch"),
            setting="worker_disable_prefetch",
        )
    ]


def judge_heartbeat(config: CeleryConfigFact) -> list[Finding]:
    """`broker_heartbeat = 0` on an AMQP broker: dead connections go unnoticed for hours."""
    value = config.settings.get("broker_heartbeat")
    if not (_number(value) and value == 0) or broker_kind(config.broker_url) == "redis":
        return []
    return [
        BROKER_HEARTBEAT_DISABLED.finding(
            "warning",
            config.setting_lines.get("broker_heartbeat"),
            setting="broker_heartbeat",
            value=value,
        )
    ]


def judge_late_ack_settings(config: CeleryConfigFact) -> list[Finding]:
    """`task_acks_late = True` with two companions left at their defaults (possible causes).

    * `worker_cancel_long_running_tasks_on_connection_loss` unset: on a lost connection
      the running task goes on, its ack is lost and the redelivered copy runs too.
    * `task_reject_on_worker_lost` unset: a task whose pool process is killed is marked
      failed and acknowledged, not redelivered, although acks_late was meant to keep it.
    Set either way, the choice is made: no finding.
    """
    if config.settings.get("task_acks_late") is not True:
        return []
    line = config.setting_lines.get("task_acks_late")
    findings: list[Finding] = []
    if "worker_cancel_long_running_tasks_on_connection_loss" not in config.settings:
        findings.append(
            ACKS_LATE_CONNECTION_LOSS_UNDECIDED.finding(
                "info", line, setting="worker_cancel_long_running_tasks_on_connection_loss"
            )
        )
    if "task_reject_on_worker_lost" not in config.settings:
        findings.append(
            ACKS_LATE_WITHOUT_REJECT_ON_WORKER_LOST.finding(
                "info", line, setting="task_reject_on_worker_lost"
            )
        )
    return findings


def judge_eviction_policy(broker: BrokerFact) -> Judgement:
    """Redis's maxmemory-policy: `allkeys-*` may delete a queue's list, losing its tasks.

    `noeviction` (Redis's default) and `volatile-*` (only keys with a TTL) keep
    queues. An error when this Redis is known to be the broker (the live check,
    or a paste whose broker URL is Redis), else a warning: it may hold only results.
    """
    policy = broker.eviction_policy
    judgement = Judgement("eviction-policy", compared={"maxmemory_policy": policy})
    if not policy:
        judgement.skip = "no-eviction-policy"
        return judgement
    if policy.startswith("allkeys-"):
        on_broker = broker.kind == "redis"
        judgement.findings.append(
            EVICTION_POLICY_EVICTS_QUEUES.finding(
                "error" if on_broker else "warning",
                broker.eviction_policy_line,
                maxmemory_policy=policy,
                on_broker=on_broker,
            )
        )
    return judgement


def outside_namespace(config: CeleryConfigFact) -> list[str]:
    """Lowercase Celery settings of a module that uses the CELERY_ namespace (ignored)."""
    if config.config_namespace not in (None, "CELERY"):
        return []
    module = config.module_settings
    if not any(n.startswith("CELERY_") and n not in config.old_names for n in module):
        return []
    return [name for name in module if name.islower()]


def prefixed_lowercase(config: CeleryConfigFact) -> dict[str, str]:
    """Module-level `CELERY_broker_url`-style names (raw -> setting): the `CELERY_` prefix with
    a name not in capitals. Never read: Django's settings keep only uppercase names, Celery's
    namespace looks up `CELERY_` + the name in capitals, and without a namespace the spelling
    is no Celery setting at all (Celery 5.7: `app.conf.broker_url` stays None either way).
    A setting also spelt in capitals somewhere in the paste is not counted, nor any under
    another namespace (`config_from_object(..., namespace="X")` reads `X_` names)."""
    if config.config_namespace not in (None, "CELERY"):
        return {}
    spelled = set(config.name_lines)
    out: dict[str, str] = {}
    for raw in config.module_settings:
        rest = raw[len("CELERY_") :]
        if not raw.startswith("CELERY_") or rest.isupper() or not rest:
            continue
        named = setting_name(raw)
        if named is None or f"CELERY_{rest.upper()}" in spelled:
            continue
        out[raw] = named[0]
    return out


def judge_prefixed_lowercase(config: CeleryConfigFact) -> list[Finding]:
    """`CELERY_broker_url = ...` in a settings module: the prefix is right, the case is not.

    Celery's `upgrade settings` output and people's hand edits produce this mix; the worker
    then runs on defaults (the broker on amqp://guest@localhost:5672//) without a warning.
    """
    names = prefixed_lowercase(config)
    if not names:
        return []
    raws = sorted(names, key=lambda raw: config.module_settings[raw])
    first = raws[0]
    return [
        PREFIXED_SETTING_NOT_UPPERCASE.finding(
            "warning",
            config.module_settings[first],
            settings=raws[:20],
            setting=first,
            upper=f"CELERY_{first[len('CELERY_') :].upper()}",
        )
    ]


def effective_config(config: CeleryConfigFact) -> CeleryConfigFact:
    """`config` without the settings Celery never reads (`outside_namespace`,
    `prefixed_lowercase`): not judged."""
    unread = {name: name for name in outside_namespace(config)}
    unread.update(prefixed_lowercase(config))
    if not unread:
        return config
    ignored = set(unread.values())
    settings = {k: v for k, v in config.settings.items() if k not in ignored}
    acks_late = None if "task_acks_late" in ignored else config.acks_late
    changes: dict[str, Any] = {"settings": settings, "acks_late": acks_late}
    if "broker_url" in ignored:  # the URLs those names assign are not the broker either
        lines = {config.module_settings.get(raw) for raw in unread}
        values = [v for v in config.broker_url_values if v.get("line") not in lines]
        changes["broker_url_values"] = values
        changes["broker_url"] = values[-1]["url"] if values else None
    return replace(config, **changes)


def judge_namespace(config: CeleryConfigFact) -> list[Finding]:
    """Lowercase settings in a Django settings module read with `namespace="CELERY"`.

    Django keeps only UPPERCASE names of a settings module, and the namespace
    makes Celery read only `CELERY_`-prefixed ones: a bare `result_backend`
    there never reaches the app. Judged when the module visibly uses the
    namespace (a `CELERY_BROKER_URL`-style name assigned beside them).
    """
    bare = outside_namespace(config)
    if not bare:
        return []
    module = config.module_settings
    prefixed = [n for n in module if n.startswith("CELERY_") and n not in config.old_names]
    common = {"namespace": "CELERY", "prefixed": prefixed[0]}
    findings: list[Finding] = []
    if "result_backend" in bare:
        findings.append(
            RESULT_BACKEND_OUTSIDE_NAMESPACE.finding(
                "warning", module["result_backend"], setting="result_backend", **common
            )
        )
        bare.remove("result_backend")
    if bare:
        findings.append(
            SETTINGS_OUTSIDE_NAMESPACE.finding(
                "warning", module[bare[0]], settings=bare[:20], setting=bare[0], **common
            )
        )
    return findings


def judge_connection_retry(config: CeleryConfigFact) -> list[Finding]:
    """`broker_connection_retry = False` alone: Celery 6 stops reading it at startup.

    From Celery 5.5 the worker warns at every start about exactly this case;
    `broker_connection_retry_on_startup` set either way settles it.
    """
    settings = config.settings
    if settings.get("broker_connection_retry") is not False:
        return []
    if "broker_connection_retry_on_startup" in settings:
        return []
    return [
        CONNECTION_RETRY_STARTUP_UNSET.finding(
            "info",
            config.setting_lines.get("broker_connection_retry"),
            setting="broker_connection_retry",
            startup_setting="broker_connection_retry_on_startup",
        )
    ]


def judge_unencoded_credentials(config: CeleryConfigFact) -> list[Finding]:
    """A broker URL whose credentials hold a reserved character kombu cannot read.

    A `/`, `#` or `?` in the password: kombu refuses the URL (error). An `@` in credentials
    with no `:` before it: they are read as a user name and no password is sent (warning).
    The parser notes the character before it masks the password
    (`python_settings.unencoded_userinfo`); every assigned value is judged.
    """
    findings: list[Finding] = []
    for value in config.broker_url_values:
        char = value.get("unencoded")
        if not char:
            continue
        findings.append(
            BROKER_URL_CREDENTIALS_UNENCODED.finding(
                "warning" if char == "@" else "error",
                value.get("line") or None,
                setting="broker_url",
                url=value["url"],
                char=char,
            )
        )
    return findings


def judge_vhost_trailing_slash(config: CeleryConfigFact) -> list[Finding]:
    """An AMQP broker URL whose virtual host ends in a slash: `amqp://h:5672/orders/`.

    kombu takes everything after the first `/` of the path as the vhost, so that URL
    asks for the vhost `orders/`, which does not exist: the broker refuses the connection
    with `NOT_ALLOWED - vhost orders/ not found` (checked on RabbitMQ 3.10 with kombu 5.7).
    `//` (the vhost `/`) and a path of one `/` are the default vhost, not this mistake.
    Every URL the paste assigns is judged, not only the last: a report often shows the
    value that failed next to the one that worked.
    """
    values = [(v["url"], v["line"]) for v in config.broker_url_values]
    if isinstance(config.broker_url, str) and config.broker_url not in [u for u, _ in values]:
        values.append((config.broker_url, config.setting_lines.get("broker_url")))
    for url, line in values:
        finding = _trailing_slash_finding(url, line)
        if finding is not None:
            return [finding]
    return []


def _trailing_slash_finding(url: str, line: int | None) -> Finding | None:
    for one in (part.strip() for part in url.split(";")):
        try:
            parts = urlsplit(one)
        except ValueError:
            continue
        if broker_kind(f"{parts.scheme.lower()}://") != "rabbitmq" or len(parts.path) < 3:
            continue
        vhost = kombu_vhost(parts.path)
        if vhost.endswith("/") and vhost != "/":
            return VHOST_TRAILING_SLASH.finding(
                "warning",
                line or None,
                setting="broker_url",
                url=one,  # CeleryConfigFact.broker_url is masked
                vhost=vhost,
                meant=vhost.rstrip("/") or "/",
            )
    return None


# What Celery connects to when no broker setting it reads is set (kombu's default transport)
DEFAULT_BROKER = "amqp://guest@localhost:5672//"
BROKER_ENV = "CELERY_BROKER_URL"  # the environment variable Celery reads (app.utils.Settings)
BROKER_OPTION = re.compile(r"(?:^|\s)(?:--broker\b|-b\s)")


def judge_broker_not_read(config: CeleryConfigFact, lines: list[str]) -> list[Finding]:
    """The broker URL is written where Celery never reads it: the default broker is used.

    Celery takes the broker from the environment variable CELERY_BROKER_URL, else the
    `broker_url` setting (old name BROKER_URL, `CELERY_BROKER_URL` under
    `config_from_object(..., namespace="CELERY")`), else `broker_host`; with none of
    them, or an empty one, it connects to amqp://guest@localhost:5672// (checked with
    Celery 5.7: `app.connection_for_write().as_uri()`). Four ways a paste proves that:

    * a name meant as the setting that is none of Celery's: `broker = ...`, `broker_uri`,
      lowercase `celery_broker_url`, `CELERY_BROKER` (the line of that name), in a module
      the paste shows loaded with `config_from_object`, or set on `app.conf` (a project's
      own settings module often keeps the URL under such a name and passes it itself);
    * `CELERY_BROKER_URL` in an object loaded by `config_from_object(...)` without
      `namespace=`: then only `broker_url` / `BROKER_URL` are read from it;
    * `BROKER_URL=...` in /etc/default/celeryd (the paste sets the generic init script's
      variables): the script sources that file as shell and exports nothing to the
      worker, which reads no `BROKER_URL` variable anyway (only CELERY_BROKER_URL);
    * `broker_url = ""`: empty is unset (`broker-url-empty`).

    Not judged when the paste gives the broker another way Celery reads: a broker setting
    with a value (a non-literal value counts), CELERY_BROKER_URL named elsewhere in the
    paste (compose environment, an `export`, `os.environ.get("CELERY_BROKER_URL")`), or a
    command line's `--broker` / `-b`.
    """
    if _broker_given_elsewhere(config, lines):
        return []
    names = config.name_lines
    broker_names = {n: line for n, line in names.items() if _is_broker_name(n)}
    readable = {n: line for n, line in broker_names.items() if n != BROKER_ENV}
    if config.config_namespace == "CELERY" or config.unnamespaced_config_line is None:
        readable = dict(broker_names)
    init = sorted(config.init_script_vars.values())
    if len(init) >= 2:
        if BROKER_ENV in broker_names:
            return []  # read as an environment variable under systemd's EnvironmentFile
        in_script = {n: line for n, line in readable.items() if init[0] - 3 <= line <= init[-1] + 3}
        if in_script and len(in_script) == len(readable):
            name, line = min(in_script.items(), key=lambda item: item[1])
            read = f"{BROKER_ENV} (exported) or broker_url in the app's config"
            return [_not_read(name, line, read)]
        return []
    value = config.settings.get("broker_url")
    has_value = any(v["url"] != "" for v in config.broker_url_values) or (
        "broker_url" in config.settings and value != ""
    )
    empty = readable and not has_value and "broker_host" not in config.settings
    if empty and value == "":
        return [
            BROKER_URL_EMPTY.finding(
                "error",
                config.setting_lines.get("broker_url"),
                setting=min(readable, key=readable.get),
                default=DEFAULT_BROKER,
            )
        ]
    if readable:
        return []
    loaded = config.config_namespace is not None or config.unnamespaced_config_line is not None
    unread = {
        n: line
        for n, line in config.unread_broker_names.items()
        if loaded or n.startswith("app.conf.")  # a module Celery is shown to load, or its conf
    }
    if unread:
        name, line = min(unread.items(), key=lambda item: item[1])
        return [_not_read(name, line, "broker_url")]
    if BROKER_ENV in broker_names:
        read = 'broker_url, or CELERY_BROKER_URL with config_from_object(..., namespace="CELERY")'
        return [_not_read(BROKER_ENV, broker_names[BROKER_ENV], read)]
    return []


def _is_broker_name(raw: str) -> bool:
    named = setting_name(raw)
    return named is not None and named[0] in ("broker_url", "broker_host")


def _not_read(name: str, line: int, read: str) -> Finding:
    return BROKER_SETTING_NOT_READ.finding(
        "error", line or None, setting=name, read=read, default=DEFAULT_BROKER
    )


def _broker_given_elsewhere(config: CeleryConfigFact, lines: list[str]) -> bool:
    own = config.name_lines.get(BROKER_ENV)
    for number, line in enumerate(lines, start=1):
        count = line.count(BROKER_ENV)
        if count > (1 if number == own else 0):
            return True
        if "celery" in line and BROKER_OPTION.search(line):
            return True
    return False


# Result backends that cannot finish a chord: the rpc backend refuses chords
# (`RPCBackend.ensure_chords_allowed`: 'The "rpc" result backend does not support chords!'),
# and the old amqp backend (removed in Celery 5) had no native join, so the callback waited
# on celery.chord_unlock polling, which kept retrying (celery#3330)
NO_CHORD_BACKENDS = ("rpc", "amqp")


def judge_chord_backend(config: CeleryConfigFact) -> list[Finding]:
    """A `chord(...)` in the paste with the rpc or amqp result backend: the callback never runs.

    Judged only when the paste both calls `chord` and sets the result backend (a setting or
    `Celery(backend=...)`) to `rpc`/`rpc://` or `amqp`/`amqp://...`; the line is the chord's.
    """
    backend = config.settings.get("result_backend")
    if not config.chord_lines or not isinstance(backend, str):
        return []
    scheme = backend.split("://", 1)[0].strip().lower()
    if scheme not in NO_CHORD_BACKENDS:
        return []
    return [
        CHORD_BACKEND_WITHOUT_CHORDS.finding(
            "error", config.chord_lines[0], backend=backend, setting="result_backend"
        )
    ]

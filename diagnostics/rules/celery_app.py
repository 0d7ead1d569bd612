"""Rules over a pasted Celery config: settings, tasks, timeouts, dependencies.

Sample paste these rules read:

    CELERYD_CONCURRENCY = 4
    worker_prefetch_multiplier = 1
    broker_transport_options = {"global_qos": False}
    task_routes = {"scan.*": {"queue": "scan", "dead_letter_queue": "scan.dlq"}}
"""

from __future__ import annotations

from dataclasses import replace

from celery.app.defaults import _TO_NEW_KEY

from diagnostics import linear_re as re
from diagnostics.facts import BrokerFact, CeleryConfigFact, Finding, broker_kind
from diagnostics.parsers import ParsedPaste
from diagnostics.rules.base import RuleSpec
from diagnostics.rules.setting_values import effective_config
from diagnostics.rules.timeouts import judge_consumer_timeout, judge_visibility_timeout

GLOBAL_QOS_OPTION_IGNORED = RuleSpec(
    "global-qos-option-ignored", "quorum-queue-global-qos", ("setting", "key")
)
RESULT_GET_IN_TASK = RuleSpec("result-get-in-task", "result-get-within-task", ("task", "call"))
_NAMES = ("setting", "new_name", "old", "new", "lowercase_new")
OLD_SETTING_NAMES = RuleSpec("old-setting-names", "deprecated-setting-names", _NAMES)
OLD_AND_NEW_SETTING_NAMES = RuleSpec(
    "old-and-new-setting-names", "deprecated-setting-names", _NAMES
)
DEAD_LETTER_QUEUE_ROUTE = RuleSpec(
    "dead-letter-queue-route", "celery-worker-lifecycle", ("task", "setting", "section")
)
EXTENSION_NOT_IN_REQUIREMENTS = RuleSpec(
    "extension-not-in-requirements", "missing-worker-dependency", ("module", "package")
)
SPECS = (
    GLOBAL_QOS_OPTION_IGNORED,
    RESULT_GET_IN_TASK,
    OLD_SETTING_NAMES,
    OLD_AND_NEW_SETTING_NAMES,
    DEAD_LETTER_QUEUE_ROUTE,
    EXTENSION_NOT_IN_REQUIREMENTS,
)


def judge(parsed: ParsedPaste) -> list[Finding]:
    if parsed.config is None:
        return []
    config = effective_config(parsed.config)  # lowercase names under CELERY_ are not read
    findings: list[Finding] = []
    for rule in (judge_global_qos_option, judge_get_in_task, judge_dead_letter_routes):
        findings.extend(rule(config))
    findings.extend(judge_setting_names(config, parsed.diff_sides))
    broker = parsed.broker or BrokerFact()
    if broker.kind is None:
        broker = replace(broker, kind=broker_kind(config.broker_url) or _named(parsed))
    versions = parsed.extra.get("versions")
    if versions is not None and versions.rabbitmq and broker.version is None:
        broker = replace(broker, version=versions.rabbitmq)
    findings.extend(judge_consumer_timeout(config, broker).findings)
    findings.extend(judge_visibility_timeout(config, broker).findings)
    findings.extend(judge_dependencies(parsed))
    return findings


_REDIS = re.compile(r"\bredis\b", re.IGNORECASE)
_OTHER_BROKER = re.compile(r"rabbit|amqp|\bsqs\b|kafka|\bqpid\b|\bmongo", re.IGNORECASE)


def _named(parsed: ParsedPaste) -> str | None:
    """The broker kind "redis" when the paste names no broker URL but talks of Redis and of no other broker
    ("the unacked hash in redis"): the timeouts are then the Redis transport's, not
    RabbitMQ's consumer_timeout. Not when a Redis result backend explains the word (the
    broker is then Celery's default AMQP one, or unknown)."""
    config = parsed.config
    backend = config.settings.get("result_backend") if config is not None else None
    if isinstance(backend, str) and backend.startswith(("redis", "rediss")):
        return None
    text = "\n".join(parsed.lines)
    if _REDIS.search(text) and not _OTHER_BROKER.search(text):
        return "redis"
    return None


def judge_global_qos_option(config: CeleryConfigFact) -> list[Finding]:
    """`global_qos` in broker_transport_options is read by nothing in celery, kombu or py-amqp."""
    options = config.settings.get("broker_transport_options")
    if not isinstance(options, dict) or "global_qos" not in options:
        return []
    line = config.setting_lines.get("broker_transport_options")
    return [
        GLOBAL_QOS_OPTION_IGNORED.finding(
            "warning", line, setting="broker_transport_options", key="global_qos"
        )
    ]


def judge_get_in_task(config: CeleryConfigFact) -> list[Finding]:
    return [
        RESULT_GET_IN_TASK.finding("error", item["line"], task=item["task"], call=item["call"])
        for item in config.get_in_task
    ]


def judge_setting_names(
    config: CeleryConfigFact, diff_sides: dict[int, str] | None = None
) -> list[Finding]:
    """Old names: a deprecation (info); old mixed with lowercase new names: Celery refuses.

    Under Django's `namespace="CELERY"` the new names are spelled `CELERY_TASK_ACKS_LATE`;
    old names next to them still work (checked with Celery 5.7: no ImproperlyConfigured),
    so that mix is only a deprecation too. In a diff, the mix counts only within one side
    (removed and context lines, or added and context lines): a hunk that renames
    `BROKER_URL` to `broker_url` never had both at once.
    """
    if not config.old_names:
        return []
    lowercase_new = [name for name in config.new_names if name.islower()]
    if diff_sides and lowercase_new:
        lowercase_new = _mixed_on_one_side(config, lowercase_new, diff_sides)
    first = min(
        (
            config.name_lines.get(n) or config.setting_lines.get(_new(n), 0)
            for n in config.old_names
        ),
        default=0,
    )
    spec = OLD_AND_NEW_SETTING_NAMES if lowercase_new else OLD_SETTING_NAMES
    return [
        spec.finding(
            "error" if lowercase_new else "info",
            first or None,
            setting=config.old_names[0],
            new_name=_new(config.old_names[0]),
            old=config.old_names[:20],
            new=config.new_names[:20],
            lowercase_new=lowercase_new[:20],
        )
    ]


def _mixed_on_one_side(
    config: CeleryConfigFact, lowercase_new: list[str], sides: dict[int, str]
) -> list[str]:
    """The lowercase new names that share a side of the diff with an old name."""

    def side(name: str) -> str:
        return sides.get(config.name_lines.get(name, 0), " ")

    old_sides = {side(name) for name in config.old_names}
    if " " in old_sides:
        return lowercase_new  # an old name on a context line is on both sides
    return [name for name in lowercase_new if side(name) == " " or side(name) in old_sides]


def _new(old: str) -> str:
    return _TO_NEW_KEY.get(old, old.lower())


def judge_dead_letter_routes(config: CeleryConfigFact) -> list[Finding]:
    """`dead_letter_queue` in a route is not a Celery option: dead-lettering is a queue property."""
    return [
        DEAD_LETTER_QUEUE_ROUTE.finding(
            "warning",
            config.route_lines.get(pattern),
            task=pattern,
            setting="task_routes",
            section="dead-lettering",
        )
        for pattern, route in config.routes.items()
        if "dead_letter_queue" in route
    ]


EXTENSIONS = {
    # module or app name -> (package names that provide it)
    "celery_batches": ("celery-batches",),
    "django_celery_results": ("django-celery-results",),
    "django_celery_beat": ("django-celery-beat",),
    "redis": ("redis", "celery-redis"),
}


def judge_dependencies(parsed: ParsedPaste) -> list[Finding]:
    config, requirements = parsed.config, parsed.requirements
    if config is None or requirements is None:
        return []
    used = dict(config.imports)
    for setting in ("broker_url", "result_backend"):
        value = config.settings.get(setting)
        if isinstance(value, str):
            if value.startswith(("redis://", "rediss://")):
                used.setdefault("redis", config.setting_lines.get(setting, 0))
            if value.startswith("django-db"):
                used.setdefault("django_celery_results", config.setting_lines.get(setting, 0))
    scheduler = config.settings.get("beat_scheduler")
    if isinstance(scheduler, str) and "django_celery_beat" in scheduler:
        used.setdefault("django_celery_beat", config.setting_lines.get("beat_scheduler", 0))
    findings = []
    for module, packages in EXTENSIONS.items():
        if module in used and not any(p in requirements.packages for p in packages):
            findings.append(
                EXTENSION_NOT_IN_REQUIREMENTS.finding(
                    "error", used[module] or None, module=module, package=packages[0]
                )
            )
    return findings

"""Rules over a pasted Celery config: settings, tasks, timeouts, dependencies.

Sample paste these rules read:

    CELERYD_CONCURRENCY = 4
    worker_prefetch_multiplier = 1
    broker_transport_options = {"global_qos": False}
    task_routes = {"scan.*": {"queue": "scan", "dead_letter_queue": "scan.dlq"}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diagnostics import linear_re as re
from diagnostics.facts import CeleryConfigFact, Finding
from diagnostics.rules.paste_queues import is_redis

if TYPE_CHECKING:
    from diagnostics.parsers import ParsedPaste

DEFAULT_CONSUMER_TIMEOUT_S = 1800.0
DEFAULT_VISIBILITY_TIMEOUT_S = 3600.0
CONSUMER_TIMEOUT = re.compile(r"\bconsumer_timeout\s*[=:]\s*(\d+)|x-consumer-timeout\W+(\d+)")


def check(parsed: ParsedPaste) -> list[Finding]:
    config = parsed.config
    if config is None:
        return []
    findings: list[Finding] = []
    for rule in (
        check_global_qos_option,
        check_get_in_task,
        check_setting_names,
        check_dead_letter_routes,
    ):
        findings.extend(rule(config))
    findings.extend(check_ack_timeout(config, parsed.lines))
    findings.extend(check_visibility_timeout(config))
    findings.extend(check_dependencies(parsed))
    return findings


def check_global_qos_option(config: CeleryConfigFact) -> list[Finding]:
    options = config.settings.get("broker_transport_options")
    if not isinstance(options, dict) or "global_qos" not in options:
        return []
    return [
        Finding(
            rule="global-qos-option-ignored",
            entry="quorum-queue-global-qos",
            severity="warning",
            message=(
                "broker_transport_options={'global_qos': ...} is read by nothing in celery, kombu "
                "or py-amqp: it does not stop the 540 'does not support global qos' error; declare "
                "the queue as quorum in task_queues instead"
            ),
            line=config.setting_lines.get("broker_transport_options"),
            evidence={"setting": "broker_transport_options", "key": "global_qos"},
        )
    ]


def check_get_in_task(config: CeleryConfigFact) -> list[Finding]:
    return [
        Finding(
            rule="result-get-in-task",
            entry="result-get-within-task",
            severity="error",
            message=(
                f"Task '{item['task']}' waits for another task's result ({item['call']}); Celery "
                f"raises 'RuntimeError: Never call result.get() within a task!' and, if forced, "
                f"the worker can deadlock"
            ),
            line=item["line"],
            evidence={"task": item["task"], "call": item["call"]},
        )
        for item in config.get_in_task
    ]


def check_setting_names(config: CeleryConfigFact) -> list[Finding]:
    """Old names: a deprecation (info); old mixed with lowercase new names: Celery refuses.

    Under Django's `namespace="CELERY"` the new names are spelled `CELERY_TASK_ACKS_LATE`;
    old names next to them still work (checked with Celery 5.7: no ImproperlyConfigured),
    so that mix is only a deprecation too.
    """
    if not config.old_names:
        return []
    lowercase_new = [name for name in config.new_names if name.islower()]
    first = min((config.setting_lines.get(_new(n), 0) for n in config.old_names), default=0)
    olds = ", ".join(config.old_names[:5])
    if lowercase_new:
        message = (
            f"Old setting names ({olds}) mixed with new ones ({', '.join(lowercase_new[:5])}): "
            f"Celery refuses to start with 'ImproperlyConfigured: Cannot mix new and old "
            f"setting keys'"
        )
    else:
        message = (
            f"Old setting names ({olds}): deprecated since Celery 4 and still read, with a "
            f"warning; the new name of {config.old_names[0]} is {_new(config.old_names[0])}"
        )
    return [
        Finding(
            rule="old-and-new-setting-names" if lowercase_new else "old-setting-names",
            entry="deprecated-setting-names",
            severity="error" if lowercase_new else "info",
            message=message,
            line=first or None,
            evidence={
                "setting": config.old_names[0],
                "old": config.old_names[:20],
                "new": config.new_names[:20],
            },
        )
    ]


def _new(old: str) -> str:
    from celery.app.defaults import _TO_NEW_KEY

    return _TO_NEW_KEY.get(old, old.lower())


def check_dead_letter_routes(config: CeleryConfigFact) -> list[Finding]:
    return [
        Finding(
            rule="dead-letter-queue-route",
            entry="celery-worker-lifecycle",
            severity="warning",
            message=(
                f"task_routes['{pattern}'] has 'dead_letter_queue', which is not a Celery option "
                f"and is ignored; dead-lettering is a queue property (x-dead-letter-exchange in "
                f"queue_arguments, or a broker policy)"
            ),
            line=config.route_lines.get(pattern),
            evidence={"task": pattern, "setting": "task_routes", "section": "dead-lettering"},
        )
        for pattern, route in config.routes.items()
        if "dead_letter_queue" in route
    ]


def consumer_timeout_s(lines: list[str]) -> float:
    """RabbitMQ's consumer_timeout as the paste states it (ms in rabbitmq.conf), else 30 min."""
    for line in lines:
        match = CONSUMER_TIMEOUT.search(line[:500])
        if match:
            return int(match.group(1) or match.group(2)) / 1000
    return DEFAULT_CONSUMER_TIMEOUT_S


def check_ack_timeout(config: CeleryConfigFact, lines: list[str]) -> list[Finding]:
    if is_redis(config):
        return []
    timeout = consumer_timeout_s(lines)
    findings: list[Finding] = []
    if config.max_countdown_s is not None and config.max_countdown_s > timeout:
        findings.append(
            _ack_finding(
                "countdown-over-consumer-timeout",
                config.countdown_lines[0] if config.countdown_lines else None,
                timeout,
                f"A countdown/ETA of {config.max_countdown_s:g} s is longer than RabbitMQ's "
                f"consumer_timeout ({timeout:g} s): the worker holds the message unacknowledged "
                f"until then and the broker closes the channel with 406 'delivery acknowledgement "
                f"on channel N timed out'",
                config.max_countdown_s,
            )
        )
    hard = config.time_limits.get("*")
    if config.acks_late and (hard is None or hard > timeout):
        line = config.setting_lines.get("task_acks_late")
        findings.append(
            _ack_finding(
                "acks-late-over-consumer-timeout",
                line,
                timeout,
                f"acks_late keeps each message unacknowledged while its task runs; a task running "
                f"longer than consumer_timeout ({timeout:g} s) gets the channel closed with 406 "
                f"'delivery acknowledgement on channel N timed out'"
                + ("" if hard else " (no task_time_limit caps the run time)"),
                hard,
                # a limit above the timeout is a definite risk; no limit at all only a possible one
                severity="warning" if hard else "info",
            )
        )
    return findings


def _ack_finding(
    rule: str,
    line: int | None,
    timeout: float,
    message: str,
    seconds: float | None,
    severity: str = "warning",
) -> Finding:
    evidence = {"timeout_ms": str(int(timeout * 1000))}
    if seconds is not None:
        evidence["seconds"] = f"{seconds:g}"
    return Finding(
        rule=rule,
        entry="delivery-ack-timeout",
        severity=severity,
        message=message,
        line=line,
        evidence=evidence,
    )


def check_visibility_timeout(config: CeleryConfigFact) -> list[Finding]:
    if not is_redis(config) or config.max_countdown_s is None:
        return []
    options = config.settings.get("broker_transport_options")
    timeout = DEFAULT_VISIBILITY_TIMEOUT_S
    if isinstance(options, dict) and isinstance(options.get("visibility_timeout"), (int, float)):
        timeout = float(options["visibility_timeout"])
    if config.max_countdown_s <= timeout:
        return []
    return [
        Finding(
            rule="countdown-over-visibility-timeout",
            entry="redis-visibility-timeout",
            severity="warning",
            message=(
                f"On the Redis broker a countdown/ETA of {config.max_countdown_s:g} s exceeds "
                f"visibility_timeout ({timeout:g} s): the message is restored to the queue and "
                f"another worker runs the task again"
            ),
            line=config.countdown_lines[0] if config.countdown_lines else None,
            evidence={"seconds": f"{config.max_countdown_s:g}", "timeout": f"{timeout:g}"},
        )
    ]


EXTENSIONS = {
    # module or app name -> (package names that provide it)
    "celery_batches": ("celery-batches",),
    "django_celery_results": ("django-celery-results",),
    "django_celery_beat": ("django-celery-beat",),
    "redis": ("redis", "celery-redis"),
}


def check_dependencies(parsed: ParsedPaste) -> list[Finding]:
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
                Finding(
                    rule="extension-not-in-requirements",
                    entry="missing-worker-dependency",
                    severity="error",
                    message=(
                        f"'{module}' is imported or configured but '{packages[0]}' is not in "
                        f"the pasted requirements: the worker image fails with "
                        f"ModuleNotFoundError: No module named '{module}'"
                    ),
                    line=used[module] or None,
                    evidence={"module": module, "package": packages[0]},
                )
            )
    return findings

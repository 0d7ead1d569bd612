"""Broker timeouts against what the app does: one judgement for pastes and live checks.

A message stays unacknowledged from delivery until the worker acks it: until the
task starts (the default), or until it ends (`acks_late`); a countdown/ETA task is
held, unacknowledged, until it is due. Two broker timeouts bound that time:

* RabbitMQ's `consumer_timeout` (milliseconds, default 30 min): past it the broker
  closes the channel with 406 "delivery acknowledgement on channel N timed out".
* kombu's Redis `visibility_timeout` (seconds, default 1 h): past it the message
  is restored to the queue and another worker runs the task again.

A countdown that *reaches* the timeout is already at risk (the task is due the
moment the broker gives up on it), so both rules compare with `>=`.

The paste path (diagnostics.rules.celery_app) and the live path
(diagnostics.checks.broker, .redis_checks) call these functions with the same
facts and get the same findings; `Judgement.skip` says when there was nothing
to compare, so a live check reports SKIPPED instead of a vacuous PASS.
"""

from __future__ import annotations

from diagnostics.facts import BrokerFact, CeleryConfigFact, Judgement
from diagnostics.rules.base import RuleSpec
from diagnostics.rules.rabbitmq4 import classic_queues_never_time_out

DEFAULT_CONSUMER_TIMEOUT_MS = 1_800_000  # RabbitMQ >= 3.8.15 (rabbit.consumer_timeout)
DEFAULT_VISIBILITY_TIMEOUT_S = 3600.0  # kombu.transport.redis.Channel.visibility_timeout

ACK_ENTRY = "delivery-ack-timeout"
VISIBILITY_ENTRY = "redis-visibility-timeout"
COUNTDOWN_OVER_CONSUMER_TIMEOUT = RuleSpec(
    "countdown-over-consumer-timeout",
    ACK_ENTRY,
    ("countdown_s", "timeout_ms", "timeout_s", "assumed"),
)
ACKS_LATE_OVER_CONSUMER_TIMEOUT = RuleSpec(
    "acks-late-over-consumer-timeout",
    ACK_ENTRY,
    ("limit_s", "timeout_ms", "timeout_s", "assumed"),
)
COUNTDOWN_OVER_VISIBILITY_TIMEOUT = RuleSpec(
    "countdown-over-visibility-timeout",
    VISIBILITY_ENTRY,
    ("countdown_s", "timeout_s", "assumed"),
)
ACKS_LATE_OVER_VISIBILITY_TIMEOUT = RuleSpec(
    "acks-late-over-visibility-timeout",
    VISIBILITY_ENTRY,
    ("limit_s", "timeout_s", "assumed"),
)
SPECS = (
    COUNTDOWN_OVER_CONSUMER_TIMEOUT,
    ACKS_LATE_OVER_CONSUMER_TIMEOUT,
    COUNTDOWN_OVER_VISIBILITY_TIMEOUT,
    ACKS_LATE_OVER_VISIBILITY_TIMEOUT,
)


def hard_time_limit_s(config: CeleryConfigFact) -> float | None:
    """`task_time_limit` (or the worker's --time-limit): the longest any task may run."""
    return config.time_limits.get("*")


def visibility_timeout_s(config: CeleryConfigFact) -> tuple[float, bool]:
    """(seconds, whether the config sets it) from broker_transport_options."""
    options = config.settings.get("broker_transport_options")
    value = options.get("visibility_timeout") if isinstance(options, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), True
    return DEFAULT_VISIBILITY_TIMEOUT_S, False


def judge_consumer_timeout(config: CeleryConfigFact | None, broker: BrokerFact) -> Judgement:
    """countdown/ETA and acks_late against RabbitMQ's consumer_timeout."""
    judgement = Judgement("consumer-timeout")
    assumed = broker.consumer_timeout_ms is None
    timeout_ms = broker.consumer_timeout_ms or DEFAULT_CONSUMER_TIMEOUT_MS
    common = {"timeout_ms": timeout_ms, "timeout_s": timeout_ms / 1000, "assumed": assumed}
    judgement.compared = dict(common)
    if broker.kind == "redis":
        judgement.skip = "redis-broker"
        return judgement
    if config is None:
        judgement.skip = "no-config"
        return judgement
    countdown, limit = config.max_countdown_s, hard_time_limit_s(config)
    if countdown is None and not config.acks_late:
        judgement.skip = "no-countdown-no-acks-late"
        return judgement
    if classic_queues_never_time_out(broker, config):
        # RabbitMQ >= 4.3 never times out a delivery on a classic queue: no 406 to predict
        # (diagnostics.rules.rabbitmq4.judge_classic_consumer_timeout says what that means)
        judgement.compared["rabbitmq_version"] = broker.version
        judgement.skip = "classic-queues-4-3"
        return judgement
    judgement.compared.update(
        countdown_s=countdown, acks_late=bool(config.acks_late), limit_s=limit
    )
    if countdown is not None and countdown * 1000 >= timeout_ms:
        line = config.countdown_lines[0] if config.countdown_lines else None
        judgement.findings.append(
            COUNTDOWN_OVER_CONSUMER_TIMEOUT.finding("error", line, countdown_s=countdown, **common)
        )
    if config.acks_late and (limit is None or limit * 1000 >= timeout_ms):
        # a limit at or above the timeout is a definite risk; no limit at all only a possible one
        judgement.findings.append(
            ACKS_LATE_OVER_CONSUMER_TIMEOUT.finding(
                "warning" if limit is not None else "info",
                config.setting_lines.get("task_acks_late"),
                limit_s=limit,
                **common,
            )
        )
    return judgement


def judge_visibility_timeout(config: CeleryConfigFact | None, broker: BrokerFact) -> Judgement:
    """countdown/ETA and acks_late against the Redis transport's visibility_timeout."""
    judgement = Judgement("visibility-timeout")
    if broker.kind != "redis":
        judgement.skip = "not-redis"
        return judgement
    if config is None:
        judgement.compared = {"timeout_s": DEFAULT_VISIBILITY_TIMEOUT_S, "assumed": True}
        judgement.skip = "no-config"
        return judgement
    timeout, explicit = visibility_timeout_s(config)
    common = {"timeout_s": timeout, "assumed": not explicit}
    judgement.compared = dict(common)
    countdown, limit = config.max_countdown_s, hard_time_limit_s(config)
    if countdown is None and not config.acks_late:
        judgement.skip = "no-countdown-no-acks-late"
        return judgement
    judgement.compared.update(
        countdown_s=countdown, acks_late=bool(config.acks_late), limit_s=limit
    )
    if countdown is not None and countdown >= timeout:
        line = config.countdown_lines[0] if config.countdown_lines else None
        judgement.findings.append(
            COUNTDOWN_OVER_VISIBILITY_TIMEOUT.finding(
                "error", line, countdown_s=countdown, **common
            )
        )
    if config.acks_late and (limit is None or limit >= timeout):
        judgement.findings.append(
            ACKS_LATE_OVER_VISIBILITY_TIMEOUT.finding(
                "warning" if limit is not None else "info",
                config.setting_lines.get("task_acks_late"),
                limit_s=limit,
                **common,
            )
        )
    return judgement

"""Which check units run, in which order, for a given plan.

Order matters: the connection unit opens the connection the others share,
the management unit the API client; the round trip comes last because an
alarm can block its publisher for the rest of its budget.
"""

from __future__ import annotations

from diagnostics.checks import broker, connection, rabbitmq4, rabbitmq_queues, redis_checks, workers
from diagnostics.checks.connection import CONNECTION_ENTRY
from diagnostics.checks.plan import RunPlan
from diagnostics.checks.runner import CheckUnit

AMQP_UNITS = (
    CheckUnit(
        "connection",
        "Reachability and handshake",
        connection.check_amqp_connection,
        timeout=600,
        entry=CONNECTION_ENTRY,
    ),
    CheckUnit("management", "Management API", broker.check_management, timeout=8),
    CheckUnit(
        "resource-alarms",
        "Memory and disk alarms",
        broker.check_alarms,
        timeout=5,
        entry="broker-resource-alarm",
    ),
    CheckUnit(
        "consumer-timeout",
        "Consumer timeout vs ETA and acks_late",
        broker.check_consumer_timeout,
        timeout=2,
    ),
    CheckUnit("queues", "Queues", rabbitmq_queues.check_queues, timeout=20),
    CheckUnit(
        "fanout-shared-queue",
        "Fanout exchanges",
        rabbitmq_queues.check_fanout_shared_queues,
        timeout=8,
    ),
    CheckUnit("rabbitmq-4", "RabbitMQ 4.x changes", rabbitmq4.check_rabbitmq4, timeout=8),
    CheckUnit("workers", "Workers (remote control)", workers.check_workers, timeout=8),
    CheckUnit(
        "latency", "Round-trip latency", broker.check_round_trip, timeout=8, entry=CONNECTION_ENTRY
    ),
)

REDIS_UNITS = (
    CheckUnit(
        "connection",
        "Reachability and handshake",
        connection.check_redis_connection,
        timeout=600,
        entry=CONNECTION_ENTRY,
    ),
    CheckUnit(
        "redis-memory",
        "Redis version and eviction policy",
        redis_checks.check_redis_memory,
        timeout=5,
    ),
    CheckUnit(
        "redis-visibility-timeout",
        "Visibility timeout vs countdown/ETA",
        redis_checks.check_visibility_timeout,
        timeout=2,
    ),
    CheckUnit("redis-queues", "Queue lengths", redis_checks.check_redis_queues, timeout=10),
    CheckUnit(
        "workers", "Workers (remote control)", redis_checks.report_redis_workers_skipped, timeout=1
    ),
    CheckUnit(
        "latency", "Round-trip latency", redis_checks.report_redis_latency_skipped, timeout=1
    ),
)


def select_units(plan: RunPlan) -> list[CheckUnit]:
    """The units for this broker kind, in run order."""
    return list(REDIS_UNITS if plan.is_redis else AMQP_UNITS)


def planned_checks(plan: RunPlan) -> list[dict[str, str]]:
    """`[{"check", "title"}]` for the progress display before results arrive."""
    return [{"check": unit.id, "title": unit.title} for unit in select_units(plan)]

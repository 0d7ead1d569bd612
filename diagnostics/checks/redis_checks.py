"""Redis broker checks: version and eviction policy, visibility timeout, queue lengths."""

from __future__ import annotations

from diagnostics.checks.results import PASS, SKIPPED, CheckResult, judgement_results
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.facts import BrokerFact
from diagnostics.probes.redis import queue_length, read_info
from diagnostics.rules.setting_values import judge_eviction_policy
from diagnostics.rules.timeouts import judge_visibility_timeout

VISIBILITY_TITLE = "Visibility timeout vs countdown/ETA"


def check_redis_memory(ctx: RunContext, emit: Emitter) -> None:
    """maxmemory-policy: allkeys-* may evict queue lists (lost tasks); volatile-* only TTL keys.

    The judgement is the paste rules' own (diagnostics.rules.setting_values), with
    the policy INFO reports for this Redis, which is the broker.
    """
    title = "Redis version and eviction policy"
    if ctx.redis is None:
        emit(CheckResult("redis-memory", title, SKIPPED, outcome="skip.no-redis-node"))
        return
    info = read_info(ctx.redis)
    evidence = {
        "version": info.version,
        "maxmemory": info.maxmemory,
        "maxmemory_policy": info.maxmemory_policy,
        "used_memory": info.used_memory,
    }
    broker = BrokerFact(kind="redis", eviction_policy=info.maxmemory_policy or None)
    judgement = judge_eviction_policy(broker)
    for result in judgement_results("redis-memory", title, judgement):
        if result.status == PASS:
            volatile = info.maxmemory_policy.startswith("volatile-") and info.maxmemory
            result.outcome = "redis-memory.volatile" if volatile else "redis-memory.pass"
        result.evidence = {**evidence, **result.evidence}
        emit(result)


def check_visibility_timeout(ctx: RunContext, emit: Emitter) -> None:
    """Countdown/ETA or acks_late against visibility_timeout: the paste rules' own judgement."""
    judgement = judge_visibility_timeout(ctx.plan.expectations.config, BrokerFact(kind="redis"))
    for result in judgement_results("redis-visibility-timeout", VISIBILITY_TITLE, judgement):
        emit(result)


def check_redis_queues(ctx: RunContext, emit: Emitter) -> None:
    """Length of each queue, summed over kombu's priority sub-lists."""
    names = ctx.plan.queue_names()
    if ctx.redis is None or not names:
        emit(
            CheckResult(
                "redis-queues",
                "Queue lengths",
                SKIPPED,
                outcome="skip.no-redis-node" if ctx.redis is None else "skip.no-queue-named",
            )
        )
        return
    for name in names:
        lengths = queue_length(ctx.redis, name)
        total = sum(lengths.values())
        emit(
            CheckResult(
                "redis-queue",
                f"Queue '{name}'",
                PASS,
                outcome="redis-queue.length" if total else "redis-queue.empty",
                evidence={
                    "queue": name,
                    "length": total,
                    "lists": {k.replace("\x06\x16", "\\x06\\x16"): v for k, v in lengths.items()},
                },
            )
        )


def report_redis_workers_skipped(ctx: RunContext, emit: Emitter) -> None:
    """Remote control over Redis would write kombu binding keys: not done by a read-only run."""
    emit(
        CheckResult(
            "workers",
            "Workers (remote control)",
            SKIPPED,
            outcome="workers.skip.redis",
        )
    )


def report_redis_latency_skipped(ctx: RunContext, emit: Emitter) -> None:
    """Redis has no server-named, self-deleting queue: a round trip would write a key."""
    emit(
        CheckResult(
            "latency",
            "Round-trip latency",
            SKIPPED,
            outcome="latency.skip.redis",
        )
    )

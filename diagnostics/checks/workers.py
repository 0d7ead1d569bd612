"""Workers through Celery remote control, only where it changes nothing.

Remote control needs the `celery.pidbox` exchange (the workers declare it)
and `reply.celery.pidbox` (declared by whoever asked first); kombu would
create either if missing, so the check asks only when both already exist.

Results: queues the config uses that no worker consumes (an outcome key); and
the shared judgements of diagnostics.rules.workers over the workers that
answered: tasks routed to a queue whose workers do not register them
(`unregistered-task`), and two heuristics, always `warn`: a prefork worker with
state filled in the main process (`prefork-cache-not-shared`) and one worker
consuming queues of short and of long tasks (`mixed-workload-queue`); and a
worker with no prefetch limit (prefetch count 0), the paste rule over
`worker_prefetch_multiplier = 0` (diagnostics.rules.setting_values).
"""

from __future__ import annotations

from typing import Any

from diagnostics.checks.results import PASS, SKIPPED, WARN, CheckResult, finding_result
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.facts import WorkerFact
from diagnostics.parsers.signals import main_process_fills
from diagnostics.probes.amqp import exchange_exists
from diagnostics.probes.workers import describe_pool, inspect_workers
from diagnostics.rules.setting_values import judge_unlimited_prefetch
from diagnostics.rules.workers import (
    judge_mixed_workload,
    judge_prefork_cache,
    judge_unregistered,
)

PING_TIMEOUT_S = 1.0
PIDBOX_EXCHANGES = ("celery.pidbox", "reply.celery.pidbox")


def check_workers(ctx: RunContext, emit: Emitter) -> None:
    """Ask the vhost's workers (ping → stats, active_queues, registered) and compare."""
    title = "Workers (remote control)"
    if ctx.amqp is None:
        emit(CheckResult("workers", title, SKIPPED, outcome="workers.skip.no-connection"))
        return
    missing = [name for name in PIDBOX_EXCHANGES if not _exchange_present(ctx, name)]
    if missing:
        emit(
            CheckResult(
                "workers",
                title,
                SKIPPED,
                outcome="workers.skip.no-pidbox-exchange",
                evidence={"missing_exchanges": missing, "vhost": ctx.plan.vhost},
            )
        )
        return
    snapshot = inspect_workers(
        ctx.endpoint,
        ctx.address,
        timeout=min(PING_TIMEOUT_S, ctx.step_timeout()),
        tls=ctx.plan.request.tls,
    )
    if not snapshot.ping:
        status = WARN if ctx.plan.expectations.given else PASS
        emit(
            CheckResult(
                "workers",
                title,
                status,
                outcome="workers.none-answered",
                evidence={"workers": {}, "timeout_s": PING_TIMEOUT_S, "vhost": ctx.plan.vhost},
            )
        )
        return
    workers = _describe_workers(snapshot)
    emit(
        CheckResult(
            "workers",
            title,
            PASS,
            outcome="workers.answered",
            evidence={
                "workers": workers,
                "count": len(workers),
                "described": [
                    f"{name} ({w['pool']}, {w['concurrency']}, {w['prefetch_count']})"
                    for name, w in workers.items()
                ],
            },
        )
    )
    facts = worker_facts(workers)
    _emit_unconsumed(ctx, emit, workers)
    config = ctx.plan.expectations.config
    for finding in judge_unregistered(config, facts).findings:
        emit(finding_result("unregistered-task", f"Task '{finding.evidence['task']}'", finding))
    fills = main_process_fills(ctx.plan.expectations.text)
    for finding in judge_prefork_cache(facts, fills).findings:
        emit(finding_result("prefork-cache", "Prefork and a main-process cache", finding))
    for finding in judge_mixed_workload(config, facts).findings:
        title = f"Worker {finding.evidence['worker']}: queue mix"
        emit(finding_result("mixed-workload", title, finding))
    for finding in judge_unlimited_prefetch(config, facts).findings:
        emit(finding_result("prefetch", "Prefetch limit", finding))


def worker_facts(workers: dict[str, dict[str, Any]]) -> list[WorkerFact]:
    """The workers that answered, as the facts the shared rules judge."""
    return [
        WorkerFact(
            name=name,
            source="remote-control",
            pool=info["pool"],
            concurrency=info["concurrency"],
            prefetch_count=info["prefetch_count"],
            queues=list(info["queues"]),
            registered=list(info["registered"]),
        )
        for name, info in workers.items()
    ]


def _exchange_present(ctx: RunContext, name: str) -> bool:
    if ctx.vhost_api is not None:
        if "exchanges" not in ctx.cache:
            ctx.cache["exchanges"] = ctx.vhost_api.exchanges(ctx.plan.vhost)
        return any(exchange["name"] == name for exchange in ctx.cache["exchanges"])
    return exchange_exists(ctx.amqp, name)


def _describe_workers(snapshot) -> dict[str, dict[str, Any]]:
    workers = {}
    for name in sorted(snapshot.ping):
        info = describe_pool(snapshot.stats.get(name) or {})
        info["queues"] = [q.get("name") for q in snapshot.active_queues.get(name) or []]
        info["registered"] = sorted(t.split(" ", 1)[0] for t in snapshot.registered.get(name) or [])
        workers[name] = info
    return workers


def _emit_unconsumed(ctx: RunContext, emit: Emitter, workers: dict[str, dict]) -> None:
    consumed = {queue for worker in workers.values() for queue in worker["queues"]}
    for name in ctx.plan.queue_names():
        if name not in consumed:
            emit(
                CheckResult(
                    "worker-queues",
                    f"Queue '{name}': workers",
                    WARN,
                    outcome="worker-queues.unconsumed",
                    evidence={"queue": name, "workers": sorted(workers), "count": len(workers)},
                )
            )

"""Workers through Celery remote control, only where it changes nothing.

Remote control needs the `celery.pidbox` exchange (the workers declare it)
and `reply.celery.pidbox` (declared by whoever asked first); kombu would
create either if missing, so the check asks only when both already exist.

Findings: queues the config uses that no worker consumes; tasks routed to a
queue whose workers do not register them (`unregistered-task`); and two
heuristics, always `warn` with the reasoning: a prefork worker with a cache
filled in the main process (`prefork-cache-not-shared`) and one worker
consuming queues of short and of long tasks (`mixed-workload-queue`).
"""

from __future__ import annotations

import re
from typing import Any

from diagnostics.checks.results import FAIL, PASS, SKIPPED, WARN, CheckResult
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.probes.amqp import exchange_exists
from diagnostics.probes.workers import describe_pool, inspect_workers

PING_TIMEOUT_S = 1.0
PIDBOX_EXCHANGES = ("celery.pidbox", "reply.celery.pidbox")
LONG_TASK_S, SHORT_TASK_S = 300.0, 60.0
LONG_NAME = re.compile(r"long|slow|batch|heavy|report|export|bulk|etl|video|ml", re.IGNORECASE)
SHORT_NAME = re.compile(
    r"short|fast|quick|realtime|high|urgent|email|notif|default|celery", re.IGNORECASE
)
# A module-level cache filled by a signal or at import in the main process.
MAIN_PROCESS_FILL = re.compile(
    r"(worker_init|worker_ready|celeryd_init|on_after_configure|on_after_finalize)"
    r"[\s\S]{0,800}?(\bglobal\b|\w*(cache|CACHE|registry|_store)\w*\s*(\[|\.update|\.set|=))",
)


def check_workers(ctx: RunContext, emit: Emitter) -> None:
    """Ask the vhost's workers (ping → stats, active_queues, registered) and compare."""
    title = "Workers (remote control)"
    if ctx.amqp is None:
        emit(CheckResult("workers", title, SKIPPED, "no broker connection"))
        return
    missing = [name for name in PIDBOX_EXCHANGES if not _exchange_present(ctx, name)]
    if missing:
        emit(
            CheckResult(
                "workers",
                title,
                SKIPPED,
                f"exchange {missing[0]!r} does not exist in vhost {ctx.plan.vhost!r}: "
                "remote control would create it, and a check run changes nothing",
                evidence={"missing_exchanges": missing},
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
                f"no worker answered ping within {PING_TIMEOUT_S:g} s in vhost {ctx.plan.vhost!r}",
                evidence={"workers": {}},
            )
        )
        return
    workers = _describe_workers(snapshot)
    emit(
        CheckResult(
            "workers",
            title,
            PASS,
            f"{len(workers)} worker(s) answered: "
            + ", ".join(
                f"{name} ({w['pool']}, concurrency {w['concurrency']}, "
                f"prefetch {w['prefetch_count']})"
                for name, w in workers.items()
            ),
            evidence={"workers": workers},
        )
    )
    _emit_unconsumed(ctx, emit, workers)
    _emit_unregistered(ctx, emit, workers)
    _emit_prefork_cache(ctx, emit, workers)
    _emit_mixed_workload(ctx, emit, workers)


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
                    f"none of the {len(workers)} worker(s) that answered consumes "
                    f"'{name}': tasks sent there wait until a worker runs with -Q {name}",
                    evidence={"queue": name, "workers": sorted(workers)},
                )
            )


def _emit_unregistered(ctx: RunContext, emit: Emitter, workers: dict[str, dict]) -> None:
    config = ctx.plan.expectations.config
    if config is None:
        return
    for task, route in config.routes.items():
        queue = route.get("queue") if isinstance(route, dict) else None
        if not queue or any(ch in task for ch in "*?["):
            continue
        consumers = {n: w for n, w in workers.items() if queue in w["queues"]}
        lacking = sorted(n for n, w in consumers.items() if task not in w["registered"])
        if lacking:
            emit(
                CheckResult(
                    "unregistered-task",
                    f"Task '{task}'",
                    FAIL,
                    f"routed to '{queue}', but worker(s) {', '.join(lacking)} consuming "
                    f"it do not register '{task}': they reject it with "
                    f"\"Received unregistered task of type '{task}'\"",
                    entry="unregistered-task",
                    evidence={"task": task, "queue": queue, "workers": lacking},
                )
            )


def _emit_prefork_cache(ctx: RunContext, emit: Emitter, workers: dict[str, dict]) -> None:
    text = ctx.plan.expectations.text
    prefork = sorted(name for name, w in workers.items() if w["pool"] == "prefork")
    match = MAIN_PROCESS_FILL.search(text) if text else None
    if prefork and match:
        emit(
            CheckResult(
                "prefork-cache",
                "Prefork and a main-process cache",
                WARN,
                f"heuristic: worker(s) {', '.join(prefork)} use the prefork pool and the "
                f"config fills state in a '{match.group(1)}' handler, which runs in the "
                "main process: the pool's child processes never see it (threads/solo "
                "pools would)",
                entry="prefork-cache-not-shared",
                evidence={"workers": prefork, "signal": match.group(1)},
            )
        )


def _queue_kind(ctx: RunContext, queue: str) -> str | None:
    """'long' / 'short' from the time limits of the tasks routed there, else from the name."""
    limits = ctx.plan.expectations.config.time_limits if ctx.plan.expectations.config else {}
    routed = [limits[t] for t in ctx.plan.expectations.routed_tasks(queue) if t in limits]
    if routed:
        if max(routed) >= LONG_TASK_S:
            return "long"
        if max(routed) <= SHORT_TASK_S:
            return "short"
    if LONG_NAME.search(queue):
        return "long"
    return "short" if SHORT_NAME.search(queue) else None


def _emit_mixed_workload(ctx: RunContext, emit: Emitter, workers: dict[str, dict]) -> None:
    for name, worker in workers.items():
        kinds = {q: _queue_kind(ctx, q) for q in worker["queues"] if not q.endswith("pidbox")}
        longs = sorted(q for q, k in kinds.items() if k == "long")
        shorts = sorted(q for q, k in kinds.items() if k == "short")
        if longs and shorts:
            emit(
                CheckResult(
                    "mixed-workload",
                    f"Worker {name}: queue mix",
                    WARN,
                    f"heuristic: {name} consumes short-task queue(s) {shorts} and "
                    f"long-task queue(s) {longs} (judged from time limits, routes and "
                    "names): long tasks hold its slots and prefetched short tasks wait",
                    entry="mixed-workload-queue",
                    evidence={"worker": name, "short": shorts, "long": longs},
                )
            )

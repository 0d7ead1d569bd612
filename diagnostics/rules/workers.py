"""Workers against the app's config: one judgement for live workers and pasted commands.

The workers are `WorkerFact`s: from remote control on the live broker
(diagnostics.checks.workers), or from the `celery worker` command lines of a
paste (pool, -Q). Two judgements are heuristics and say so in their words:

* `prefork-cache-not-shared`: a prefork worker (Celery's default pool) and state
  filled in a main-process signal handler: the pool's children never see it.
* `mixed-workload-queue`: one worker consuming queues of short and of long
  tasks (judged from the time limits of the tasks routed there, else the names).

`queue-without-consumer`: a task routed to a queue that none of the pasted worker
commands names in its -Q list (judged only when every pasted worker names its queues).

`unregistered-task` needs what the worker registers, which only a live worker
tells (`registered` is None for a command line), so a paste skips it.

Sample paste:

    celery -A proj worker -Q default,reports
    task_routes = {"proj.export": {"queue": "reports"}}
"""

from __future__ import annotations

from typing import Any

from diagnostics import linear_re as re
from diagnostics.facts import CeleryConfigFact, Finding, Judgement, WorkerFact
from diagnostics.parsers import ParsedPaste
from diagnostics.parsers.cmdline import WorkerCommand
from diagnostics.rules.base import RuleSpec

UNREGISTERED_ROUTED_TASK = RuleSpec(
    "unregistered-routed-task", "unregistered-task", ("task", "queue", "workers")
)
PREFORK_MAIN_PROCESS_STATE = RuleSpec(
    "prefork-main-process-state", "prefork-cache-not-shared", ("workers", "signal")
)
MIXED_SHORT_AND_LONG_QUEUES = RuleSpec(
    "mixed-short-and-long-queues", "mixed-workload-queue", ("worker", "short", "long")
)
SINGLE_SLOT_WORKERS_RESERVE = RuleSpec(
    "single-slot-workers-reserve",
    "prefetch-starvation",
    ("workers", "multiplier", "reserved", "acks_late"),
)
ROUTED_QUEUE_WITHOUT_WORKER = RuleSpec(
    "routed-queue-without-worker", "queue-without-consumer", ("task", "queue", "workers")
)
SPECS = (
    UNREGISTERED_ROUTED_TASK,
    ROUTED_QUEUE_WITHOUT_WORKER,
    PREFORK_MAIN_PROCESS_STATE,
    MIXED_SHORT_AND_LONG_QUEUES,
    SINGLE_SLOT_WORKERS_RESERVE,
)
DEFAULT_PREFETCH_MULTIPLIER = 4  # worker_prefetch_multiplier's default

DEFAULT_POOL = "prefork"  # celery worker without -P
LONG_TASK_S, SHORT_TASK_S = 300.0, 60.0
LONG_NAME = re.compile(r"long|slow|batch|heavy|report|export|bulk|etl|video|ml", re.IGNORECASE)
SHORT_NAME = re.compile(
    r"short|fast|quick|realtime|high|urgent|email|notif|default|celery", re.IGNORECASE
)


def routed_tasks(config: CeleryConfigFact | None, queue: str) -> list[str]:
    if config is None:
        return []
    return [
        task
        for task, route in config.routes.items()
        if isinstance(route, dict) and route.get("queue") == queue
    ]


def judge_unregistered(config: CeleryConfigFact | None, workers: list[WorkerFact]) -> Judgement:
    """Tasks routed to a queue whose consuming workers do not register them."""
    judgement = Judgement("unregistered-task")
    if config is None:
        judgement.skip = "no-config"
        return judgement
    known = [w for w in workers if w.registered is not None]
    if not known:
        judgement.skip = "no-registered-tasks"
        return judgement
    for task, route in config.routes.items():
        queue = route.get("queue") if isinstance(route, dict) else None
        if not queue or any(ch in task for ch in "*?["):
            continue
        consumers = [w for w in known if queue in w.queues]
        lacking = sorted(w.name for w in consumers if task not in (w.registered or []))
        if lacking:
            judgement.findings.append(
                UNREGISTERED_ROUTED_TASK.finding(
                    "error",
                    config.route_lines.get(task),
                    task=task,
                    queue=queue,
                    workers=lacking,
                )
            )
    return judgement


def judge_prefork_cache(workers: list[WorkerFact], fills: list[dict[str, Any]]) -> Judgement:
    """Heuristic: prefork workers and state filled in a main-process signal handler."""
    judgement = Judgement("prefork-cache")
    prefork = sorted(w.name for w in workers if (w.pool or DEFAULT_POOL) == "prefork")
    judgement.compared = {"workers": prefork, "signals": [f["signal"] for f in fills]}
    if not fills:
        judgement.skip = "no-main-process-state"
        return judgement
    if prefork:
        fill = fills[0]
        judgement.findings.append(
            PREFORK_MAIN_PROCESS_STATE.finding(
                "warning", fill.get("line"), workers=prefork, signal=fill["signal"]
            )
        )
    return judgement


def queue_kind(config: CeleryConfigFact | None, queue: str) -> str | None:
    """'long' / 'short' from the time limits of the tasks routed there, else from the name."""
    limits = config.time_limits if config else {}
    # a task's limit is keyed by its decorated function's name, the last part of the task name
    named = [limits.get(t, limits.get(t.rsplit(".", 1)[-1])) for t in routed_tasks(config, queue)]
    routed = [limit for limit in named if limit is not None]
    if routed:
        if max(routed) >= LONG_TASK_S:
            return "long"
        if max(routed) <= SHORT_TASK_S:
            return "short"
    if LONG_NAME.search(queue):
        return "long"
    return "short" if SHORT_NAME.search(queue) else None


def judge_mixed_workload(config: CeleryConfigFact | None, workers: list[WorkerFact]) -> Judgement:
    """Heuristic: a worker consuming queues of short tasks and of long tasks."""
    judgement = Judgement("mixed-workload")
    for worker in workers:
        kinds = {q: queue_kind(config, q) for q in worker.queues if not q.endswith("pidbox")}
        longs = sorted(q for q, k in kinds.items() if k == "long")
        shorts = sorted(q for q, k in kinds.items() if k == "short")
        if longs and shorts:
            judgement.findings.append(
                MIXED_SHORT_AND_LONG_QUEUES.finding(
                    "warning", worker.line, worker=worker.name, short=shorts, long=longs
                )
            )
    return judgement


def judge_single_slot_reserve(
    config: CeleryConfigFact | None, commands: list[WorkerCommand]
) -> list[Finding]:
    """Heuristic: several workers of one pool process each that still reserve tasks.

    A worker's prefetch count is `worker_prefetch_multiplier` x concurrency, and with the
    default early acknowledgement the running task is acked when it starts, so a worker
    of concurrency 1 holds up to `multiplier` more tasks while it runs one (with
    `task_acks_late` the running one counts: `multiplier - 1`). When several such
    workers share the queues, a task reserved behind a long one waits although other
    workers are idle (Celery's "Prefetch limits": multiplier 1 with acks_late for long
    tasks). Judged only for a line that starts several nodes (`celery multi start N`):
    pasted `ps` output repeats one worker's command line for its pool process. warning,
    a heuristic like `mixed-short-and-long-queues`: whether a task is long is not in the
    paste, but single-process nodes are what one runs for long or heavy tasks.
    """
    settings = config.settings if config is not None else {}
    multiplier = settings.get("worker_prefetch_multiplier", DEFAULT_PREFETCH_MULTIPLIER)
    acks_late = bool(config is not None and config.acks_late)
    if not isinstance(multiplier, int) or isinstance(multiplier, bool) or multiplier < 1:
        return []  # 0 (no limit) is `prefetch-multiplier-unlimited`; a non-literal is unknown
    reserved = multiplier - 1 if acks_late else multiplier
    findings = []
    for command in commands:
        if command.nodes >= 2 and command.concurrency == 1 and reserved >= 1:
            findings.append(
                SINGLE_SLOT_WORKERS_RESERVE.finding(
                    "warning",
                    command.line,
                    workers=command.nodes,
                    multiplier=multiplier,
                    reserved=reserved,
                    acks_late=acks_late,
                )
            )
    return findings[:1]


def judge_routed_queue_without_worker(
    config: CeleryConfigFact | None, commands: list[WorkerCommand]
) -> list[Finding]:
    """Tasks routed to a queue that no pasted `celery worker` command consumes.

    Judged only when every pasted worker command names its queues (-Q): a worker
    without -Q consumes `task_queues` (or `task_default_queue`), which a paste seldom
    shows whole. warning: the paste may not show every worker the site runs.
    """
    if config is None or not commands or any(not command.queues for command in commands):
        return []
    consumed = {queue for command in commands for queue in command.queues}
    lists = sorted({",".join(command.queues) for command in commands})
    findings = []
    for task, route in config.routes.items():
        queue = route.get("queue") if isinstance(route, dict) else None
        if isinstance(queue, str) and queue and queue not in consumed:
            findings.append(
                ROUTED_QUEUE_WITHOUT_WORKER.finding(
                    "warning", config.route_lines.get(task), task=task, queue=queue, workers=lists
                )
            )
    return findings


def command_workers(parsed: ParsedPaste) -> list[WorkerFact]:
    """The workers the paste's `celery worker` command lines start."""
    return [
        WorkerFact(
            # named by its command line, which reads the same in every language
            name=" ".join(
                ["celery worker", *(["-Q", ",".join(command.queues)] * bool(command.queues))]
            ),
            source="worker-command",
            pool=command.pool,
            concurrency=command.concurrency,
            queues=list(command.queues),
            line=command.line,
        )
        for command in parsed.worker_commands
    ]


def judge(parsed: ParsedPaste) -> list[Finding]:
    workers = command_workers(parsed)
    if not workers:
        return []
    fills = parsed.extra.get("signal-state") or []
    findings = judge_prefork_cache(workers, fills).findings
    findings.extend(judge_mixed_workload(parsed.config, workers).findings)
    findings.extend(judge_single_slot_reserve(parsed.config, parsed.worker_commands))
    findings.extend(judge_routed_queue_without_worker(parsed.config, parsed.worker_commands))
    return findings

"""Run orchestration: check units in order, each bounded, the whole run bounded.

Each unit runs in a daemon thread joined with `min(unit timeout, time left)`.
Network steps inside a unit carry their own socket timeouts, so a thread
that overruns is an exception; when it happens the unit gets an `error`
result naming the timeout, anything it emits later is dropped, and shared
connections it may still hold are abandoned (dropped, not reused). When the
whole-run budget is spent, the unit that was running says so and every unit
not started is `skipped` with the name of the check that ran out of time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from diagnostics.checks.plan import RunPlan
from diagnostics.checks.results import ERROR, SKIPPED, CheckResult
from diagnostics.probes.amqp import close_quietly

STEP_TIMEOUT_S = 5.0
OnResult = Callable[[dict[str, Any]], None]


@dataclass
class RunContext:
    """State shared by the units of one run (connections, cached listings)."""

    plan: RunPlan
    deadline: float
    amqp: Any = None  # amqp.Connection of the first node that answered
    endpoint: Any = None  # its Endpoint
    address: str | None = None  # the allowed address it was reached at
    management: Any = None  # ManagementClient, once it answered
    redis: Any = None  # redis.Redis, once PING answered
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def vhost_api(self) -> Any:
        """The management client when it answered and the run's vhost exists, else None."""
        return None if self.cache.get("vhost_missing") else self.management

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def step_timeout(self, cap: float = STEP_TIMEOUT_S) -> float:
        """A socket timeout for one network step: capped, and inside the run's budget."""
        return max(0.1, min(cap, self.remaining() * 0.9))

    def abandon_connections(self) -> None:
        """Drop shared connections a timed-out unit may still be using."""
        close_quietly(self.amqp, graceful=False)
        self.amqp = None
        if self.redis is not None:
            self.redis.close()
            self.redis = None

    def close(self) -> None:
        close_quietly(self.amqp)
        self.amqp = None
        if self.management is not None:
            self.management.close()
        if self.redis is not None:
            self.redis.close()


class Emitter:
    """Collects a unit's results, times each one, drops them after the unit timed out."""

    def __init__(self, unit_id: str, sink: Callable[[CheckResult], None]):
        self.unit_id = unit_id
        self._sink = sink
        self._last = time.perf_counter()
        self._lock = threading.Lock()
        self.closed = False
        self.count = 0

    def __call__(self, result: CheckResult) -> None:
        with self._lock:
            if self.closed:
                return
            now = time.perf_counter()
            if not result.duration_ms:
                result.duration_ms = int(round((now - self._last) * 1000))
            self._last = now
            self.count += 1
            self._sink(result)

    def close(self) -> None:
        with self._lock:
            self.closed = True


@dataclass(frozen=True)
class CheckUnit:
    """One check: id, title, entry shown when it times out, budget, and the code."""

    id: str
    title: str
    run: Callable[[RunContext, Emitter], None]
    timeout: float = 10.0
    entry: str | None = None


def run_units(
    plan: RunPlan, units: list[CheckUnit], *, on_result: OnResult | None = None
) -> list[dict[str, Any]]:
    """Run `units` in order within `plan.request.timeout`; returns the result dicts."""
    results: list[dict[str, Any]] = []
    total = plan.request.timeout
    ctx = RunContext(plan, deadline=time.monotonic() + total)

    def sink(result: CheckResult) -> None:
        data = result.as_dict()
        results.append(data)
        if on_result is not None:
            on_result(data)

    try:
        for index, unit in enumerate(units):
            if ctx.remaining() <= 0.05:
                ran_out = units[index - 1].id if index else unit.id
                _skip_rest(units[index:], ran_out, total, sink)
                break
            _run_one(unit, ctx, sink, total)
    finally:
        ctx.close()
    return results


def _run_one(unit: CheckUnit, ctx: RunContext, sink: Callable, total: float) -> None:
    emit = Emitter(unit.id, sink)
    budget = min(unit.timeout, ctx.remaining())
    errors: list[BaseException] = []
    started = time.perf_counter()

    def target() -> None:
        try:
            unit.run(ctx, emit)
        except Exception as exc:  # a bug or an unexpected broker answer: reported, run goes on
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"check-{unit.id}", daemon=True)
    thread.start()
    thread.join(budget)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    if thread.is_alive():
        emit.close()
        ctx.abandon_connections()
        whole_run = budget < unit.timeout
        reason = f"the whole run's {total:g} s timeout (--timeout)" if whole_run else "its timeout"
        sink(
            CheckResult(
                unit.id,
                unit.title,
                ERROR,
                f"timed out after {budget:.1f} s ({reason} ran out during this check)",
                entry=unit.entry,
                outcome="runner.timeout.whole-run" if whole_run else "runner.timeout",
                evidence={
                    "timeout_s": round(budget, 2),
                    "whole_run_timeout": whole_run,
                    "budget_s": f"{budget:.1f}",
                    "total_s": f"{total:g}",
                },
                duration_ms=elapsed_ms,
            )
        )
    elif errors:
        exc = errors[0]
        sink(
            CheckResult(
                unit.id,
                unit.title,
                ERROR,
                f"check failed: {type(exc).__name__}: {exc}",
                outcome="runner.check-failed",
                evidence={"error": f"{type(exc).__name__}: {exc}"},
                duration_ms=elapsed_ms,
            )
        )


def _skip_rest(units: list[CheckUnit], ran_out: str, total: float, sink: Callable) -> None:
    for unit in units:
        sink(
            CheckResult(
                unit.id,
                unit.title,
                SKIPPED,
                f"not run: the whole run's {total:g} s timeout ran out during check '{ran_out}'",
                outcome="runner.not-run",
                evidence={"ran_out_during": ran_out, "total_s": f"{total:g}"},
            )
        )

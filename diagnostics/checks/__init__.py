"""Live checks: read-only probes of a user's broker, reported as entry-linked results.

Entry points:
    prepare_plan(CheckRequest) -> RunPlan      parse + allowlist (raises before any packet)
    run_plan(plan, on_result=...) -> list[dict] run every unit, bounded by the plan's timeout
    check_broker(CheckRequest) -> dict          both, returning {"target", "results"}, each
                                                result worded in English (diagnostics.present)

Every result has the shape documented in diagnostics.checks.results and is
scrubbed of the run's secrets before it leaves the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diagnostics.checks.allowlist import HostNotAllowed
from diagnostics.checks.plan import CheckRequest, RunPlan, prepare_plan
from diagnostics.checks.registry import select_units
from diagnostics.checks.results import CheckResult, is_failing
from diagnostics.checks.runner import run_units
from diagnostics.present import present_check_results
from diagnostics.probes.targets import TargetError, TlsOptions
from diagnostics.redact import MASK, redact_text
from kb import index

__all__ = [
    "CheckRequest",
    "CheckResult",
    "HostNotAllowed",
    "RunPlan",
    "TargetError",
    "TlsOptions",
    "check_broker",
    "is_failing",
    "prepare_plan",
    "run_plan",
    "scrub",
]


def run_plan(
    plan: RunPlan, *, on_result: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Run the plan's checks; `on_result` sees each (scrubbed) result as it arrives."""
    secrets = _secrets(plan)

    def forward(result: dict[str, Any]) -> None:
        clean = scrub(result, secrets)
        result.clear()
        result.update(clean)
        if on_result is not None:
            on_result(result)

    return run_units(plan, select_units(plan), on_result=forward)


def check_broker(request: CheckRequest, *, lang: str = "en", **kwargs: Any) -> dict[str, Any]:
    """Plan and run; `{"target": masked URL, "results": [...]}` with each result's `message`.

    `run_plan` returns results as stored (keys and evidence); callers that show
    them, like this one, word them with diagnostics.present.
    """
    plan = prepare_plan(request)
    results = run_plan(plan, **kwargs)
    return {"target": plan.target, "results": present_check_results(results, kb=_kb(), lang=lang)}


def _kb() -> Any:
    try:
        return index.get_kb()
    except index.IndexUnavailable:  # results keep their keys; shared rules' words need the KB
        return None


def _secrets(plan: RunPlan) -> list[str]:
    found = [endpoint.password for endpoint in plan.endpoints]
    shown = {endpoint.username for endpoint in plan.endpoints}
    if plan.management:
        found.append(plan.management.password)
        shown.add(plan.management.username)
    # Short secrets ("a") would mangle ordinary words, and a password equal to the user
    # name (guest/guest) is shown with the target anyway; redact_text still masks URLs.
    kept = {secret for secret in found if secret and len(secret) >= 4 and secret not in shown}
    return sorted(kept, key=len, reverse=True)


def scrub(value: Any, secrets: list[str]) -> Any:
    """Mask the run's own secrets and anything that looks like one, in any JSON value."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return redact_text(value)
    if isinstance(value, dict):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item, secrets) for item in value]
    return value

"""Check runs as jobs: create the CheckRun, execute it in a worker or a thread.

`start_run` validates and authorises first (raising before anything is
stored), then hands the run to a Celery worker when settings.CELERY_BROKER_URL
is set, else to a daemon thread of the web process (the embedded default).

Secrets never reach the database: the row holds the masked target and the
parameters without passwords. The thread gets the request object in memory;
the Celery message carries the run id and the request sealed with a key
derived from SECRET_KEY (diagnostics.checks.sealing), never the password.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from diagnostics.checks import run_plan
from diagnostics.checks.plan import CheckRequest, RunPlan, prepare_plan
from diagnostics.checks.registry import planned_checks
from diagnostics.checks.sealing import seal, unseal
from diagnostics.models import CheckRun
from diagnostics.present import (
    check_title,
    entry_title,
    entry_url,
    notice_text,
    present_check_results,
)
from diagnostics.probes.targets import TlsOptions
from diagnostics.redact import redact_text
from kb import index

log = logging.getLogger(__name__)

# Runs executing in this web process's threads at once; more wait for a retry (429).
MAX_THREAD_RUNS = 8
# The Celery task (diagnostics.tasks) is sent by name: the task module imports this
# one, not the other way round.
EXECUTE_TASK = "diagnostics.execute_check_run"
_thread_slots = threading.BoundedSemaphore(MAX_THREAD_RUNS)


class RunsBusy(Exception):
    """Too many runs in progress in this process; the client should retry shortly."""


def request_to_payload(request: CheckRequest) -> dict[str, Any]:
    """Everything a worker needs to repeat the request (secrets included: seal it)."""
    data = asdict(request)
    data["tls"] = asdict(request.tls)
    return data


def request_from_payload(data: dict[str, Any]) -> CheckRequest:
    data = dict(data)
    data["tls"] = TlsOptions(**data.get("tls") or {})
    return CheckRequest(**data)


def start_run(request: CheckRequest) -> CheckRun:
    """Create the run and start it. Raises TargetError / HostNotAllowed before storing."""
    plan = prepare_plan(request)
    params = {**plan.params(), "planned": planned_checks(plan)}
    if plan.expectations.error:
        params["config_error"] = plan.expectations.error
    if settings.CELERY_BROKER_URL:
        run = _create_run(plan, params)
        try:
            current_app.send_task(EXECUTE_TASK, args=(run.id, seal(request_to_payload(request))))
        except Exception as exc:  # broker down, transport missing: never leave it queued
            log.exception("check run %s could not be published", run.id)
            reason = f"the run could not be handed to a worker: {type(exc).__name__}: {exc}"
            _finish(run.id, CheckRun.Status.ERROR, error=redact_text(reason)[:500])
            run.refresh_from_db()
        return run
    if not _thread_slots.acquire(blocking=False):
        raise RunsBusy(f"{MAX_THREAD_RUNS} check runs are in progress; retry in a few seconds")
    try:
        run = _create_run(plan, params)
        thread = threading.Thread(
            target=_execute_in_thread, args=(run.id, plan), name=f"check-run-{run.id}", daemon=True
        )
        thread.start()
    except BaseException:
        _thread_slots.release()
        raise
    return run


def _create_run(plan: RunPlan, params: dict[str, Any]) -> CheckRun:
    purge_check_runs()
    return CheckRun.objects.create(target=plan.target, params=params)


def _execute_in_thread(run_id: str, plan: RunPlan) -> None:
    try:
        execute_plan(run_id, plan)
    finally:
        _thread_slots.release()
        connection.close()


def purge_check_runs(days: int | None = None) -> int:
    """Delete runs older than KB_CHECK_RETENTION_DAYS; returns how many went.

    Called whenever a run starts (so retention holds without a cron job); a
    scheduled `purge_reports` may call it too.
    """
    days = settings.KB_CHECK_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = CheckRun.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def execute_sealed(run_id: str, sealed: str) -> None:
    """Worker side: unseal, re-check the allowlist with this process's settings, execute."""
    try:
        plan = prepare_plan(request_from_payload(unseal(sealed)))
    except Exception as exc:
        _finish(run_id, CheckRun.Status.ERROR, error=f"run could not start: {exc}")
        return
    execute_plan(run_id, plan)


def execute_plan(run_id: str, plan: RunPlan) -> None:
    """Run every check, storing each result as it arrives so the page shows progress."""
    close_old_connections()
    results: list[dict[str, Any]] = []
    _update_run(run_id, status=CheckRun.Status.RUNNING, updated_at=timezone.now())

    def store(result: dict[str, Any]) -> None:
        results.append(result)
        try:
            _update_run(run_id, results=list(results), updated_at=timezone.now())
        except OperationalError:  # progress is best effort; the final write carries it all
            log.warning("check run %s: progress not stored", run_id)

    try:
        final = run_plan(plan, on_result=store)
    except Exception as exc:
        log.exception("check run %s failed", run_id)
        _finish(
            run_id,
            CheckRun.Status.ERROR,
            results=results,
            error=f"the run stopped: {type(exc).__name__}",
        )
        return
    _finish(run_id, CheckRun.Status.DONE, results=final)


def _finish(run_id: str, status: str, *, results: list | None = None, error: str = "") -> None:
    fields: dict[str, Any] = {"status": status, "error": error, "updated_at": timezone.now()}
    if results is not None:
        fields["results"] = results
    _update_run(run_id, **fields)


def _update_run(run_id: str, *, attempts: int = 40, **fields: Any) -> None:
    """UPDATE the run's row, riding out short SQLite lock contention.

    SQLite answers "database table is locked" at once (no busy wait) when a
    page poll reads while the run writes, notably with a shared-cache
    database; a progress write must not kill the run, so it is retried.
    """
    for attempt in range(attempts):
        try:
            CheckRun.objects.filter(pk=run_id).update(**fields)
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def expire_stalled_run(run: CheckRun) -> CheckRun:
    """Mark a run that stopped reporting as `error` (its process died, or no worker took it).

    A run updates its row with every result and is bounded by its timeout, so
    a queued or running row untouched for twice that (plus a minute for a busy
    worker queue) will never finish; saying so beats a page refreshing forever.
    """
    if run.status not in (CheckRun.Status.QUEUED, CheckRun.Status.RUNNING):
        return run
    limit = timedelta(seconds=float(run.params.get("timeout") or 15) * 2 + 60)
    if timezone.now() - run.updated_at < limit:
        return run
    waited = "no worker picked it up" if run.status == CheckRun.Status.QUEUED else "it stopped"
    run.status = CheckRun.Status.ERROR
    run.error = f"the run never finished: {waited} (is the Celery worker or web process up?)"
    CheckRun.objects.filter(pk=run.pk).update(status=run.status, error=run.error)
    return run


def _kb_or_none() -> Any:
    try:
        return index.get_kb()
    except Exception:  # the page still works with bare slugs when the index is unavailable
        log.warning("KB index unavailable; check results link entries by slug")
        return None


def describe_entries(
    results: list[dict[str, Any]], kb: Any, lang: str = "en"
) -> dict[str, dict[str, str]]:
    """{slug: {"title", "url"}} for the entries the results link to (titles from the KB)."""
    described = {}
    for slug in sorted({result["entry"] for result in results if result.get("entry")}):
        entry = kb.resolve(slug) if kb else None
        described[slug] = {
            "title": entry_title(entry, lang) if entry else slug,
            "url": entry_url(entry, lang) if entry else reverse("kb:entry", args=[slug]),
        }
    return described


def run_as_dict(run: CheckRun, *, lang: str = "en") -> dict[str, Any]:
    """`GET /api/checks/<id>`: {"id", "status", "target", "results", "planned", "error", ...}.

    Results are stored as keys and evidence and rendered now, in `lang`;
    `entries` maps each linked entry slug to its title and URL for display.
    """
    kb = _kb_or_none()
    return {
        "id": run.id,
        "status": run.status,
        "target": run.target,
        "results": present_check_results(run.results, kb=kb, lang=lang),
        "planned": [
            {**item, "title": check_title(item.get("title", ""), lang)}
            for item in run.params.get("planned", [])
        ],
        "error": notice_text(run.error or "", lang) or run.error,
        "config_error": notice_text(run.params.get("config_error") or "", lang) or None,
        "url": reverse("checks:run", args=[run.id]),
        "entries": describe_entries(run.results, kb, lang),
    }

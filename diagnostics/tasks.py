"""Celery tasks of the site itself (run by `make worker` when CELERY_BROKER_URL is set).

Thin by design: the task takes a run id and the request sealed with a key
derived from SECRET_KEY (the password never travels in clear), and calls
the service, which stores progress on the CheckRun row.
"""

from __future__ import annotations

from celery import shared_task

from diagnostics.checks.service import EXECUTE_TASK, execute_sealed


@shared_task(name=EXECUTE_TASK, ignore_result=True, acks_late=False)
def execute_check_run(run_id: str, sealed_request: str) -> None:
    """Execute one live-check run; results land on CheckRun(run_id)."""
    execute_sealed(run_id, sealed_request)

"""The Celery app the live-check tests start real workers of (`celery -A tests.hlc_celery_app`).

The broker comes from HLC_BROKER_URL (a vhost the test creates). The tasks
are trivial; what matters is what the workers register and consume.
"""

from __future__ import annotations

import os

from celery import Celery

app = Celery("hlc_app", broker=os.environ.get("HLC_BROKER_URL", "memory://"))
app.conf.update(
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    task_default_queue="hlc_fast",
    # a test worker without a prefetch limit sets HLC_PREFETCH_MULTIPLIER=0
    worker_prefetch_multiplier=int(os.environ.get("HLC_PREFETCH_MULTIPLIER", "4")),
)


@app.task(name="hlc.short")
def short() -> int:
    return 1


@app.task(name="hlc.long")
def long_report() -> int:
    return 2

"""A worker consumes a queue it was told not to declare and nobody created (404)."""

from __future__ import annotations

from lab.support import APP_HEADER

SLUG = "queue-not-found"

BROKEN = (
    APP_HEADER
    + """
from kombu import Queue

app.conf.task_queues = [Queue("my.queue", no_declare=True)]
app.conf.task_default_queue = "my.queue"


@app.task(name="orders.invoice")
def invoice(n):
    return n
"""
)


def run(lab) -> None:
    lab.write("labapp.py", BROKEN)
    worker = lab.worker("labapp", "-P", "solo", ready=False)
    line = worker.wait_for(r"NOT_FOUND - no queue 'my.queue'")
    lab.diagnose(line, "worker log: 404")
    lab.check_finds(queues=["my.queue"])

    fix = lab.fix("fix", queue="my.queue")
    lab.stop(worker)
    lab.write(
        "labapp.py",
        BROKEN.replace('app.conf.task_queues = [Queue("my.queue", no_declare=True)]', fix),
    )
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    lab.python("from labapp import invoice\nprint(invoice.delay(7).id)\n", "caller")
    worker.wait_for(r"Task orders\.invoice\[.*\] succeeded")
    lab.step("after the fix the worker consumes my.queue")
    lab.check_clean(queues=["my.queue"])

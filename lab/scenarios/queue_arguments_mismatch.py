"""An operator's queue with a DLX and TTL; Celery declares it plainly (406)."""

from __future__ import annotations

from lab.support import APP_HEADER

SLUG = "queue-arguments-mismatch"

OPERATOR = """
import os
from kombu import Connection, Exchange, Queue

with Connection(os.environ["LAB_BROKER_URL"]) as conn:
    Queue("my.queue", Exchange("my.queue", type="direct"), routing_key="my.queue", durable=True,
          queue_arguments={"x-dead-letter-exchange": "dlx",
                           "x-dead-letter-routing-key": "dlq.my.queue",
                           "x-message-ttl": 86400000})(conn.default_channel).declare()
"""

BROKEN_CONFIG = """\
from kombu import Queue

task_queues = [Queue("my.queue")]
"""

APP = (
    APP_HEADER
    + """
app.conf.task_default_queue = "my.queue"
# CONFIG
app.conf.task_queues = task_queues


@app.task(name="orders.invoice")
def invoice(n):
    return n
"""
)


def run(lab) -> None:
    code, out = lab.python(OPERATOR, "operator")
    lab.expect(code == 0, out)
    lab.write("labapp.py", APP.replace("# CONFIG", BROKEN_CONFIG))
    worker = lab.worker("labapp", "-P", "solo", ready=False)
    line = worker.wait_for(r"PRECONDITION_FAILED - inequivalent arg")
    lab.diagnose(line, "worker log: 406")
    lab.check_finds(queues=["my.queue"], config_text=BROKEN_CONFIG)

    fix = lab.fix("fix", queue="my.queue")
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# CONFIG", fix))
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    lab.python("from labapp import invoice\nprint(invoice.delay(7).id)\n", "caller")
    worker.wait_for(r"Task orders\.invoice\[.*\] succeeded")
    lab.step("after the fix the worker declares and consumes my.queue")
    lab.check_clean(queues=["my.queue"], config_text=fix)

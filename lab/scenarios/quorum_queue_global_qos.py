"""An operator's quorum queue consumed by a Celery that does not know it is quorum: 540 on
basic.consume. The entry's queue_arguments make Celery switch to per-consumer QoS.

Its captures are judged but not written into the entry's examples (`example=False`):
another change owns that entry's examples.
"""

from __future__ import annotations

from lab.support import APP_HEADER

SLUG = "quorum-queue-global-qos"

OPERATOR = """
import os
from kombu import Connection

with Connection(os.environ["LAB_BROKER_URL"]) as conn:
    conn.default_channel.queue_declare(
        "qq", durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"}
    )
"""

BROKEN_CONFIG = """\
from kombu import Queue

task_queues = [Queue("qq", no_declare=True)]
"""

APP = (
    APP_HEADER
    + """
app.conf.task_default_queue = "qq"
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
    line = worker.wait_for(r"does not support global qos", timeout=30)
    lab.diagnose(line, "worker log: 540", example=False)
    lab.check_finds(queues=["qq"], config_text=BROKEN_CONFIG)

    fix = lab.fix("fix", queue="qq")
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# CONFIG", fix))
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    worker.wait_for("Global QoS is disabled")
    lab.python("from labapp import invoice\ninvoice.delay(5)\n", "caller")
    worker.wait_for(r"Task orders\.invoice\[.*\] succeeded in .*: 5")
    lab.expect("does not support global qos" not in worker.text(), "540 after the fix")
    lab.step("after the fix the worker consumes the quorum queue with per-consumer QoS")
    lab.check_clean(queues=["qq"], config_text=fix)

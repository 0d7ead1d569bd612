"""An operator's quorum queue consumed by a Celery that does not know it is quorum: 540 on
basic.consume. The entry's queue_arguments make Celery switch to per-consumer QoS.

Its captures are judged but not written into the entry's examples (`example=False`):
another change owns that entry's examples.
"""

from __future__ import annotations

from lab.support import operator_queue_refused

SLUG = "quorum-queue-global-qos"
REFUSAL = "does not support global qos"

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


def run(lab) -> None:
    fix, worker = operator_queue_refused(
        lab, OPERATOR, BROKEN_CONFIG, "qq", REFUSAL, "worker log: 540", example=False, timeout=30
    )
    worker.wait_for("Global QoS is disabled")
    lab.python("from labapp import invoice\ninvoice.delay(5)\n", "caller")
    worker.wait_for(r"Task orders\.invoice\[.*\] succeeded in .*: 5")
    lab.expect(REFUSAL not in worker.text(), "540 after the fix")
    lab.step("after the fix the worker consumes the quorum queue with per-consumer QoS")
    lab.check_clean(queues=["qq"], config_text=fix)

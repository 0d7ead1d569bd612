"""An operator's queue with a DLX and TTL; Celery declares it plainly (406)."""

from __future__ import annotations

from lab.support import operator_queue_refused

SLUG = "queue-arguments-mismatch"
REFUSAL = r"PRECONDITION_FAILED - inequivalent arg"

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


def run(lab) -> None:
    fix, worker = operator_queue_refused(
        lab, OPERATOR, BROKEN_CONFIG, "my.queue", REFUSAL, "worker log: 406"
    )
    lab.python("from labapp import invoice\nprint(invoice.delay(7).id)\n", "caller")
    worker.wait_for(r"Task orders\.invoice\[.*\] succeeded")
    lab.step("after the fix the worker declares and consumes my.queue")
    lab.check_clean(queues=["my.queue"], config_text=fix)

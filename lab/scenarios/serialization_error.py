"""A pickle producer and a JSON-only worker; an unencodable argument on the caller's side.

Shows that the refused message is rejected without requeue, so the queue's
dead-letter exchange receives it (issue 12, item 3), and that the entry's fix
(the producer back on JSON) makes the same call succeed.
"""

from __future__ import annotations

import time

from lab.support import APP_HEADER, management, segment, traceback_of

SLUG = "serialization-error"

WORKER_APP = (
    APP_HEADER
    + """
from kombu import Exchange, Queue

app.conf.task_queues = [
    Queue("celery", Exchange("celery"), routing_key="celery",
          queue_arguments={"x-dead-letter-exchange": "lab.dlx"}),
]


@app.task(name="shop.send_receipt")
def send_receipt(order):
    return order
"""
)

PRODUCER = (
    APP_HEADER
    + """
import sys
from kombu import Exchange, Queue

app.conf.task_queues = [
    Queue("celery", Exchange("celery"), routing_key="celery",
          queue_arguments={"x-dead-letter-exchange": "lab.dlx"}),
]
app.conf.task_serializer = "pickle"
# FIX

with app.connection_for_write() as conn:  # the dead-letter target, declared by the operator
    ch = conn.default_channel
    ch.exchange_declare("lab.dlx", "fanout", durable=True, auto_delete=False)
    ch.queue_declare("lab.dead", durable=True, auto_delete=False)
    ch.queue_bind("lab.dead", "lab.dlx", "")
print("sent", app.send_task("shop.send_receipt", args=[{"id": ORDER}]).id)
"""
)

CALLER = (
    APP_HEADER
    + """

class Order:
    pk = 7


@app.task(name="shop.send_receipt")
def send_receipt(order):
    return order


send_receipt.delay(Order())
"""
)


def _dead_count(lab) -> int:
    for _ in range(50):
        queue = management("GET", f"/queues/{lab.vhost}/lab.dead").json()
        if "messages" in queue:
            return int(queue["messages"])
        time.sleep(0.2)
    return -1


def run(lab) -> None:
    lab.write("labapp.py", WORKER_APP)
    worker = lab.worker("labapp", "-P", "solo")

    # 1. a pickle message reaches a JSON-only worker
    code, out = lab.python(PRODUCER.replace("ORDER", "1"), "producer_pickle")
    lab.expect(code == 0, f"the pickle producer failed:\n{out}")
    worker.wait_for("Received invalid task message")
    time.sleep(0.5)
    capture = segment(worker.text(), "Received invalid task message")
    lab.expect("ContentDisallowed" in capture, f"no ContentDisallowed in:\n{capture}")
    lab.diagnose(capture, "worker log: pickle message refused", confidence="possible")

    # rejected without requeue: the dead-letter exchange got it (not "discarded")
    deadline = time.monotonic() + 10
    count = _dead_count(lab)
    while count < 1 and time.monotonic() < deadline:
        time.sleep(0.5)
        count = _dead_count(lab)
    lab.expect(count == 1, f"the dead-letter queue holds {count} messages, expected 1")
    lab.step("refused message dead-lettered", "lab.dead holds 1 message")

    # 2. an object JSON cannot encode, on the caller's side
    code, out = lab.python(CALLER, "caller_encode")
    lab.expect(code != 0 and "EncodeError" in out, f"no EncodeError from the caller:\n{out}")
    lab.diagnose(traceback_of(out), "caller traceback: EncodeError")

    # 3. the entry's fix on the producer: the same task now runs
    fix = lab.fix("fix")
    code, out = lab.python(PRODUCER.replace("# FIX", fix).replace("ORDER", "2"), "producer_fixed")
    lab.expect(code == 0, f"the fixed producer failed:\n{out}")
    worker.wait_for(r"Task shop\.send_receipt\[.*\] succeeded")
    lab.expect(worker.text().count("Received invalid task message") == 1, "a second refusal")
    lab.step("after the fix the task succeeded", "no new 'Received invalid task message'")

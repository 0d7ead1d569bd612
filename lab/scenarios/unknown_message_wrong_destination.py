"""Another service publishes plain JSON (`{"order_id": 42}`, no Celery headers) with py-amqp
straight into the worker's `celery` queue: the worker logs "Received and deleted unknown
message. Wrong destination?!?" and rejects it (the queue is empty, nothing ran). With the
entry's `app.send_task(...)`, from an app that does not import the task code, the same
request runs as a task."""

from __future__ import annotations

from lab import support
from lab.support import APP_HEADER, segment

SLUG = "unknown-message-wrong-destination"
TASK = "orders.process"
QUEUE = "celery"

WORKER_APP = (
    APP_HEADER
    + f"""

@app.task(name="{TASK}")
def process(order_id):
    return order_id
"""
)

# the other service: no Celery, a hand-written AMQP publisher
FOREIGN = f"""
import json
import os
from urllib.parse import unquote, urlsplit

import amqp

url = urlsplit(os.environ["LAB_BROKER_URL"])
conn = amqp.Connection(f"{{url.hostname}}:{{url.port}}", userid=url.username,
                       password=url.password, virtual_host=unquote(url.path[1:]))
conn.connect()
ch = conn.channel()
ch.basic_publish(
    amqp.Message(json.dumps({{"order_id": 42}}), content_type="application/json",
                 content_encoding="utf-8"),
    routing_key="{QUEUE}",
)
conn.close()
"""

# the other service after the fix: a Celery client that does not import the task code
SENDER = """\
import os

from celery import Celery

app = Celery("sender", broker=os.environ["LAB_BROKER_URL"])
# FIX
"""


def _messages(lab) -> str | None:
    listing = support.rabbitmqctl("list_queues", "-q", "-p", lab.vhost, "name", "messages")
    return dict(line.split("\t") for line in listing.splitlines() if "\t" in line).get(QUEUE)


def run(lab) -> None:
    lab.write("labapp.py", WORKER_APP)
    worker = lab.worker("labapp", "-P", "solo", "-Q", QUEUE)
    code, out = lab.python(FOREIGN, "foreign_publisher")
    lab.expect(code == 0, out)
    worker.wait_for(r"Received and deleted unknown message")
    capture = segment(worker.text(), r"Received and deleted unknown message")
    lab.expect("headers={}" in capture, f"the message printed has headers:\n{capture}")
    lab.diagnose(capture, "worker log: unknown message")
    lab.expect(_messages(lab) == "0", f"the queue holds {_messages(lab)} messages, not 0")
    lab.expect(f"Task {TASK}[" not in worker.text(), "a task ran for the foreign message")
    lab.step("the worker rejected the message without requeue and ran nothing")

    fix = lab.fix("fix", task=TASK, queue=QUEUE)
    code, out = lab.python(SENDER.replace("# FIX", fix), "sender_fixed")
    lab.expect(code == 0, out)
    worker.wait_for(rf"Task {TASK}\[.*\] succeeded in .*: 42")
    count = worker.text().count("Received and deleted unknown message")
    lab.expect(count == 1, f"{count} unknown-message warnings, not the first one only")
    lab.step("after the fix the same worker runs the message as a task", f"{TASK} returned 42")

"""A consumer acks one delivery twice (406 unknown delivery tag); the entry's handler acks once."""

from __future__ import annotations

SLUG = "unknown-delivery-tag"

SETUP = """
import os
from kombu import Connection, Queue

queue = Queue("jobs", durable=True)
conn = Connection(os.environ["LAB_BROKER_URL"])
producer = conn.Producer()
for n in range(3):
    producer.publish({"n": n}, routing_key="jobs", declare=[queue])
"""

BROKEN = """
import os
from urllib.parse import unquote, urlsplit

import amqp

url = urlsplit(os.environ["LAB_BROKER_URL"])
conn = amqp.Connection(f"{url.hostname}:{url.port}", userid=url.username,
                       password=url.password, virtual_host=unquote(url.path[1:]))
conn.connect()
ch = conn.channel()
ch.queue_declare("jobs", durable=True, auto_delete=False)
for n in range(3):
    ch.basic_publish(amqp.Message(f"job {n}"), routing_key="jobs")


def on_message(message):
    ch.basic_ack(message.delivery_tag)
    ch.basic_ack(message.delivery_tag)   # a second ack, elsewhere in the code


ch.basic_consume("jobs", callback=on_message)
for _ in range(5):
    conn.drain_events(timeout=2)
"""

FIXED = (
    SETUP
    + """
handled = []


def handle(body):
    handled.append(body["n"])


# FIX

with conn.Consumer(queue, callbacks=[on_message]):
    while len(handled) < 3:
        conn.drain_events(timeout=5)
print("handled", handled)
"""
)


PURGE = """
import os
from kombu import Connection

Connection(os.environ["LAB_BROKER_URL"]).default_channel.queue_purge("jobs")
"""


def run(lab) -> None:
    code, out = lab.python(BROKEN, "consumer")
    lab.expect(code != 0 and "unknown delivery tag" in out, f"no 406:\n{out}")
    start = out.index("Traceback (most recent call last)")
    lab.diagnose(out[start:], "consumer traceback")

    lab.python(PURGE, "purge")
    fix = lab.fix("fix")
    code, out = lab.python(FIXED.replace("# FIX", fix), "consumer_fixed")
    lab.expect(code == 0 and "handled [0, 1, 2]" in out, f"the fixed consumer failed:\n{out}")
    lab.step("after the fix every message is acked once", out.strip()[-40:])

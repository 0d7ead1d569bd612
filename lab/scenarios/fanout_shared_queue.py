"""Three consumers share one named queue bound to a fanout exchange; the entry's own
server-named exclusive queue gives each consumer every message."""

from __future__ import annotations

import json
import re

SLUG = "fanout-shared-queue"

CONSUMER = """
import json
import os
import sys
import threading
from kombu import Connection, Exchange, Queue

# QUEUE

counts = {}
ready = threading.Barrier(4)
done = threading.Event()


def consume(name):
    with Connection(os.environ["LAB_BROKER_URL"]) as conn:
        def on_message(body, message):
            counts[name] = counts.get(name, 0) + 1
            message.ack()
        with conn.Consumer(cache_events, callbacks=[on_message], prefetch_count=1):
            ready.wait()
            while not done.is_set():
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass


threads = [threading.Thread(target=consume, args=(f"consumer-{n}",)) for n in (1, 2, 3)]
for thread in threads:
    thread.start()
ready.wait()
with Connection(os.environ["LAB_BROKER_URL"]) as conn:
    producer = conn.Producer()
    for n in range(10):
        producer.publish({"event": "full_refresh", "n": n}, exchange=exchange,
                         declare=[exchange])
import time
time.sleep(3)
# CHECK
done.set()
for thread in threads:
    thread.join()
print("COUNTS", json.dumps(counts, sort_keys=True))
"""

BROKEN_QUEUE = """\
exchange = Exchange("cache.events", type="fanout", durable=True)
cache_events = Queue("cache.events", exchange=exchange)
"""


def _counts(out: str) -> dict:
    match = re.search(r"COUNTS (\{.*\})", out)
    return json.loads(match.group(1)) if match else {}


def run(lab) -> None:
    check_file = lab.dir / "check_now"
    wait_for_check = f"""
open({str(lab.dir / "consuming")!r}, "w").close()
deadline = time.time() + 30
while not os.path.exists({str(check_file)!r}) and time.time() < deadline:
    time.sleep(0.2)
"""
    code = CONSUMER.replace("# QUEUE", BROKEN_QUEUE).replace("# CHECK", wait_for_check)
    lab.write("lab_consumers.py", code)
    import sys

    proc = lab.start([sys.executable, "lab_consumers.py"], "consumers")
    lab.wait_for_file(lab.dir / "consuming", "the consumers never started", proc)
    lab.check_finds()  # three consumers on one queue bound to a fanout exchange
    check_file.touch()
    lab.expect(proc.exited(40) == 0, proc.text())
    counts = _counts(proc.text())
    lab.expect(
        sum(counts.values()) == 10 and len(counts) >= 2 and max(counts.values()) < 10,
        f"expected 10 messages split between consumers, got {counts}",
    )
    lab.step("10 events split between 3 consumers", json.dumps(counts, sort_keys=True))
    lab.diagnose(
        "Events published to the fanout exchange cache.events reach only one consumer each:\n"
        + BROKEN_QUEUE,
        "consumer code",
        confidence="possible",  # the engine caps findings from a config paste at possible
        example=False,
    )

    fix = lab.fix("fix", exchange="cache.events")
    code = CONSUMER.replace("# QUEUE", fix).replace("# CHECK", "")
    code_, out = lab.python(code, "consumers_fixed", timeout=60)
    counts = _counts(out)
    lab.expect(
        code_ == 0 and counts == {f"consumer-{n}": 10 for n in (1, 2, 3)},
        f"after the fix expected 10 each, got {counts}:\n{out[-800:]}",
    )
    lab.step("after the fix each consumer received all 10", json.dumps(counts, sort_keys=True))

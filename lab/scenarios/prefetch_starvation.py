"""Two workers with -c 1: short tasks wait behind a long one on worker A while B idles.

Also shows what issue 12 (item 4) corrected: `inspect reserved` lists the waiting
tasks with 'acknowledged': False, `rabbitmqctl list_consumers` shows prefetch 0 (global
QoS on 3.x) and `list_channels ... global_prefetch_count` shows the real value.
"""

from __future__ import annotations

import re
import time

from lab import support
from lab.support import APP_HEADER

SLUG = "prefetch-starvation"

APP = (
    APP_HEADER
    + """
import time

# FIX


@app.task(name="export.build")
def build():
    time.sleep(12)
    return "exported"


@app.task(name="mail.send_receipt")
def send_receipt(n):
    return n
"""
)

CALLER = """
import time
from labapp import build, send_receipt

build.delay()
time.sleep(0.5)
for n in range(6):
    send_receipt.delay(n)
"""


def _received_by(worker, name: str) -> int:
    return len(re.findall(rf"Task {re.escape(name)}\[.*\] received", worker.text()))


def _long_holder(a, b):
    """The worker that received the long task (waits for it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for worker in (a, b):
            if re.search(r"Task export\.build\[.*\] received", worker.text()):
                return worker
        time.sleep(0.2)
    raise support.LabError("no worker received the long task")


def run(lab) -> None:
    lab.write("labapp.py", APP)
    a = lab.worker("labapp", "-c", "1", name="worker-a")
    b = lab.worker("labapp", "-c", "1", name="worker-b")
    lab.python(CALLER, "caller")
    long_holder = _long_holder(a, b)
    long_holder.wait_for(r"Task mail\.send_receipt\[.*\] received")
    reserved = lab.celery("labapp", "inspect", "reserved", "--timeout", "10")
    lab.expect("'acknowledged': False" in reserved, f"no unacknowledged reserved task:\n{reserved}")
    lab.expect(
        _received_by(long_holder, "mail.send_receipt") >= 1,
        "the worker with the long task reserved no short task",
    )
    lab.step("short tasks reserved behind the long one", reserved.strip()[:300])

    channels = support.rabbitmqctl(
        "list_channels",
        "-p",
        lab.vhost,
        "name",
        "consumer_count",
        "global_prefetch_count",
        "--no-table-headers",
        "-q",
    )
    consumers = support.rabbitmqctl(
        "list_consumers",
        "-p",
        lab.vhost,
        "queue_name",
        "prefetch_count",
        "--no-table-headers",
        "-q",
    )
    task_consumers = [
        line.split()[-1] for line in consumers.splitlines() if line.startswith("celery")
    ]
    lab.expect(
        task_consumers and set(task_consumers) == {"0"},
        f"list_consumers prefetch column: {consumers}",
    )
    lab.expect(re.search(r"\t1\t4$", channels, re.M), f"no global prefetch of 4:\n{channels}")
    lab.step("list_consumers shows 0, list_channels global_prefetch_count shows 4")
    lab.diagnose(
        "$ celery -A proj inspect reserved\n"
        + reserved.strip()
        + "\nshort tasks wait in reserved behind a long task while the other worker is idle",
        "inspect reserved output, with the user's sentence",
        confidence="possible",  # a reserved list alone does not prove starvation
    )
    long_holder.wait_for(r"Task export\.build\[.*\] succeeded", timeout=60)

    fix = lab.fix("fix")
    lab.stop(a)
    lab.stop(b)
    lab.write("labapp.py", APP.replace("# FIX", fix))
    a = lab.worker("labapp", "-c", "1", name="fixed-a")
    b = lab.worker("labapp", "-c", "1", name="fixed-b")
    lab.python(CALLER, "caller_fixed")
    long_holder = _long_holder(a, b)
    other = b if long_holder is a else a
    other.wait_for(r"Task mail\.send_receipt\[.*\] succeeded", count=6, timeout=60)
    lab.expect(
        "export.build"
        not in "".join(line for line in long_holder.text().splitlines() if "succeeded" in line),
        "the long task finished before the short ones: the check proves nothing",
    )
    lab.expect(
        _received_by(long_holder, "mail.send_receipt") == 0,
        "the worker running the long task still reserved short ones",
    )
    channels = support.rabbitmqctl(
        "list_channels",
        "-p",
        lab.vhost,
        "name",
        "consumer_count",
        "global_prefetch_count",
        "--no-table-headers",
        "-q",
    )
    lab.expect(re.search(r"\t1\t1$", channels, re.M), f"global prefetch not 1:\n{channels}")
    lab.step(
        "after the fix the other worker ran all six short tasks during the long one",
        "global_prefetch_count 1",
    )

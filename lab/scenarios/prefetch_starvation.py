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
    time.sleep(6)
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


def run(lab) -> None:
    lab.write("labapp.py", APP)
    a = lab.worker("labapp", "-c", "1", name="worker-a")
    b = lab.worker("labapp", "-c", "1", name="worker-b")
    lab.python(CALLER, "caller")
    time.sleep(2)
    reserved = lab.celery("labapp", "inspect", "reserved")
    long_holder = a if "export.build" in a.text() else b
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
    long_holder.wait_for(r"Task export\.build\[.*\] succeeded", timeout=15)

    fix = lab.fix("fix")
    lab.stop(a)
    lab.stop(b)
    lab.write("labapp.py", APP.replace("# FIX", fix))
    a = lab.worker("labapp", "-c", "1", name="fixed-a")
    b = lab.worker("labapp", "-c", "1", name="fixed-b")
    lab.python(CALLER, "caller_fixed")
    time.sleep(2)
    long_holder = a if "export.build" in a.text() else b
    other = b if long_holder is a else a
    lab.expect(
        _received_by(long_holder, "mail.send_receipt") == 0,
        "the worker running the long task still reserved short ones",
    )
    lab.expect(
        len(re.findall(r"Task mail\.send_receipt\[.*\] succeeded", other.text())) == 6,
        "the idle worker did not run all six short tasks while the long one ran",
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

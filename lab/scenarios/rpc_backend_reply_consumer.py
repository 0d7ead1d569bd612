"""A caller overrides reply_to with amq.rabbitmq.reply-to without consuming it (406 on publish);
the entry's plain delay()/get() works."""

from __future__ import annotations

from lab.support import BrokerLog, traceback_of

SLUG = "rpc-backend-reply-consumer"

APP = """\
import os

from celery import Celery

app = Celery("lab", broker=os.environ["LAB_BROKER_URL"], backend="rpc://")
app.conf.broker_connection_retry_on_startup = True


@app.task(name="myapp.tasks.add")
def add(report_id):
    return report_id * 2
"""

BROKEN = """
import time
from labapp import add

res = add.apply_async((21,), reply_to="amq.rabbitmq.reply-to")
time.sleep(1)
add.delay(1)   # the next call on the channel meets the asynchronous close
"""


def run(lab) -> None:
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo")
    log = BrokerLog()
    code, out = lab.python(BROKEN, "caller")
    lab.expect(code != 0 and "fast reply consumer does not exist" in out, out)
    # The right entry first, but under the `high` threshold since the ranker was retrained
    # at 99.5% precision on the 523-paste corpus (0.9951): listed in lab/README.md.
    lab.diagnose(traceback_of(out), "caller traceback", confidence="possible")
    line = log.wait_for(r"fast reply consumer does not exist", timeout=5)
    if line:  # the broker log is readable here
        lab.diagnose(line, "broker log", confidence="possible")
    lab.expect("received" not in worker.text(), "the worker received the task")

    fix = lab.fix("fix", task="add")
    code, out = lab.python(
        "from labapp import add\nreport_id = 21\n" + fix + "\nprint('value', value)\n",
        "caller_fixed",
    )
    lab.expect(code == 0 and "value 42" in out, f"the fixed caller failed:\n{out}")
    lab.step("after the fix delay()/get() returned 42")

"""On the Redis broker a countdown longer than visibility_timeout runs the task several times;
the entry's longer visibility_timeout runs it once.

kombu's restore sweep is shortened (unacked_restore_interval=1, throttle=1) so the effect
shows within seconds; the visibility timeout itself is 5 s against a 15 s countdown.
"""

from __future__ import annotations

import re

SLUG = "redis-visibility-timeout"
RABBITMQ = False
REDIS = True

APP = """\
import os

from celery import Celery

app = Celery("lab", broker=os.environ["LAB_REDIS_URL"])
app.conf.broker_connection_retry_on_startup = True
broker_transport_options = {"visibility_timeout": 5}
# FIX
app.conf.broker_transport_options = {
    **broker_transport_options, "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
}


@app.task(name="reminders.tasks.send_reminder")
def send_reminder(booking_id):
    return booking_id
"""

CALLER = """
from labapp import send_reminder

print(send_reminder.apply_async((7,), countdown=15).id)
"""


def _runs(text: str, task_id: str) -> tuple[int, int]:
    received = len(re.findall(rf"\[{task_id}\] received", text))
    succeeded = len(re.findall(rf"\[{task_id}\] succeeded", text))
    return received, succeeded


def run(lab) -> None:
    lab.use_redis()
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-c", "2")
    code, out = lab.python(CALLER, "caller")
    task_id = out.strip().splitlines()[-1]
    worker.wait_for(rf"\[{task_id}\] succeeded", timeout=40)
    worker.wait_for(rf"\[{task_id}\] received", count=2, timeout=5)
    import time

    time.sleep(3)
    received, succeeded = _runs(worker.text(), task_id)
    lab.expect(received >= 2 and succeeded >= 2, f"received {received}, ran {succeeded}")
    lab.step("one apply_async ran several times", f"received {received}, succeeded {succeeded}")
    lines = [line for line in worker.text().splitlines() if task_id in line]
    lab.diagnose(
        "\n".join(lines)
        + "\nOn the Redis broker this countdown task runs several times, each copy at the ETA.",
        "worker log with the user's sentence",
        confidence="possible",  # duplicate lines alone name no cause
    )

    fix = lab.fix("fix")
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# FIX", fix))
    worker = lab.worker("labapp", "-c", "2", name="fixed")
    code, out = lab.python(CALLER, "caller_fixed")
    task_id = out.strip().splitlines()[-1]
    worker.wait_for(rf"\[{task_id}\] succeeded", timeout=40)
    time.sleep(4)
    received, succeeded = _runs(worker.text(), task_id)
    lab.expect((received, succeeded) == (1, 1), f"after the fix: {received} / {succeeded}")
    lab.step("after the fix the task was received and ran once")

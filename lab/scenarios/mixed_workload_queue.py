"""Fast tasks share one queue and one worker slot with slow batch tasks; the caller's get()
times out. The entry's routes and one worker per queue (its own commands) fix it."""

from __future__ import annotations

import shlex

from lab import support
from lab.support import traceback_of

SLUG = "mixed-workload-queue"

APP = """\
import os
import time

from celery import Celery

app = Celery("proj", broker=os.environ["LAB_BROKER_URL"], backend="rpc://")
app.conf.broker_connection_retry_on_startup = True
# ROUTES


@app.task(name="character.save_reward")
def save_reward(n):
    time.sleep(4)


@app.task(name="character.match")
def match(n):
    return f"match {n}"
"""

CALLER = """
from proj import match, save_reward

for n in range(2):
    save_reward.delay(n)
print(match.delay(1).get(timeout=3))
"""


def run(lab) -> None:
    lab.write("proj.py", APP)
    worker = lab.worker("proj", "-c", "1")
    code, out = lab.python(CALLER, "caller")
    lab.expect(code != 0 and "TimeoutError" in out, f"the caller did not time out:\n{out}")
    worker.wait_for(r"Task character\.match\[.*\] succeeded", timeout=20)
    log = [line for line in worker.text().splitlines() if "Task character." in line]
    lab.diagnose(
        traceback_of(out)
        + "\n"
        + "\n".join(log)
        + "\nthe fast match task waits behind slow save_reward batch tasks in the same queue",
        "caller traceback and worker log, with the user's sentence",
        confidence="possible",  # a timeout plus a log is suggestive, not proof
    )

    routes = lab.fix("routes")
    commands = support.fix_commands(lab.fix("workers", app="proj"), "celery")
    lab.expect(len(commands) >= 2, f"not one worker per queue: {commands}")
    lab.stop(worker)
    lab.write("proj.py", APP.replace("# ROUTES", routes))
    for number, command in enumerate(commands):
        argv = [a.replace("%h", "lab") for a in command]
        proc = lab.start(support.celery_args(*argv[1:], "-l", "INFO"), f"worker-{number}")
        proc.wait_for(r"ready\.", timeout=40)
    shown = " | ".join(shlex.join(c) for c in commands)
    lab.step("started one worker per queue with the entry's commands", shown)
    code, out = lab.python(CALLER, "caller_fixed")
    lab.expect(code == 0 and "match 1" in out, f"after the fix the caller still fails:\n{out}")
    lab.step("after the fix the fast task answered within 3 s while the batch ran")

"""A task waits on a subtask's result; the entry's chain/chord replaces the wait."""

from __future__ import annotations

SLUG = "result-get-within-task"
REDIS = True

APP = """\
import os

from celery import Celery

app = Celery("lab", broker=os.environ["LAB_BROKER_URL"], backend=os.environ["LAB_REDIS_URL"])
app.conf.broker_connection_retry_on_startup = True


@app.task(name="game.match")
def match(user_id):
    return user_id * 10


@app.task(name="game.store_reward")
def store_reward(points, user_id):
    return f"stored {points} for {user_id}"


@app.task(name="game.score")
def score(item):
    return item * 2


@app.task(name="game.summarize")
def summarize(values):
    return f"sum {sum(values)}"


@app.task(name="app.tasks.parent")
def parent(user_id):
    items = [1, 2, 3]
# BODY
"""

BROKEN_BODY = """\
    points = match.delay(user_id).get(timeout=10)
    return store_reward(points, user_id)
"""


def run(lab) -> None:
    lab.use_redis()
    lab.write("labapp.py", APP.replace("# BODY", BROKEN_BODY))
    worker = lab.worker("labapp", "-c", "2")
    lab.python("from labapp import parent\nparent.delay(4)\n", "caller")
    line = worker.wait_for(r"raised unexpected: RuntimeError")
    lab.diagnose(line, "worker log")

    fix = lab.fix("fix")
    body = "\n".join("    " + line for line in fix.splitlines())
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# BODY", body))
    worker = lab.worker("labapp", "-c", "2", name="fixed")
    lab.python("from labapp import parent\nparent.delay(4)\n", "caller_fixed")
    worker.wait_for(r"Task game\.store_reward\[.*\] succeeded in .*: 'stored 40 for 4'")
    worker.wait_for(r"Task game\.summarize\[.*\] succeeded in .*: 'sum 12'")
    lab.expect("RuntimeError" not in worker.text(), "RuntimeError after the fix")
    lab.step("after the fix the chain and the chord ran without waiting in the task")

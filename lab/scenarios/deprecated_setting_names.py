"""Old and new setting names in one config module; `celery upgrade settings` (the entry's fix)."""

from __future__ import annotations

from lab import support

SLUG = "deprecated-setting-names"

CONFIG = """\
import os

broker_url = os.environ["LAB_AMQP"]  # a name `celery upgrade` leaves alone (see the entry)
broker_connection_retry_on_startup = True
task_acks_late = True
CELERYD_MAX_TASKS_PER_CHILD = 1000
"""

APP = """\
from celery import Celery

app = Celery("lab")
app.config_from_object("celeryconfig")


@app.task(name="lab.ping")
def ping():
    return "pong"
"""


def run(lab) -> None:
    lab.write("celeryconfig.py", CONFIG)
    lab.write("labapp.py", APP)
    env = {"LAB_AMQP": lab.broker_url}
    worker = lab.worker("labapp", "-P", "solo", ready=False, env=env)
    lab.expect(worker.exited(30) not in (None, 0), "the worker started with mixed settings")
    text = worker.text()
    start = text.index("Traceback (most recent call last)")
    # `possible` since the sixth session: without the setting signal's part it falls just
    # under the `high` threshold (the setting gate; lab/README.md)
    lab.diagnose(text[start:], "worker start-up traceback", confidence="possible")

    fix = lab.fix("fix", setting="CELERYD_MAX_TASKS_PER_CHILD")
    argv = next(c for c in support.fix_commands(fix, "celery") if c[-1].endswith("config.py"))
    lab.expect(argv[:3] == ["celery", "upgrade", "settings"], f"unexpected fix: {argv}")
    # the entry names proj/celeryconfig.py; here the module sits in the scenario folder
    argv[3] = "celeryconfig.py"
    proc = lab.start(support.celery_args(*argv[1:]), "upgrade")
    lab.expect(proc.exited(30) == 0, f"celery upgrade settings failed:\n{proc.text()}")
    upgraded = (lab.dir / "celeryconfig.py").read_text()
    lab.expect("worker_max_tasks_per_child = 1000" in upgraded, upgraded)
    lab.step("celery upgrade settings rewrote the old name", "worker_max_tasks_per_child")
    worker = lab.worker("labapp", "-P", "solo", name="fixed", env=env)
    out = lab.celery("labapp", "call", "lab.ping", env=env)
    worker.wait_for(r"Task lab\.ping\[.*\] succeeded", timeout=90)
    lab.step("after the fix the worker starts and runs a task", out.strip()[:60])

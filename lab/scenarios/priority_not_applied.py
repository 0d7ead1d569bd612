"""Priorities on a RabbitMQ queue without x-max-priority are ignored; the entry's config fixes it."""

from __future__ import annotations

import re
from urllib.parse import quote

from lab import support
from lab.support import APP_HEADER

SLUG = "priority-not-applied"

CONFIG = """\
from kombu import Exchange, Queue

app.conf.task_queues = [Queue("tasks", Exchange("tasks"), routing_key="tasks")]
app.conf.worker_prefetch_multiplier = 1
app.conf.task_acks_late = True
"""

APP = (
    APP_HEADER
    + """
app.conf.task_default_queue = "tasks"
# CONFIG


@app.task(name="jobs.run")
def run_job(label):
    return label
"""
)

CALLER = """
from labapp import run_job

for n in range(5):
    run_job.apply_async(args=[f"low-{n}"], priority=1)
run_job.apply_async(args=["urgent"], priority=9)
"""


def _order(worker) -> list[str]:
    return re.findall(r"Task jobs\.run\[.*\] succeeded in [\d.e-]+s: '([\w-]+)'", worker.text())


def _declare_only(lab, config: str) -> None:
    """Declare the queues as the worker would (no consumer yet), so messages wait there."""
    code, out = lab.python(
        "from labapp import app\nwith app.connection_for_write() as conn:\n"
        "    for q in app.conf.task_queues:\n        q(conn.default_channel).declare()\n",
        "declare",
    )
    lab.expect(code == 0, out)


def run(lab) -> None:
    lab.write("labapp.py", APP.replace("# CONFIG", CONFIG))
    _declare_only(lab, CONFIG)
    lab.python(CALLER, "caller")
    worker = lab.worker("labapp", "-c", "1")
    worker.wait_for(r"succeeded in [\d.e-]+s: 'urgent'")
    order = _order(worker)
    lab.expect(order[-1] == "urgent", f"expected the urgent task last, ran: {order}")
    lab.step("priority 9 ran last: arrival order", " ".join(order))
    paste = CONFIG + CALLER.replace("from labapp import run_job\n", "")
    lab.diagnose(
        paste + "\n# the priority=9 task still runs after the five priority=1 tasks",
        "config and caller",
        confidence="possible",  # a config paste alone gives at most possible
        example=False,
    )
    lab.check_finds(queues=["tasks"], config_text=paste)

    fix = lab.fix("fix", queue="tasks", max_priority="10")
    lab.stop(worker)
    # the entry: the queue exists without the argument, so drain and delete it first
    support.management("DELETE", f"/queues/{quote(lab.vhost, safe='')}/tasks")
    lab.step("deleted the drained queue, as the entry says")
    lab.write("labapp.py", APP.replace("# CONFIG", fix))
    _declare_only(lab, fix)
    lab.python(CALLER, "caller_fixed")
    worker = lab.worker("labapp", "-c", "1", name="fixed")
    worker.wait_for(r"succeeded in [\d.e-]+s: 'low-4'")
    order = _order(worker)
    lab.expect(order[0] == "urgent", f"after the fix the urgent task did not run first: {order}")
    lab.step("after the fix priority 9 ran first", " ".join(order))
    lab.check_clean(queues=["tasks"], config_text=fix + CALLER)

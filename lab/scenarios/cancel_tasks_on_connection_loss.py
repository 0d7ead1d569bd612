"""A worker loses its broker connection (closed with `rabbitmqctl close_connection`) while an
acks_late task runs: Celery 5 warns (CPendingDeprecationWarning), keeps the run going, and the
redelivered message runs the task a second time. With the entry's setting the orphaned run is
terminated and the task runs once after the reconnect, without the warning."""

from __future__ import annotations

import re
import time

from lab import support
from lab.support import CONFIGURED_APP_HEADER, segment

SLUG = "cancel-tasks-on-connection-loss"

APP = (
    CONFIGURED_APP_HEADER
    + """

@app.task(name="cl.long", acks_late=True)
def long():
    with (HERE / "runs").open("a") as handle:
        handle.write("run\\n")
    time.sleep(5)
    return "done"
"""
)

CALL = "from labapp import long\nprint(long.delay().id)\n"


def _run_and_drop(lab, worker, name: str) -> str:
    """Send the task, close the worker's connection while it runs; the task id."""
    runs = lab.dir / "runs"
    runs.unlink(missing_ok=True)
    code, out = lab.python(CALL, name)
    lab.expect(code == 0, out)
    task_id = out.strip().splitlines()[-1]
    lab.wait_for_file(runs, "the task never started", worker)
    mine = support.vhost_connections(lab.vhost)  # only our worker's
    lab.expect(mine, f"no connection in vhost {lab.vhost}")
    for conn in mine:
        support.rabbitmqctl("close_connection", conn["pid"], "lab test")
    names = [conn["name"] for conn in mine]
    lab.step("closed the worker's connection while the task ran", ", ".join(names))
    worker.wait_for(r"Connection to broker lost", timeout=20)
    return task_id


def _succeeded(lab, worker, task_id: str, count: int) -> None:
    pattern = rf"Task cl\.long\[{re.escape(task_id)}\] succeeded"
    worker.wait_for(pattern, count=count, timeout=40)
    time.sleep(6)  # long enough for one more run of the 5 s task to finish
    found = len(re.findall(pattern, worker.text()))
    lab.expect(found == count, f"task {task_id} succeeded {found} times, not {count}")


def run(lab) -> None:
    lab.write("labapp.py", APP)
    lab.write("celeryconfig.py", "# worker_cancel_long_running_tasks_on_connection_loss unset\n")
    worker = lab.worker("labapp", "-c", "1")
    task_id = _run_and_drop(lab, worker, "caller")
    worker.wait_for(r"CPendingDeprecationWarning")
    capture = segment(worker.text(), r"CPendingDeprecationWarning")
    # the connection-loss line before it is left out: its cause belongs to another entry.
    # First (no runner-up), but `possible`: the warning follows every connection loss,
    # whatever caused it, so the text alone does not prove acks_late tasks ran twice (the
    # entry's signature comment); 0.991 on 2026-12-03 against the 0.997 `high` threshold,
    # like the entry's own example of it (0.991)
    lab.diagnose(capture, "worker log: CPendingDeprecationWarning", confidence="possible")
    _succeeded(lab, worker, task_id, 2)
    lab.step("with the default the task ran twice", f"{task_id} succeeded twice")

    fix = lab.fix("fix")
    lab.stop(worker)
    lab.write("celeryconfig.py", fix)
    worker = lab.worker("labapp", "-c", "1", name="fixed")
    task_id = _run_and_drop(lab, worker, "caller_fixed")
    line = worker.wait_for(r"cannot be acknowledged after a connection loss")
    lab.expect(task_id in line, f"another task was terminated: {line}")
    _succeeded(lab, worker, task_id, 1)
    lab.expect(
        "CPendingDeprecationWarning" not in worker.text(),
        "the warning is still logged after the fix",
    )
    lab.step("with the entry's setting the orphaned run was terminated and the task ran once")

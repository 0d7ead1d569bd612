"""An operator closes the worker's connection (`rabbitmqctl close_connection`) while an
`acks_late` task runs in a prefork child: the worker logs 320 CONNECTION_FORCED, reconnects,
receives the requeued task again and runs it a second time beside the first, whose ack then
fails. With the entry's `worker_cancel_long_running_tasks_on_connection_loss = True` the same
close (this time the management API's, "Closed via management plugin") cancels the first run
and the redelivered copy runs alone, once."""

from __future__ import annotations

import time
from urllib.parse import quote

from lab import support
from lab.support import CONFIGURED_APP_HEADER, LabError

SLUG = "connection-forced"
REASON = "lab: broker maintenance"

APP = (
    CONFIGURED_APP_HEADER
    + """

@app.task(name="labapp.slow")
def slow(n):
    (HERE / "started").write_text(str(n))
    time.sleep(n)
    return n
"""
)

BROKEN_CONFIG = "task_acks_late = True\n"
CALL = "from labapp import slow\nprint(slow.delay(10).id)\n"


def _close_while_running(lab, worker, how: str) -> str:
    """Start the slow task, wait until a pool child runs it, close the worker's connections
    in the scenario's vhost (`rabbitmqctl` with an operator's reason, or the management
    API's force close), and return the task id."""
    started = lab.dir / "started"
    started.unlink(missing_ok=True)
    code, out = lab.python(CALL, f"caller_{how}")
    lab.expect(code == 0, out)
    task_id = out.strip().splitlines()[-1]
    lab.wait_for_file(started, "the task never started", worker)
    time.sleep(1)
    closed, deadline = 0, time.monotonic() + 10
    # the caller's connection, already gone, may still be listed; the management API
    # knows a new connection only a few seconds after it opened
    while not closed and time.monotonic() < deadline:
        for conn in support.vhost_connections(lab.vhost):
            if how == "rabbitmqctl":
                try:
                    support.rabbitmqctl("close_connection", conn["pid"], REASON)
                except LabError:
                    continue
            else:  # what the management UI's "Force Close" button sends
                v = quote(conn["name"], safe="")
                response = support.management("DELETE", f"/connections/{v}")
                if response.status_code == 404:
                    continue
                response.raise_for_status()
            closed += 1
        time.sleep(0 if closed else 0.5)
    lab.expect(closed, f"no open connection in vhost {lab.vhost}")
    lab.step(f"closed {closed} connection(s) of the worker ({how})", task_id)
    return task_id


def run(lab) -> None:
    lab.write("labapp.py", APP)
    lab.write("celeryconfig.py", BROKEN_CONFIG)
    worker = lab.worker("labapp", "-c", "2")
    task_id = _close_while_running(lab, worker, "rabbitmqctl")
    line = worker.wait_for(r"Connection to broker lost.*CONNECTION_FORCED")
    lab.expect(REASON in line, f"the reason is not the operator's text: {line}")
    # first, but `possible` (0.995 on 2026-12-03 against the 0.997 threshold): the text after
    # `CONNECTION_FORCED -` is the operator's own free text, and on this clean one-line capture
    # the ranker stays just under `high` (its known weakness on single-signature texts, issue
    # 10); the management plugin's fixed reason below is `high`
    lab.diagnose(line, "worker log: connection closed by rabbitmqctl", confidence="possible")
    worker.wait_for(r"Connected to amqp://")
    worker.wait_for(rf"Task labapp\.slow\[{task_id}\] received", count=2)
    worker.wait_for(rf"Task labapp\.slow\[{task_id}\] succeeded", count=2, timeout=40)
    worker.wait_for(r"Couldn't ack \d+, reason:RecoverableConnectionError")
    lines = [
        x
        for x in worker.text().splitlines()
        if task_id in x
        or "Connection to broker lost" in x
        or "Connected to" in x
        or "Couldn't ack" in x
    ]
    lines = lines[[i for i, x in enumerate(lines) if task_id in x][0] :]
    # first, but `possible` (0.989-0.990): the same signature, diluted by the task lines around it
    lab.diagnose(
        "\n".join(lines), "worker log: acks_late task received and run twice", confidence="possible"
    )
    lab.step("with acks_late the task ran twice after the forced close")

    fix = lab.fix("fix")
    lab.stop(worker)
    lab.write("celeryconfig.py", BROKEN_CONFIG + fix + "\n")
    worker = lab.worker("labapp", "-c", "2", name="fixed")
    task_id = _close_while_running(lab, worker, "management")
    line = worker.wait_for(r"Connection to broker lost.*CONNECTION_FORCED")
    lab.diagnose(line, "worker log: Force Close in the management UI")
    worker.wait_for(r"cannot be acknowledged after a connection loss")
    worker.wait_for(rf"Task labapp\.slow\[{task_id}\] received", count=2)
    worker.wait_for(rf"Task labapp\.slow\[{task_id}\] succeeded", timeout=40)
    time.sleep(2)
    text = worker.text()
    runs = len([x for x in text.splitlines() if f"{task_id}] succeeded" in x])
    lab.expect(runs == 1, f"the task succeeded {runs} times after the fix:\n{text[-3000:]}")
    lab.expect("Couldn't ack" not in text, f"an ack failed after the fix:\n{text[-3000:]}")
    lab.step("after the fix the first run was cancelled and the redelivered copy ran once")

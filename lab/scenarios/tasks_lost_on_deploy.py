"""A deploy stops a prefork worker by sending SIGTERM to its whole process group while a long
task runs: the pool child dies at once (WorkerLostError: signal 15) and, acknowledged early,
the task is gone from the queue. With the entry's late ack and reject-on-worker-lost the same
kill puts the message back, and the next worker runs it."""

from __future__ import annotations

import os
import signal

from lab import support
from lab.support import CONFIGURED_APP_HEADER

SLUG = "tasks-lost-on-deploy"

APP = (
    CONFIGURED_APP_HEADER
    + """

@app.task(name="dep.long")
def long(n):
    (HERE / "started").write_text(str(n))
    deadline = time.monotonic() + 60
    while (HERE / "hold").exists() and time.monotonic() < deadline:  # a long task
        time.sleep(0.2)
    return n
"""
)

CALL = "from labapp import long\nlong.delay({n})\n"


def _deploy(lab, worker) -> None:
    """Wait until the task runs in the pool child, then SIGTERM the worker's process group."""
    started = lab.dir / "started"
    lab.wait_for_file(started, "the task never started", worker)
    started.unlink()
    os.killpg(worker.pid, signal.SIGTERM)
    lab.expect(worker.exited(30) is not None, "the worker did not exit after SIGTERM")


def _messages(lab) -> str:
    listing = support.rabbitmqctl("list_queues", "-q", "-p", lab.vhost, "name", "messages")
    return dict(line.split("\t") for line in listing.splitlines() if "\t" in line).get("celery")


def run(lab) -> None:
    lab.write("labapp.py", APP)
    lab.write("celeryconfig.py", "# defaults: early ack\n")
    lab.write("hold", "")
    worker = lab.worker("labapp", "-c", "1")
    lab.python(CALL.format(n=1), "caller")
    _deploy(lab, worker)
    lab.step("sent SIGTERM to the worker's process group while the task ran")
    text = worker.text()
    start = text.index("worker: Warm shutdown (MainProcess)")
    end = text.index("\n", text.index("Task handler raised error: WorkerLostError", start))
    capture = text[start:end]  # the three lines a user sees, without the traceback below
    # first (no runner-up), but `possible`: 0.984 on 2026-12-03 against the 0.997 `high`
    # threshold, like the entry's own examples of this text (0.983); a pool child's
    # WorkerLostError is also how worker-lost-oom's kills read, and the ranker does not
    # reach `high` on this clean single-signature text (lab/README.md)
    lab.diagnose(capture, "worker log: pool child killed by SIGTERM", confidence="possible")
    lab.expect(_messages(lab) == "0", f"the queue holds {_messages(lab)} messages, not 0")
    lab.step("with the default early ack the queue is empty: the task is lost")

    fix = lab.fix("fix")
    lab.stop(worker)
    lab.write("celeryconfig.py", fix)
    worker = lab.worker("labapp", "-c", "1", name="fixed")
    lab.python(CALL.format(n=2), "caller_fixed")
    _deploy(lab, worker)
    worker.wait_for(r"WorkerLostError")
    lab.expect(_messages(lab) == "1", f"the queue holds {_messages(lab)} messages, not 1")
    lab.step("with the entry's fix the same kill puts the message back in the queue")
    lab.stop(worker)

    (lab.dir / "hold").unlink()
    worker = lab.worker("labapp", "-c", "1", name="next")
    worker.wait_for(r"Task dep\.long\[.*\] succeeded in .*: 2", timeout=30)
    lab.step("the next worker runs the redelivered task to the end")

"""An operator deletes the worker's queue (`rabbitmqctl delete_queue`) while the worker consumes
it: RabbitMQ sends basic.cancel, the worker logs `Connection to broker lost ...
(ConsumerCancelled(..., 'Basic.cancel'))` (followed by Celery 5's CPendingDeprecationWarning),
reconnects and declares the queue again, empty, as if nothing happened. With the entry's
`no_declare=True` the same deletion is no longer hidden: the worker stops with
`NOT_FOUND - no queue` and the queue stays deleted until its owner declares it again.
"""

from __future__ import annotations

import time

from lab import support
from lab.support import APP_HEADER, LabError

SLUG = "consumer-cancelled"
QUEUE = "celery"

APP = (
    APP_HEADER
    + """
# CONFIG


@app.task(name="orders.invoice")
def invoice(n):
    return n
"""
)

CALL = "from labapp import invoice\nprint(invoice.delay(7).id)\n"

# the queue's owner declares it (durable, as Celery would), outside the worker
OPERATOR = f"""\
import os

from kombu import Connection

with Connection(os.environ["LAB_BROKER_URL"]) as conn:
    conn.default_channel.queue_declare({QUEUE!r}, durable=True, auto_delete=False)
"""


def _queues(lab) -> dict[str, tuple[int, int]]:
    """name -> (consumers, messages) in the scenario's vhost."""
    listing = support.rabbitmqctl(
        "list_queues", "-q", "-p", lab.vhost, "name", "consumers", "messages"
    )
    rows = [line.split("\t") for line in listing.splitlines() if line.count("\t") == 2]
    return {name: (int(c), int(m)) for name, c, m in rows if c.isdigit() and m.isdigit()}


def _queues_when(lab, condition, timeout: float = 15) -> dict[str, tuple[int, int]]:
    """The vhost's queues once `condition` holds for them (or after `timeout`): a consumer
    is listed a moment after the worker's `Connected to` line."""
    deadline = time.monotonic() + timeout
    while True:
        queues = _queues(lab)
        if condition(queues) or time.monotonic() > deadline:
            return queues
        time.sleep(0.5)


def _task_runs(lab, worker, name: str) -> None:
    code, out = lab.python(CALL, name)
    lab.expect(code == 0, out)
    task_id = out.strip().splitlines()[-1]
    worker.wait_for(rf"Task orders\.invoice\[{task_id}\] succeeded", timeout=60)


def _delete_queue(lab) -> None:
    support.rabbitmqctl("delete_queue", "-p", lab.vhost, QUEUE)
    lab.step(f"deleted the worker's queue with rabbitmqctl delete_queue -p <vhost> {QUEUE}")


def run(lab) -> None:
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo")
    _task_runs(lab, worker, "caller")
    _delete_queue(lab)
    cancelled = worker.wait_for(
        r"Connection to broker lost.*ConsumerCancelled\(.*'Basic\.cancel'\)"
    )
    connected = worker.wait_for(r"Connected to amqp://", count=2)
    # first, but `possible` (0.783 on 2026-12-03 against the 0.99518 threshold; the entry's own
    # identical example scores the same, the bare message without the log prefix 0.998): the
    # ranker's weakness on clean single-signature worker lines (issue 10), not an ambiguous text
    lab.diagnose(
        cancelled + "\n" + connected,
        "worker log: queue deleted under the worker",
        confidence="possible",
    )
    # Celery 5.7 follows every connection loss with this warning (cancel-tasks-on-connection-loss)
    text = worker.text()
    between = text[text.index(cancelled) : text.index(connected)]
    lab.expect("CPendingDeprecationWarning" in between, f"no warning after the cancel:\n{between}")
    lab.step("Celery 5.7 printed the CPendingDeprecationWarning right after ConsumerCancelled")
    queues = _queues_when(lab, lambda q: q.get(QUEUE, (0, 0))[0] == 1)
    lab.expect(QUEUE in queues, f"the queue was not declared and consumed again: {queues}")
    lab.step("the worker declared the deleted queue again, empty", f"{QUEUE}: {queues[QUEUE]}")
    _task_runs(lab, worker, "caller_after")

    fix = lab.fix("fix", queue=QUEUE)
    lab.stop(worker)
    code, out = lab.python(OPERATOR, "operator")
    lab.expect(code == 0, out)
    lab.write("labapp.py", APP.replace("# CONFIG", fix + "\napp.conf.task_queues = task_queues\n"))
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    _task_runs(lab, worker, "caller_fixed")
    _delete_queue(lab)
    worker.wait_for(r"ConsumerCancelled\(.*'Basic\.cancel'\)")
    line = worker.wait_for(r"NOT_FOUND - no queue '" + QUEUE + "'")
    lab.diagnose(line, "worker log after the fix: 404", slug="queue-not-found", example=False)
    lab.expect(worker.exited(30) is not None, "the worker kept running after the 404")
    queues = _queues_when(lab, lambda q: QUEUE in q, timeout=3)
    lab.expect(QUEUE not in queues, f"the deleted queue came back: {queues}")
    lab.step("after the fix the deletion shows as a 404 and the queue stays deleted", line.strip())

    # the queue's owner declares it again: the same configuration consumes from it
    code, out = lab.python(OPERATOR, "operator_again")
    lab.expect(code == 0, out)
    worker = lab.worker("labapp", "-P", "solo", name="redeclared")
    try:
        _task_runs(lab, worker, "caller_redeclared")
    except LabError as exc:
        raise LabError(f"the worker did not consume the re-declared queue: {exc}") from exc
    lab.step("once the owner declared the queue again the worker consumed from it")

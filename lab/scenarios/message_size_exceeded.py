"""A task sent with a 130 MiB argument, over RabbitMQ 3.x's default `max_message_size` (128 MiB):
`delay()` returns, the broker closes the channel (`message size ... is larger than configured max
size 134217728` in its log), the task never reaches the worker, and the next `delay()` on the
same connection raises `PreconditionFailed`. The entry's fix (store the data, send its key)
delivers the same 130 MiB to the worker through a file.

The broker's limit is read, never changed; the message goes to the scenario's vhost on loopback
(about 2 s and 450 MB in the caller, measured on 2026-12-03).
"""

from __future__ import annotations

from lab import support
from lab.support import APP_HEADER, BrokerLog, NotReproducible, traceback_of

SLUG = "message-size-exceeded"
LIMIT = 134217728  # RabbitMQ 3.x's default; the scenario needs the broker to have it
SIZE = 130 * 2**20  # the argument; with the message's JSON envelope just over LIMIT

APP = (
    APP_HEADER
    + """
import pathlib

HERE = pathlib.Path(__file__).parent


class Storage:
    \"\"\"A stand-in for object storage: files under the scenario's folder.\"\"\"

    def save(self, name, data):
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return name

    def read(self, name):
        return (HERE / name).read_bytes()


storage = Storage()


@app.task(name="uploads.process_upload")
def process_upload(data):
    # TASK
    return len(data)
"""
)

# the big argument, then a small task on the same connection
BROKEN_CALL = f"""\
import time

from labapp import process_upload

payload = "x" * {SIZE}
print("sent", process_upload.delay(payload).id, flush=True)
# the broker's Channel.Close reaches the client while it is still writing the body; on a busy
# machine the next publish once raced ahead of it (a CI-like run, 2026-12-03): as a user's
# next task, it comes a moment later
time.sleep(5)
print("sent", process_upload.delay("small").id, flush=True)
"""

FIXED_CALL = f"""\
from labapp import process_upload, storage

upload_id = "lab-1"
payload = b"x" * {SIZE}
# FIX
print("sent", path, flush=True)
"""


def _limit() -> int:
    out = support.rabbitmqctl("eval", "application:get_env(rabbit, max_message_size).")
    return int(out.strip().strip("{}").split(",")[1]) if out.startswith("{ok,") else 0


def run(lab) -> None:
    limit = _limit()
    if limit != LIMIT:
        raise NotReproducible(f"the broker's max_message_size is {limit}, not {LIMIT}")
    lab.step("the broker's max_message_size", f"{{ok,{limit}}}")
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo")
    log = BrokerLog()
    code, out = lab.python(BROKEN_CALL, "caller", timeout=120)
    lab.expect(
        code != 0 and out.count("sent ") == 1, f"the caller did not fail as expected:\n{out}"
    )
    lab.step("the first delay() returned a task id, the second raised", out.splitlines()[0])
    capture = traceback_of(out)
    lab.expect("PRECONDITION_FAILED - message size" in capture, capture[-1000:])
    # first, but `possible` (0.9918 on 2026-12-03 against the 0.99518 threshold; its last line
    # alone is `high`, 0.998): the Celery and py-amqp frames dilute a single unambiguous
    # signature, the ranker's known weakness (issue 10)
    lab.diagnose(
        capture, "caller traceback: the next publish on the channel", confidence="possible"
    )

    line = log.wait_for(r"precondition_failed: message size \d+ is larger than", timeout=20)
    if line is None and log.path is None:
        lab.step("broker log not readable here: its capture skipped")
    else:
        lab.expect(line, "no 'precondition_failed: message size' line in the broker log")
        lines = log.lines()
        index = lines.index(line)
        # first, but `possible` (0.994 on 2026-12-03 against 0.99518, with the vhost shown as
        # Lab.diagnose shows it; before, the random vhost name moved it to 0.995-0.996 and
        # across the threshold): the same weakness as the traceback above
        lab.diagnose(
            "\n".join(lines[index - 1 : index + 1]),
            "broker log: channel error",
            confidence="possible",
        )

    queues = support.rabbitmqctl("list_queues", "-q", "-p", lab.vhost, "name", "messages")
    lab.expect(
        "process_upload[" not in worker.text(),
        f"the worker received a task:\n{worker.text()[-1500:]}",
    )
    lab.step("the big task never reached the worker or the queue", queues.strip())

    fix = lab.fix("fix")
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# TASK", "data = storage.read(data)"))
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    code, out = lab.python(FIXED_CALL.replace("# FIX", fix), "caller_fixed", timeout=120)
    lab.expect(code == 0, f"the entry's fix failed in the caller:\n{out}")
    worker.wait_for(rf"Task uploads\.process_upload\[.*\] succeeded in .*: {SIZE}$", timeout=120)
    lab.step("after the fix the worker read the 130 MiB through the stored file", out.strip())

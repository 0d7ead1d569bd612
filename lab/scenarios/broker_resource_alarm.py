"""A memory alarm on a RabbitMQ node of the scenario's own (an alarm blocks every publisher
of its node, so never on the shared broker): the node's limit is set below what it uses,
as when its memory grows past the watermark.

What the entry claims and this run checks:
- the broker log's alarm lines and `rabbitmq-diagnostics alarms` (the entry's question) are
  answered with the entry; the live check reads the alarm from the management API;
- the worker logs nothing; publishing connections show `blocked`;
- with Celery's defaults `delay()` does not hang: it returns a task id while the message
  waits unread, and is queued once the alarm clears if its process is still connected; a
  script that exited first loses what the broker had not read before it blocked the
  connection (five 100 kB tasks: not all arrive; five small ones, read at once, are recorded,
  not required); a burst loses what was written to connections
  py-amqp gave up on (its TCP_USER_TIMEOUT of 1 s aborts a connection the broker stopped
  reading, and kombu retries on a new one);
- the entry's producer settings (`confirm_publish` with socket timeouts) turn the silent loss
  into an `OperationalError` the caller can catch, and the failed call's message still runs
  once the alarm clears (kombu's retries published it again on each new connection);
- the alarm clears when usage is under the limit again, and the entry's rabbitmq.conf lines
  (absolute limits) start a node with those limits.
"""

from __future__ import annotations

import re
import sys
import time

from lab.support import APP_HEADER, LabError, private_rabbitmq

SLUG = "broker-resource-alarm"
RABBITMQ = False  # never the shared broker: a node of the scenario's own
USES_RABBITMQ = True

APP = (
    APP_HEADER
    + """
import pathlib


@app.task(name="lab.note")
def note(tag, padding=""):
    with open(pathlib.Path(__file__).parent / "notes.txt", "a") as handle:
        handle.write(tag + "\\n")
"""
)

# a script: sends and exits (a cron job, a management command, a deploy hook); small tasks,
# then tasks of 100 kB
SHORT = """\
import sys
import time
from labapp import note
started = time.monotonic()
tag, size = sys.argv[1], int(sys.argv[2])
ids = [note.delay(tag, "x" * size).id for _ in range(5)]
print("sent", len(ids), "in", round(time.monotonic() - started, 2), "s", flush=True)
"""

# a long-lived process (a web worker): sends, stays up until the scenario clears the alarm
LONG = """\
import pathlib
import time
from labapp import note
started = time.monotonic()
ids = [note.delay("long").id for _ in range(5)]
print("sent", len(ids), "in", round(time.monotonic() - started, 2), "s", flush=True)
while not pathlib.Path("cleared").exists():
    time.sleep(0.2)
time.sleep(5)
"""

# a burst from a long-lived process: more than the socket buffers hold
BURST = """\
import pathlib
import time
from labapp import note
started = time.monotonic()
for _ in range({count}):
    note.delay("burst", "x" * 10000)
print("sent", {count}, "in", round(time.monotonic() - started, 2), "s", flush=True)
while not pathlib.Path("cleared").exists():
    time.sleep(0.2)
time.sleep(5)
"""

# the entry's producer settings (its `producer` block) on a caller of its own
GUARDED = """\
import time
from kombu.exceptions import OperationalError
from labapp import app, note
{settings}
started = time.monotonic()
sent = 0
try:
    for _ in range(400):
        note.apply_async(("guarded", "x" * 10000), timeout=3, confirm_timeout=3)
        sent += 1
    print("no error after", sent, flush=True)
except OperationalError as exc:
    print("raised", type(exc).__name__, repr(str(exc)), "after", sent,
          "in", round(time.monotonic() - started, 1), "s", flush=True)
"""

BURST_COUNT = 600


def _counts(lab) -> dict[str, int]:
    path = lab.dir / "notes.txt"
    tags = path.read_text(encoding="utf-8").split() if path.exists() else []
    return {tag: tags.count(tag) for tag in ("short", "script", "long", "burst", "guarded")}


def _settled(lab, worker, seconds: float = 4) -> dict[str, int]:
    """The task counts once the worker has been idle for `seconds`."""
    deadline = time.monotonic() + 60
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = (_counts(lab), len(worker.text()))
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= seconds:
            return now[0]
        time.sleep(0.5)
    raise LabError("the worker never went idle after the alarm cleared")


def run(lab) -> None:
    rabbit = private_rabbitmq(lab)
    env = {"LAB_BROKER_URL": rabbit.url}
    management = {"broker_url": rabbit.url, "management_url": rabbit.management_url}
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo", env=env)
    lab.step("a node of the scenario's own and a worker on it", rabbit.node)

    rabbit.cli("rabbitmqctl", "set_vm_memory_high_watermark", "absolute", "50MB")
    blocked = rabbit.server.wait_for(r"Publishers will be blocked until this alarm clears")
    log = rabbit.server.text().splitlines()
    start = max(i for i, line in enumerate(log) if "vm_memory_high_watermark set." in line)
    capture = "\n".join(log[start : log.index(blocked) + 1])
    lab.expect("memory resource limit alarm set on node" in capture, capture)
    lab.step("memory limit under the node's use: alarm set", capture.splitlines()[0][-80:])
    lab.diagnose(capture, "broker log: memory alarm set")
    alarms = rabbit.cli("rabbitmq-diagnostics", "alarms")
    lab.expect(f"Memory alarm on node {rabbit.node}" in alarms, alarms)
    lab.diagnose(alarms, "rabbitmq-diagnostics alarms")
    lab.check_finds(**management)

    # with Celery's defaults nothing hangs: each caller gets its task ids back at once
    for tag, size in (("short", 0), ("script", 100_000)):
        path = lab.write(f"lab_{tag}.py", SHORT)
        script = lab.start([sys.executable, str(path), tag, str(size)], tag, env)
        code = script.exited(30)
        out = script.text()
        lab.expect(code == 0 and out.startswith("sent 5"), f"the script did not send:\n{out}")
        lab.step(f"a script's five delay() calls of {size} bytes returned", out.strip())
    long = lab.start([sys.executable, str(lab.write("lab_long.py", LONG))], "long", env)
    long.wait_for(r"^sent 5", timeout=30)
    burst = lab.start(
        [sys.executable, str(lab.write("lab_burst.py", BURST.format(count=BURST_COUNT)))],
        "burst",
        env,
    )
    burst_line = burst.wait_for(rf"^sent {BURST_COUNT}", timeout=120)
    lab.step("a long-lived process and a burst returned too", burst_line)
    states = rabbit.cli("rabbitmqctl", "list_connections", "name", "state")
    lab.expect(re.search(r"\tblocked$", states, re.MULTILINE), states)
    lab.step("publishing connections are blocked", f"{states.count('blocked')} blocked")
    lab.expect(
        not re.search(r"block|alarm", worker.text(), re.IGNORECASE),
        f"the worker logged the block:\n{worker.text()[-1500:]}",
    )
    lab.step("the worker logged nothing about it")
    # the entry's producer settings: the same kind of burst raises instead
    producer = lab.fix("producer")
    code, out = lab.python(GUARDED.format(settings=producer), "guarded", env=env, timeout=120)
    lab.expect(code == 0 and "raised OperationalError" in out, f"no OperationalError:\n{out}")
    lab.step("with the entry's producer settings the caller gets an error", out.strip())

    fix = lab.fix("fix")
    for line in ("rabbitmq-diagnostics alarms", "list_queues name messages consumers memory"):
        lab.expect(line in fix, f"the entry's first Fix step no longer runs {line!r}:\n{fix}")
    # the memory back under the limit (here: the limit back over the memory)
    rabbit.cli("rabbitmqctl", "set_vm_memory_high_watermark", "0.4")
    rabbit.server.wait_for(r"memory resource limit alarm cleared across the cluster")
    (lab.dir / "cleared").touch()
    lab.check_clean(**management)
    counts = _settled(lab, worker)
    lab.expect(counts["long"] == 5, f"the long-lived process's tasks did not all run: {counts}")
    lab.expect(counts["script"] < 5, f"the exited script's 100 kB tasks all arrived: {counts}")
    lab.expect(counts["burst"] < BURST_COUNT, f"none of the burst was lost: {counts}")
    lab.expect(counts["guarded"] >= 1, f"the guarded caller's failed call never ran: {counts}")
    lab.step(
        "alarm cleared: what arrived",
        f"long-lived 5 of 5, exited script {counts['short']} of 5 small and "
        f"{counts['script']} of 5 of 100 kB, burst {counts['burst']} of "
        f"{BURST_COUNT}, the guarded caller's one failed call {counts['guarded']} times",
    )
    long.stop()
    burst.stop()

    limits = lab.fix("limits")
    sized = private_rabbitmq(lab, config=limits, name="rabbitmq-sized")
    text = sized.server.text()
    for expected in (r"Memory high watermark set to 3072 MiB", r"Disk free limit set to 2000MB"):
        lab.expect(re.search(expected, text), f"no {expected!r} in the node's log:\n{text[-2000:]}")
    lab.step("a node started with the entry's rabbitmq.conf limits", "3 GiB memory, 2 GB disk")

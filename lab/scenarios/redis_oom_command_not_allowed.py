"""A private Redis with `maxmemory 2mb` and `noeviction` fills up with tasks for a queue
nobody consumes (`reports`): `delay()` then raises `OperationalError: ... command not allowed
when used memory > 'maxmemory'.` and a worker does not get past its start-up
(`Unrecoverable error: server:OutOfMemoryError`, the lock kombu writes to restore unacked
messages). The entry's `config set maxmemory` gives Redis room; a worker for the forgotten
queue then starts, drains it, and new tasks run.

The entry's Fix had this line as inline text, third after "free it"; this scenario found that
while Redis is full `celery purge` deletes nothing and a worker cannot start, so the Fix now
gives Redis room first, in a fenced block.
"""

from __future__ import annotations

import re
import shlex
import time

from lab.support import (
    APP_HEADER,
    PING_CALL,
    fix_commands,
    output_of,
    ping_runs,
    private_redis,
    segment,
    traceback_of,
)

SLUG = "redis-oom-command-not-allowed"
RABBITMQ = False
USES_REDIS = True  # a private redis-server (the same binary as the lab's Redis)

APP = (
    APP_HEADER
    + """
app.conf.task_routes = {"lab.report": {"queue": "reports"}}


@app.task(name="lab.ping")
def ping():
    return "pong"


@app.task(name="lab.report")
def report(payload):
    return len(payload)
"""
)

# tasks for `reports`, smaller and smaller, until Redis refuses even a small one
FILL = """\
from kombu.exceptions import OperationalError

from labapp import report

for size in (10000, 1000, 100, 1):
    for sent in range(100000):
        try:
            report.delay("x" * size)
        except OperationalError as exc:
            print(f"{size}-byte tasks: {sent} sent, then {exc}")
            break
"""


def _redis_cli(port: int, *args: str) -> str:
    return output_of(["redis-cli", "-p", str(port), *args])


def run(lab) -> None:
    server, port = private_redis(lab, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    env = {"LAB_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    lab.write("labapp.py", APP)
    code, out = lab.python(FILL, "fill", env=env, timeout=120)
    lab.expect(code == 0 and "1-byte tasks" in out, out[-800:])
    sent = re.findall(r"\d+-byte tasks: \d+ sent", out)
    lab.step("filled Redis with tasks for the queue nobody consumes", "; ".join(sent))

    code, out = lab.python(PING_CALL, "caller", env=env, timeout=90)
    lab.expect(code != 0, f"delay() worked on a full Redis:\n{out[-800:]}")
    # `possible` for both captures: each is answered first, with no runner-up, at 0.984
    # (this traceback) and 0.97-0.98 (the worker's whole start-up traceback) against the 0.9952
    # `high` threshold; the entry's own examples of them are 0.9935 and, cut to four lines,
    # 0.9961. The ranker's weakness on clean single-signature texts (lab/README.md)
    lab.diagnose(traceback_of(out), "caller traceback: delay()", confidence="possible")
    worker = lab.worker("labapp", "-P", "solo", ready=False, env=env)
    worker.wait_for(r"Unrecoverable error: .*OutOfMemoryError")
    lab.expect(worker.exited(30) is not None, "the worker kept running on a full Redis")
    lab.diagnose(
        segment(worker.text(), r"Unrecoverable error", max_lines=80),
        "worker log: start-up",
        confidence="possible",
    )

    fix = lab.fix("fix", redis_port=str(port))
    commands = fix_commands(fix, "redis-cli")
    lab.expect(len(commands) == 1, f"no redis-cli line in the fix: {fix}")
    answer = output_of(commands[0])
    lab.expect(answer == "OK", f"{shlex.join(commands[0])}: {answer}")
    lab.step("ran the entry's config set maxmemory line", shlex.join(commands[0]))

    ping_runs(lab, env, "-Q", "celery,reports", timeout=120)
    deadline = time.monotonic() + 120
    while _redis_cli(port, "llen", "reports") != "0" and time.monotonic() < deadline:
        time.sleep(0.5)
    backlog = _redis_cli(port, "llen", "reports")
    lab.expect(backlog == "0", f"the reports queue still holds {backlog} tasks")
    memory = [
        line
        for line in _redis_cli(port, "info", "memory").splitlines()
        if line.startswith(("used_memory_human", "maxmemory_human"))
    ]
    lab.step("after the fix a worker started, drained reports and ran a new task", str(memory))

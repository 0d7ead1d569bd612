"""A second worker started with the node name of a running one: with Celery 5.7 its pidbox
queue (`<node>.celery.pidbox`, exclusive) is locked by the first worker's connection, and it
exits with 405 RESOURCE_LOCKED. The entry's commands (one `-n` per worker) start both.

The app module is called `proj`, as in the entry's commands, so they run as the page shows
them (`%h` is expanded by Celery itself).
"""

from __future__ import annotations

import re
import shlex

from lab import support
from lab.support import APP_HEADER

SLUG = "duplicate-node-name"

APP = (
    APP_HEADER
    + """
app.conf.task_default_queue = "default"


@app.task(name="orders.invoice")
def invoice(n):
    return n
"""
)

REFUSAL = r"Unrecoverable error: ResourceLocked\(405, \"RESOURCE_LOCKED - cannot obtain exclusive"


def run(lab) -> None:
    lab.write("proj.py", APP)
    first = lab.worker("proj", "-P", "solo", name="dup")
    second = lab.worker("proj", "-P", "solo", name="dup", ready=False)
    line = second.wait_for(REFUSAL, timeout=45)
    lab.expect("'dup@lab.celery.pidbox'" in line, f"the 405 is not about dup's pidbox: {line}")
    code = second.exited(20)
    lab.expect(code is not None and code != 0, f"the second worker did not exit (code {code})")
    lab.expect(first.proc.poll() is None, "the first worker stopped too")
    lab.step("the second worker named dup@lab exited; the first kept running", f"exit {code}")
    # first, but `possible`: 0.995 on 2026-12-03 against the 0.997 threshold, like the
    # entry's own hand capture of this line (the ranker's weakness on clean single-signature
    # texts, issue 10); with the traceback below it the answer is 0.987, also `possible`
    lab.diagnose(line, "worker log: 405 RESOURCE_LOCKED on the pidbox queue", confidence="possible")

    fix = lab.fix("fix")
    lab.stop(first)
    commands = support.fix_commands(fix, "celery")
    lab.expect(len(commands) == 2, f"the entry's fix block has no two worker commands:\n{fix}")
    workers = []
    for number, command in enumerate(commands):
        argv = command[1:]  # `celery` is support.celery_args' `python -m celery`
        extra = ["-l", "INFO", "-P", "solo", "--without-mingle", "--without-gossip"]
        proc = lab.start(support.celery_args(*argv, *extra), f"fixed-{number}")
        workers.append(proc)
    for proc in workers:
        proc.wait_for(r"ready\.", timeout=60)
        lab.expect("RESOURCE_LOCKED" not in proc.text(), proc.text()[-1500:])
    lab.step("both workers of the entry's commands started", " | ".join(map(shlex.join, commands)))

    out = lab.celery("proj", "inspect", "ping", "--timeout", "5")
    names = sorted(set(re.findall(r"(worker[12]@\S+): OK", out)))
    lab.expect(len(names) == 2, f"inspect ping did not list both workers:\n{out}")
    lab.expect("DuplicateNodenameWarning" not in out, out)
    lab.step("after the fix inspect ping lists each worker once", ", ".join(names))

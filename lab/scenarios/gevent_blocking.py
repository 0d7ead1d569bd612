"""A `-P gevent -c 50` worker runs a task that does pure-Python arithmetic, which never yields
to the gevent hub: five 0.1-second tasks sent while it runs are not even received until it
has finished, and `celery inspect ping` gets `No nodes replied within time constraint`
meanwhile. The entry's two commands (a prefork worker for the `cpu` queue, a gevent worker
for `io`), with the CPU-bound task routed to `cpu`, run the short tasks while the long one
runs, and both workers answer ping.

The long task ends when the scenario writes a `release` file (it looks every 100,000
additions, a `stat` that does not yield either), so nothing depends on the machine's speed.
The app module is called `proj`, as in the entry's commands, so they run as the page shows.
"""

from __future__ import annotations

import re
import shlex
from importlib import metadata

from lab import support
from lab.support import APP_HEADER

SLUG = "gevent-blocking"
CPU, IO = "cpu", "io"

APP = (
    APP_HEADER
    + """
import pathlib
import time

HERE = pathlib.Path(__file__).parent
# ROUTES


@app.task(name="proj.crunch")
def crunch():
    # CPU-bound: arithmetic, no I/O gevent has patched, so it never gives up the thread
    (HERE / "started").write_text("1")
    start, total = time.monotonic(), 0
    while time.monotonic() - start < 40:
        for n in range(100_000):
            total += n * n
        if (HERE / "release").exists():
            break
    return round(time.monotonic() - start, 1)


@app.task(name="proj.quick")
def quick(n):
    time.sleep(0.1)  # patched by the gevent pool: this one yields
    return n
"""
)

# The Fix's step 1 says to route the CPU-bound work to the prefork worker's queue; its block
# has the two commands only, so the routes are the scenario's (without them both tasks go to
# the default `celery` queue, which neither worker consumes)
ROUTES = (
    f'app.conf.task_routes = {{"proj.crunch": {{"queue": "{CPU}"}}, '
    f'"proj.quick": {{"queue": "{IO}"}}}}'
)
CALL_CRUNCH = "from proj import crunch\nprint(crunch.delay().id)\n"
CALL_QUICK = "from proj import quick\nfor n in range(5):\n    print(quick.delay(n).id)\n"


def _crunch_then_quick(lab, crunch_worker) -> list[str]:
    """Send the long task, wait until it runs, send five quick ones; their ids."""
    for marker in ("started", "release"):
        (lab.dir / marker).unlink(missing_ok=True)
    code, out = lab.python(CALL_CRUNCH, "caller_crunch")
    lab.expect(code == 0, out)
    lab.wait_for_file(lab.dir / "started", "the crunch task never started", crunch_worker)
    code, out = lab.python(CALL_QUICK, "caller_quick")
    lab.expect(code == 0, out)
    return out.strip().splitlines()[-5:]


def _task_lines(proc) -> list[str]:
    return [line for line in proc.text().splitlines() if "Task proj." in line]


def _fixed_workers(lab, fix: str) -> list[support.Process]:
    """The entry's two commands, each with its own node name (`-n <queue>@%h`) unless it has
    one: run on one host, both are `celery@<host>`, and the second to start exits with 405
    RESOURCE_LOCKED on the pidbox queue (duplicate-node-name)."""
    commands = support.fix_commands(fix, "celery")
    lab.expect(len(commands) == 2, f"the entry's fix block has no two worker commands:\n{fix}")
    workers = []
    for command in commands:
        argv = command[1:]  # `celery` is support.celery_args' `python -m celery`
        queue = argv[argv.index("-Q") + 1]
        if "-n" not in argv:
            argv += ["-n", f"{queue}@%h"]
        extra = ["-l", "INFO", "--without-mingle", "--without-gossip", "--without-heartbeat"]
        workers.append(lab.start(support.celery_args(*argv, *extra), f"fixed-{queue}"))
    for proc in workers:
        proc.wait_for(r"ready\.", timeout=60)
    lab.step("started the entry's two workers", " | ".join(map(shlex.join, commands)))
    return workers


def run(lab) -> None:
    lab.write("proj.py", APP)
    worker = lab.worker("proj", "-P", "gevent", "-c", "50")
    lab.expect("50 (gevent)" in worker.text(), "the worker is not a gevent pool of 50")
    lab.step("a -P gevent -c 50 worker started", f"gevent {metadata.version('gevent')}")
    quick_ids = _crunch_then_quick(lab, worker)
    ping = lab.celery("proj", "inspect", "ping", "--timeout", "3", timeout=60)
    lab.expect("No nodes replied within time constraint" in ping, f"ping answered:\n{ping}")
    lines = _task_lines(worker)
    lab.expect(
        not any("proj.quick" in x for x in lines) and not any("succeeded" in x for x in lines),
        "a quick task was received while crunch ran:\n" + "\n".join(lines),
    )
    lab.step("while crunch ran: 5 quick tasks sent, none received; inspect ping", ping.strip())

    (lab.dir / "release").write_text("1")
    for task_id in quick_ids:
        worker.wait_for(rf"Task proj\.quick\[{task_id}\] succeeded", timeout=30)
    lines = _task_lines(worker)
    done = next(i for i, x in enumerate(lines) if re.search(r"crunch\[.*\] succeeded", x))
    first_quick = next(i for i, x in enumerate(lines) if "proj.quick" in x)
    lab.expect(done < first_quick, "a quick task came before crunch ended:\n" + "\n".join(lines))
    lab.step(
        "the quick tasks were received only after crunch succeeded",
        lines[done] + "\n" + lines[first_quick],
    )

    command = "$ celery " + " ".join(worker.args[worker.args.index("celery") + 1 :])
    # first, but `possible` (0.81-0.83 on 2026-12-03 against the 0.9951 threshold): the log has
    # no error, only order and timing (the quick tasks received after the long one ended);
    # the command line's `-P gevent` is the one signal, as for a user's paste of the same
    lab.diagnose(
        command + "\n" + "\n".join(lines[: first_quick + 1]),
        "worker command and log: quick tasks received after the long one",
        confidence="possible",
    )
    # the ping output alone is inspect-no-reply's text, whose cause 3 is this blocked worker
    lab.diagnose(
        "$ celery -A proj inspect ping\n" + ping.strip(),
        "inspect ping during the long task",
        slug="inspect-no-reply",
        example=False,
    )

    fix = lab.fix("fix", app="proj", cpu_queue=CPU, io_queue=IO)
    lab.stop(worker)
    lab.write("proj.py", APP.replace("# ROUTES", ROUTES))
    cpu_worker, io_worker = _fixed_workers(lab, fix)
    quick_ids = _crunch_then_quick(lab, cpu_worker)
    for task_id in quick_ids:
        io_worker.wait_for(rf"Task proj\.quick\[{task_id}\] succeeded", timeout=30)
    ping = lab.celery("proj", "inspect", "ping", "--timeout", "3", timeout=60)
    lab.expect(
        not any("succeeded" in x for x in _task_lines(cpu_worker)),
        "crunch ended before the check:\n" + "\n".join(_task_lines(cpu_worker)),
    )
    lab.expect("2 nodes online" in ping, f"not both workers answered ping:\n{ping}")
    lab.step("while crunch ran on prefork: the 5 quick tasks ran on gevent; ping", ping.strip())
    (lab.dir / "release").write_text("1")
    line = cpu_worker.wait_for(r"Task proj\.crunch\[.*\] succeeded", timeout=30)
    lab.step("crunch then succeeded on the prefork worker", line)

"""A long task blocks a -P solo worker's event loop; RabbitMQ closes the connection for missed
heartbeats. The entry's prefork worker keeps heartbeating while the task runs."""

from __future__ import annotations

from lab import support
from lab.support import APP_HEADER, BrokerLog, NotReproducible

SLUG = "missed-heartbeats"

APP = (
    APP_HEADER
    + """
import time

app.conf.broker_heartbeat = 2   # negotiated down from the server's 60 s, to show it in seconds
app.conf.task_default_queue = "reports"


@app.task(name="reports.build")
def build():
    time.sleep(12)
    return "built"
"""
)


def run(lab) -> None:
    lab.write("proj.py", APP)
    log = BrokerLog()
    worker = lab.worker("proj", "-P", "solo", "-Q", "reports")
    lab.python("from proj import build\nbuild.delay()\n", "caller")
    line = log.wait_for(r"missed heartbeats from client, timeout: 2s", timeout=30)
    if line is None and log.path is None:
        raise NotReproducible("the RabbitMQ log is not readable here")
    lab.expect(line, "no 'missed heartbeats' line in the broker log")
    worker.wait_for(r"Connection to broker lost|ConnectionResetError|Broken pipe", timeout=30)
    worker_lines = [x for x in worker.text().splitlines() if "Connection to broker lost" in x][:1]
    lab.diagnose(
        "\n".join([line, *worker_lines]), "broker log and worker log", confidence="possible"
    )

    fix = lab.fix("fix", app="proj", queue="reports")
    argv = support.fix_commands(fix, "celery")[0]
    lab.stop(worker)
    log = BrokerLog()
    fixed = lab.start(
        support.celery_args(
            *argv[1:],
            "-l",
            "INFO",
            "-n",
            "fixed@lab",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ),
        "fixed",
    )
    fixed.wait_for(r"ready\.", timeout=40)
    lab.python("from proj import build\nbuild.delay()\n", "caller_fixed")
    fixed.wait_for(r"Task reports\.build\[.*\] succeeded in 1\d\.\d+s: 'built'", timeout=40)
    lab.expect(
        not log.lines("missed heartbeats"),
        f"heartbeats missed after the fix: {log.lines('missed heartbeats')}",
    )
    lab.expect("Connection to broker lost" not in fixed.text(), "the fixed worker lost the broker")
    lab.step("after the fix (-P prefork -c 1) the 12 s task ran with the connection kept alive")

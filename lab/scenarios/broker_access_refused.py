"""A user without permissions on the vhost (530 NOT_ALLOWED); the entry's set_permissions fixes it."""

from __future__ import annotations

import shlex

from lab import support
from lab.support import APP_HEADER

SLUG = "broker-access-refused"

APP = (
    APP_HEADER
    + """

@app.task(name="lab.ping")
def ping():
    return "pong"
"""
)


def run(lab) -> None:
    user = support.amqp_url("x").split("//")[1].split(":")[0]
    support.rabbitmqctl("clear_permissions", "-p", lab.vhost, user)
    lab.step("permissions of the vhost cleared", f"user {user} has none on {lab.vhost}")
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo", ready=False)
    line = worker.wait_for(r"NOT_ALLOWED - access to vhost")
    lab.diagnose(line, "worker log: 530")
    lab.check_finds()

    fix = lab.fix("fix", vhost=lab.vhost, user=user)
    commands = [c for c in fix.splitlines() if c.startswith("$ rabbitmqctl set_permissions")]
    lab.expect(len(commands) == 1, f"no set_permissions line in the fix: {fix}")
    # the vhost and the user exist already: only the permissions line applies here
    support.rabbitmqctl(*shlex.split(commands[0])[2:])
    lab.step("ran the entry's set_permissions line", commands[0])
    worker.wait_for(r"ready\.", timeout=40)
    out = lab.celery("labapp", "call", "lab.ping")
    worker.wait_for(r"Task lab\.ping\[.*\] succeeded")
    lab.step("after the fix the worker connected and ran a task", out.strip()[:60])
    lab.check_clean()

"""A worker pointed at a port nothing listens on; the entry's URL (with the real host) fixes it."""

from __future__ import annotations

from urllib.parse import urlsplit

from lab import support

SLUG = "broker-connection-refused"

APP = """\
from celery import Celery

# SETTINGS

app = Celery("lab", broker=CELERY_BROKER_URL)
app.conf.broker_connection_retry_on_startup = True


@app.task(name="lab.ping")
def ping():
    return "pong"
"""


def run(lab) -> None:
    parts = urlsplit(lab.broker_url)
    port = support.free_port()
    wrong = lab.broker_url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{port}")
    lab.write("labapp.py", APP.replace("# SETTINGS", f"CELERY_BROKER_URL = {wrong!r}"))
    worker = lab.worker("labapp", "-P", "solo", ready=False)
    line = worker.wait_for(r"Cannot connect to .*Connection refused")
    following = worker.wait_for(r"Trying again in")
    lab.diagnose(line + "\n" + following, "worker log: connection refused")
    lab.check_finds(broker_url=wrong, management_url=None)

    fix = lab.fix("fix", user=parts.username, vhost=lab.vhost)
    setting = next(line for line in fix.splitlines() if line.startswith("CELERY_BROKER_URL"))
    # the entry's <password> and <broker-service> are the operator's to fill in
    setting = (
        setting.replace("<password>", parts.password)
        .replace("<broker-service>", parts.hostname)
        .replace(":5672/", f":{parts.port}/")
    )
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# SETTINGS", setting))
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    lab.celery("labapp", "call", "lab.ping")
    worker.wait_for(r"Task lab\.ping\[.*\] succeeded", timeout=90)
    lab.step("after the fix the worker connected and ran a task", setting.split("@")[-1])
    lab.check_clean(broker_url=lab.broker_url)

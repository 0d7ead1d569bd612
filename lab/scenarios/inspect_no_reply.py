"""A worker runs on the scenario's vhost (its shell has CELERY_BROKER_URL); `celery inspect
ping` from a shell without that variable talks to the app's fallback broker, where no worker
listens: `Error: No nodes replied within time constraint`, exit status 69, while the worker
keeps running tasks. The entry's command with the broker passed explicitly (`-b`, the
worker's vhost, `--timeout 5`) gets `pong`.

The app's fallback broker is the lab's Redis database, so that the wrong place is not a
vhost the scenario does not own."""

from __future__ import annotations

import shlex
from urllib.parse import quote, urlsplit, urlunsplit

from lab import support

SLUG = "inspect-no-reply"
REDIS = True

APP = """\
import os

from celery import Celery

app = Celery("proj")
# the settings' broker; CELERY_BROKER_URL in the environment takes precedence
app.conf.broker_url = os.environ["LAB_REDIS_URL"]
app.conf.broker_connection_retry_on_startup = True


@app.task(name="orders.tasks.ping_db")
def ping_db(n):
    return n
"""


def _inspect(lab, argv: list[str], name: str) -> tuple[int, str]:
    """A `celery ...` command as the user typed it, without CELERY_BROKER_URL; (status, output)."""
    proc = lab.start(support.celery_args(*argv), name)
    code = proc.exited(60)
    lab.expect(code is not None, f"celery {' '.join(argv)} did not finish within 60s")
    return code, proc.text()


def _fixed_argv(lab, fix: str) -> list[str]:
    """The entry's command, its masked `user:****@rabbitmq:5672` replaced by the lab broker's."""
    argv = next(c for c in support.fix_commands(fix, "celery") if "inspect" in c)[1:]
    index = argv.index("-b") + 1
    ours, theirs = urlsplit(lab.broker_url), urlsplit(argv[index])
    lab.expect(
        theirs.path == "/" + quote(lab.vhost, safe=""),
        f"not the worker's vhost: {shlex.join(argv)}",
    )
    argv[index] = urlunsplit(theirs._replace(netloc=ours.netloc))
    return argv


def run(lab) -> None:
    lab.use_redis()
    lab.write("proj.py", APP)
    worker = lab.worker("proj", "-c", "1", env={"CELERY_BROKER_URL": lab.broker_url})
    lab.expect(lab.vhost in worker.text(), "the worker is not on the scenario's vhost")
    code, out = _inspect(lab, ["-A", "proj", "inspect", "ping"], "celery-inspect")
    lab.expect(
        code == 69 and "No nodes replied within time constraint" in out,
        f"inspect ping answered (status {code}):\n{out}",
    )
    lab.step("inspect ping from a shell without CELERY_BROKER_URL", f"status {code}: {out.strip()}")
    lab.diagnose("$ celery -A proj inspect ping\n" + out.strip(), "celery inspect ping output")

    # the worker is fine: it answers a client on its own broker and runs tasks
    code, out = lab.python(
        "from proj import ping_db\nping_db.delay(1)\n",
        "caller",
        env={"CELERY_BROKER_URL": lab.broker_url},
    )
    lab.expect(code == 0, out)
    worker.wait_for(r"Task orders\.tasks\.ping_db\[.*\] succeeded")
    pidbox = support.rabbitmqctl(
        "list_queues", "-p", lab.vhost, "name", "exclusive", "auto_delete", "consumers",
        "arguments", "-q",
    )  # fmt: skip
    row = next((x for x in pidbox.splitlines() if x.startswith("worker@lab.celery.pidbox")), "")
    lab.expect(row.split("\t")[1:4] == ["true", "true", "1"], f"pidbox queue:\n{pidbox}")
    lab.step("the worker runs tasks; its pidbox queue is exclusive, auto-delete, 1 consumer", row)

    fix = lab.fix("fix", app="proj", vhost=quote(lab.vhost, safe=""))
    code, out = _inspect(lab, _fixed_argv(lab, fix), "celery-inspect-fixed")
    lab.expect(code == 0 and "pong" in out, f"the entry's command got no pong ({code}):\n{out}")
    lab.step("the entry's command with -b and --timeout 5 gets pong", out.strip()[:200])

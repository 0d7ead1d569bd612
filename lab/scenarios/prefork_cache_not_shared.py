"""A cache filled in the worker's main process after the pool forked is empty in the children;
the entry's `-P threads` worker shares it."""

from __future__ import annotations

from lab import support
from lab.support import APP_HEADER

SLUG = "prefork-cache-not-shared"

APP = (
    APP_HEADER
    + """
import logging
import os

from celery.signals import worker_ready

log = logging.getLogger("lab")
CACHE = {}
app.conf.task_default_queue = "my.match"


@worker_ready.connect
def fill_cache(**kwargs):
    CACHE.update({"alice": "warrior", "bob": "mage"})
    log.info("cache_event_full_refresh: %d items (pid %d)", len(CACHE), os.getpid())


@app.task(name="cacheapp.match")
def match(name):
    if not CACHE:
        log.warning("cache empty, cannot match %s (pid %d)", name, os.getpid())
        return None
    return CACHE.get(name)
"""
)


def run(lab) -> None:
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-c", "2", "-Q", "my.match")
    worker.wait_for("cache_event_full_refresh")
    lab.python("from labapp import match\nmatch.delay('alice')\n", "caller")
    worker.wait_for(r"Task cacheapp\.match\[.*\] succeeded in .*: None")
    lines = [
        line
        for line in worker.text().splitlines()
        if line.startswith("[")
        and (
            "cache_event_full_refresh" in line or "cacheapp.match" in line or "cache empty" in line
        )
    ]
    lab.diagnose("\n".join(lines), "worker log", confidence="possible")
    lab.celery("labapp", "inspect", "ping", "--timeout", "10")
    lab.check_finds(config_text=APP)

    fix = lab.fix("fix", app="labapp", concurrency="2", queue="my.match")
    argv = support.fix_commands(fix, "celery")[0]
    lab.expect(argv[:4] == ["celery", "-A", "labapp", "worker"], f"unexpected fix: {fix}")
    lab.stop(worker)
    worker = lab.start(
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
    worker.wait_for("cache_event_full_refresh", timeout=40)
    lab.python("from labapp import match\nmatch.delay('alice')\n", "caller_fixed")
    worker.wait_for(r"Task cacheapp\.match\[.*\] succeeded in .*: 'warrior'")
    lab.step("after the fix (-P threads) the task found the cache", "'warrior'")
    lab.celery("labapp", "inspect", "ping", "--timeout", "10")
    lab.check_clean(config_text=APP)

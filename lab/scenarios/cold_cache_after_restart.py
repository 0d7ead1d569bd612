"""A worker's in-memory cache starts empty and is filled only later by an event; the first
task after a restart fails. The entry's worker_init warm-up loads it before consuming."""

from __future__ import annotations

from lab.support import APP_HEADER

SLUG = "cold-cache-after-restart"

APP = (
    APP_HEADER
    + """
import logging

log = logging.getLogger("lab")


class Cache(dict):
    def replace(self, data):
        self.clear()
        self.update(data)


CACHE = Cache()


def load_all_from_db():
    return {"alice": "warrior", "bob": "mage"}


def close_db_connections():
    pass

# FIX


@app.task(name="match.character")
def character(name):
    return CACHE[name]
"""
)


def run(lab) -> None:
    lab.write("proj.py", APP)
    worker = lab.worker("proj", "-c", "2")
    lab.python("from proj import character\ncharacter.delay('alice')\n", "caller")
    line = worker.wait_for(r"raised unexpected: KeyError\('alice'\)")
    ready = worker.wait_for(r"ready\.")
    lab.diagnose(
        ready + "\n" + line + "\nright after every deploy or restart the first tasks fail: the"
        " in-memory cache is empty until a refresh event fills it",
        "worker log, with the user's sentence",
        confidence="possible",  # a KeyError alone names no cause
    )

    fix = lab.fix("fix")
    lab.stop(worker)
    lab.write("proj.py", APP.replace("# FIX", fix))
    worker = lab.worker("proj", "-c", "2", name="fixed")
    lab.python("from proj import character\ncharacter.delay('alice')\n", "caller_fixed")
    worker.wait_for(r"Task match\.character\[.*\] succeeded in .*: 'warrior'")
    lab.step("after the fix the first task after the start found the cache")

"""A private Redis with a save point (`save 3600 1`, stop-writes-on-bgsave-error left at its
default) runs as the user `nobody` and keeps its data in a directory that user cannot write,
as with a volume mounted with the wrong owner. Its first background save fails (`Failed
opening the temp RDB file ... Permission denied`), and from then on the worker logs `Cannot
connect to redis://...: MISCONF Redis is configured to save RDB snapshots...` and `delay()`
raises the same text. Giving the directory to the Redis user (the entry's step 2) and the
entry's `bgsave` line bring the writes back: the worker connects and runs a task.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

from lab.support import (
    PING_APP,
    PING_CALL,
    NotReproducible,
    fix_commands,
    ping_runs,
    private_redis,
    traceback_of,
)

SLUG = "redis-misconf-persistence"
RABBITMQ = False
USES_REDIS = True  # a private redis-server (the same binary as the lab's Redis)

APP = PING_APP


# a write, then a background save into the directory Redis cannot write
FIRST_SAVE = """\
import os

import redis

client = redis.Redis.from_url(os.environ["LAB_BROKER_URL"])
client.set("lab:probe", "1")
print(client.bgsave())
"""


def _as_redis_user() -> list[str]:
    """As root every directory is writable: Redis runs as `nobody`, like the packaged
    server's own user; otherwise it runs as us and the directory is made read-only."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        raise NotReproducible("setpriv is not installed: cannot run redis-server as nobody")
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def run(lab) -> None:
    data = lab.dir / "data"
    data.mkdir(mode=0o755)
    user = _as_redis_user()
    if user:
        lab.dir.chmod(0o711)  # nobody may reach the data directory, not write it
    else:
        data.chmod(0o555)
    settings = ("--dir", str(data), "--save", "3600 1", "--appendonly", "no")
    server, port = private_redis(lab, *settings, prefix=user)
    env = {"LAB_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    code, out = lab.python(FIRST_SAVE, "first_save", env=env)
    lab.expect(code == 0, out[-800:])
    failed = server.wait_for(r"Background saving error", timeout=30)
    # `possible` for all three captures: each is answered first, with no runner-up, at
    # 0.986 (this log), 0.993 (worker) and 0.990 (caller) against the 0.9952 `high`
    # threshold, as the entry's own examples of them are: the ranker's weakness on clean
    # single-signature texts (lab/README.md), not an ambiguous text
    lab.diagnose(
        server.wait_for(r"Failed opening the temp RDB file") + "\n" + failed,
        "redis-server log: failed background save",
        confidence="possible",
    )

    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo", ready=False, env=env)
    line = worker.wait_for(r"Cannot connect to redis://.*MISCONF")
    lab.diagnose(line, "worker log: MISCONF", confidence="possible")
    code, out = lab.python(PING_CALL, "caller", env=env, timeout=90)
    lab.expect(code != 0, f"delay() worked while Redis refused writes:\n{out[-800:]}")
    lab.diagnose(traceback_of(out), "caller traceback: delay()", confidence="possible")

    # the entry's step 2, "give the directory to the Redis user"; then its bgsave line
    if user:
        shutil.chown(data, "nobody", "nogroup")
    else:
        data.chmod(0o755)
    lab.step("gave the data directory to the Redis user", str(data).replace(str(lab.dir), ""))
    fix = lab.fix("fix", redis_port=str(port))
    commands = fix_commands(fix, "redis-cli")
    lab.expect(len(commands) == 1, f"no redis-cli line in the fix: {fix}")
    done = subprocess.run(commands[0], capture_output=True, text=True, timeout=30)
    lab.expect("Background saving started" in done.stdout, done.stdout + done.stderr)
    server.wait_for(r"Background saving terminated with success", timeout=60)
    lab.step("ran the entry's bgsave line; the snapshot succeeded", shlex.join(commands[0]))

    lab.stop(worker)
    _, task_id = ping_runs(lab, env)
    lab.step("after the fix the worker connected and ran a task", task_id)

"""`make serve`'s gunicorn with two workers: rate limits count across processes.

A limit kept in each process's memory lets a client through `workers × limit`
times a minute. The gunicorn access log records the worker's pid (`%(p)s`), so
the test keeps posting until both workers have answered and then checks that
the number of 200s is the limit, whichever worker counted them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import REDIS_URL, _reachable, require

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(port: int, forwarded_for: str | None = None) -> int:
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/diagnose",
        data=json.dumps({"text": "kombu.exceptions.OperationalError: boom"}).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (http only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["database", "redis"])
def test_rate_limit_is_shared_by_two_gunicorn_workers(tmp_path, backend):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KB_VAR_DIR=str(tmp_path),
        KB_RATE_LIMIT_DIAGNOSE=str(LIMIT),
        KB_TRUST_X_FORWARDED_FOR="1",
    )
    if backend == "redis":
        require("Redis", _reachable(REDIS_URL, 6379), REDIS_URL)
        env["KB_CACHE_URL"] = REDIS_URL
        env["KB_CACHE_PREFIX"] = f"kb-test-{tmp_path.name}"
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"], ["kb_build"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
        )
    port = free_port()
    log_path = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log_path),
            "--access-logformat",
            "%(p)s %(s)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            if _reachable(f"http://127.0.0.1:{port}", port):
                break
            time.sleep(0.2)
        client = f"198.51.100.{os.getpid() % 250}"  # one client behind the (trusted) proxy
        # The limit is a fixed one-minute window: start early in one, so that the posts
        # below (a few seconds) do not straddle two windows and get two allowances.
        if time.time() % 60 > 30:
            time.sleep(60 - time.time() % 60 + 0.5)
        started_window = int(time.time() // 60)
        statuses = []
        for _ in range(200):
            statuses.append(post(port, forwarded_for=client))
            lines = log_path.read_text().split("\n") if log_path.exists() else []
            pids = {line.split()[0].strip("<>") for line in lines if line.strip()}
            if len(pids) >= 2 and len(statuses) >= 3 * LIMIT:
                break
        assert int(time.time() // 60) == started_window, "straddled two windows: rerun"
        assert len(pids) >= 2, "only one worker answered; cannot show the count is shared"
        assert statuses.count(200) == LIMIT, statuses
        assert set(statuses) == {200, 429}
        # another client has its own count, on either worker
        assert post(port, forwarded_for="198.51.100.251") == 200
    finally:
        server.terminate()
        server.wait(30)

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
from typing import Any

import pytest

from .conftest import REDIS_URL, _reachable, require

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", KB_VAR_DIR=str(tmp_path), **extra)
    return env


def build_site(env: dict[str, str]) -> None:
    """What `make serve` runs first: migrations, the cache table, the KB index."""
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"], ["kb_build"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
        )


def start_gunicorn(
    port: int, env: dict[str, str], log_path: Path, *, workers: int, stderr: Any = None
) -> subprocess.Popen:
    """`make serve`'s gunicorn; the access log records the answering worker's pid."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
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
        stderr=stderr or subprocess.DEVNULL,
    )


def wait_reachable(port: int) -> None:
    for _ in range(300):
        if _reachable(f"http://127.0.0.1:{port}", port):
            return
        time.sleep(0.2)


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
    env = site_env(tmp_path, KB_RATE_LIMIT_DIAGNOSE=str(LIMIT), KB_TRUST_X_FORWARDED_FOR="1")
    if backend == "redis":
        require("Redis", _reachable(REDIS_URL, 6379), REDIS_URL)
        env["KB_CACHE_URL"] = REDIS_URL
        env["KB_CACHE_PREFIX"] = f"kb-test-{tmp_path.name}"
    build_site(env)
    port = free_port()
    log_path = tmp_path / "access.log"
    errors_path = tmp_path / "errors.log"
    with errors_path.open("w") as errors:
        server = start_gunicorn(port, env, log_path, workers=2, stderr=errors)
    try:
        wait_reachable(port)
        # Each worker warms up (loads the model) before it accepts: until both have, every
        # post goes to the first one, and the test could not show a shared count.
        deadline = time.monotonic() + 180
        while errors_path.read_text().count("warm-up: index") < 2:
            assert time.monotonic() < deadline, errors_path.read_text()[-3000:]
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


def read_until(path: Path, needle: str, seconds: float = 180) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never logged; log so far:\n{text[-3000:]}")


@pytest.mark.slow
def test_gunicorn_worker_loads_the_model_before_its_first_request(tmp_path):
    """The embedding model and index load when the worker starts (config/wsgi.py warms
    up), so the first diagnosis does not: the one "embedding model loaded" line of the
    answering worker is logged before the request is sent, and none after it."""
    env = site_env(tmp_path, KB_LOG_LEVEL="INFO")
    build_site(env)
    port = free_port()
    log_path, errors_path = tmp_path / "access.log", tmp_path / "server.log"
    with errors_path.open("w") as errors:
        server = start_gunicorn(port, env, log_path, workers=1, stderr=errors)
    try:
        before = read_until(errors_path, "warm-up: index, matcher, embedding model")
        wait_reachable(port)
        assert post(port) == 200
        access = read_until(log_path, " 200")
        worker = access.split()[0].strip("<>")
        after = read_until(errors_path, "diagnosis confidence=")
    finally:
        server.terminate()
        server.wait(30)
    loaded = f"embedding model loaded in pid {worker}"
    assert before.count(loaded) == 1, before
    assert after.count(loaded) == 1, after  # not loaded again by the request
    assert "embedding model loaded" not in after[len(before) :]

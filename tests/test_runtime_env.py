"""The runtime requirements alone run a worker; a run that cannot reach a worker says so.

`requirements.txt` is what `make setup` installs on a server; the test tools
(`requirements-dev.txt`) are not there. A package only the test tools pulled
in (kombu's Redis transport imports `packaging`) once made every worker on
Redis die at start, and every check run stayed `queued`. The first test builds
a virtualenv from `requirements.txt` only (pip uses its cache and its
configured index; CI has PyPI) and runs a real check through a real worker on
Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import RABBITMQ_URL, REDIS_URL, _reachable, require

ROOT = Path(__file__).resolve().parent.parent

START_AND_WAIT = """
import sys, time, django
django.setup()
from diagnostics.checks import CheckRequest
from diagnostics.checks.service import start_run
from diagnostics.models import CheckRun
run = start_run(CheckRequest(sys.argv[1], timeout=10))
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    run.refresh_from_db()
    if run.status in ("done", "error"):
        break
    time.sleep(0.5)
print("STATUS", run.status, len(run.results), run.error)
"""


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "DJANGO_", "CELERY_"))}
    env.pop("VIRTUAL_ENV", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KB_VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


@pytest.mark.slow
def test_runtime_requirements_alone_run_a_worker_on_redis(tmp_path):
    require("Redis", _reachable(REDIS_URL, 6379), REDIS_URL)
    require("RabbitMQ", _reachable(RABBITMQ_URL, 5672), RABBITMQ_URL.split("@")[-1])
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    assert "pytest" not in freeze  # really the runtime set only

    queue = f"kb-test-runtime-{uuid.uuid4().hex[:8]}"
    env = clean_env(tmp_path, CELERY_BROKER_URL=REDIS_URL, KB_CELERY_QUEUE=queue)
    migrate = subprocess.run(
        [str(python), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen(
        [str(venv / "bin" / "celery"), "-A", "config", "worker", "-Q", queue, "-P", "solo"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            text = (tmp_path / "worker.log").read_text()
            if "ready." in text or worker.poll() is not None:
                break
            time.sleep(0.2)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        check = subprocess.run(
            [str(python), "-c", START_AND_WAIT, RABBITMQ_URL, "240"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "STATUS done" in check.stdout, (
            check.stdout + check.stderr[-2000:] + (tmp_path / "worker.log").read_text()[-3000:]
        )
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
        log.close()


@pytest.mark.slow
def test_a_run_that_cannot_be_published_ends_as_error_with_the_reason(tmp_path):
    require("RabbitMQ", _reachable(RABBITMQ_URL, 5672), RABBITMQ_URL.split("@")[-1])
    # A broker URL on which nothing listens: publishing the task fails.
    env = clean_env(tmp_path, CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    check = subprocess.run(
        [sys.executable, "-c", START_AND_WAIT, RABBITMQ_URL, "60"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "STATUS error 0 the run could not be handed to a worker" in check.stdout, (
        check.stdout + check.stderr[-3000:]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_run_whose_worker_died_ends_as_error_when_read(client, status):
    from datetime import timedelta

    from django.utils import timezone

    from diagnostics.models import CheckRun

    fresh = CheckRun.objects.create(target="amqp://127.0.0.1", params={"timeout": 15})
    stale = CheckRun.objects.create(target="amqp://127.0.0.1", params={"timeout": 15})
    CheckRun.objects.filter(pk__in=[fresh.pk, stale.pk]).update(status=status)
    CheckRun.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    assert client.get(f"/api/checks/{fresh.pk}").json()["status"] == status
    data = client.get(f"/api/checks/{stale.pk}").json()
    assert data["status"] == "error" and "the run never finished" in data["error"]
    assert CheckRun.objects.get(pk=stale.pk).status == "error"

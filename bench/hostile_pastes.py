"""Hostile pastes of about 1 MB through POST /api/diagnose, with and without saving.

Issue 4: a hostile paste gets a clear answer or a clear 4xx within 3 s (and a 5 MB
one is refused at once). Prints one line per shape and the worst time last.

    python bench/hostile_pastes.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("KB_VAR_DIR", tempfile.mkdtemp(prefix="kb-bench-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

LIMIT = 1_040_000
SHAPES = {
    "yaml-secret-block": "password: |\n" + "  x\n" * 260_000,
    "yaml-configmap-data": "kind: ConfigMap\ndata:\n"
    + "".join(f"  k{i}: v\n" for i in range(160_000)),
    "python-settings": "".join(f"setting_{i} = {i}\n" for i in range(80_000)),
    "worker-log": "".join(
        f"[2026-11-20 10:01:02,345: ERROR/ForkPoolWorker-2] Task t[{i}] raised unexpected: ValueError('x')\n"
        for i in range(12_000)
    ),
    "traceback-frames": "Traceback (most recent call last):\n"
    + '  File "/a.py", line 1, in f\n    g()\n' * 30_000
    + "ValueError: x\n",
    "one-long-line": "Error " + "a" * LIMIT,
    "dashes": "-" * LIMIT,
    "k8s-documents": "---\n".join(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {A: b}\n"
        for _ in range(15_000)
    ),
}


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("kb_build", verbosity=0)  # requests never build the index themselves
    setup_test_environment()
    client = Client()
    # warm up: the first request loads the KB index and compiles the matcher
    client.post(
        "/api/diagnose", data=json.dumps({"text": "warm up"}), content_type="application/json"
    )
    worst = 0.0
    for name, text in SHAPES.items():
        for save in (False, True):
            body = json.dumps({"text": text[:LIMIT], "save": save})
            start = time.perf_counter()
            response = client.post("/api/diagnose", data=body, content_type="application/json")
            elapsed = time.perf_counter() - start
            worst = max(worst, elapsed)
            print(
                f"{name:20s} save={save!s:5s} status={response.status_code} seconds={elapsed:.2f}"
            )
    big = json.dumps({"text": "x" * 5_000_000})
    start = time.perf_counter()
    response = client.post("/api/diagnose", data=big, content_type="application/json")
    print(f"{'5MB':20s} status={response.status_code} seconds={time.perf_counter() - start:.2f}")
    print(f"hostile_pastes worst_seconds={worst:.2f} goal<=3.00 {'OK' if worst <= 3 else 'OVER'}")


if __name__ == "__main__":
    main()

"""Hostile pastes of about 1 MB through POST /api/diagnose, with and without saving.

Issue 4: a hostile paste gets a clear answer or a clear 4xx within 3 s (and a 5 MB
one is refused at once). Prints one line per shape and the worst time last.

Issue 8: tiny pastes that were quadratic or cubic (seconds to minutes for a few KB)
are run at n and 2n: the time and the counted work (characters scanned by RE2 plus
loop steps, `diagnostics.budget`) of each, and their growth (2.0 is linear).

    python bench/hostile_pastes.py
"""

from __future__ import annotations

import contextlib
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


# issue 8: (name, paste of size n); each was quadratic or worse before
TINY = {
    "py-start-spaces": lambda n: "key:" + " " * n + "x",
    "password-run": lambda n: "password" * (n // 8),
    "api-key-run": lambda n: "x_api_key_" * (n // 10),
    "authorization-spaces": lambda n: "Authorization: " + " " * n,
    "env-value-spaces": lambda n: "- name: DB_PASSWORD\n  value: a" + " " * n + "b",
    "dotted-import": lambda n: "import " + ".".join(["a"] * (n // 2)),
    "secret-data-items": lambda n: "kind: Secret\n" + "- data:\n" * (n // 8),
    "deep-yaml-flow": lambda n: "apiVersion: v1\nkind: " + "[" * (n // 2) + "]" * (n // 2),
}


def tiny_shapes(client: Client) -> float:
    """Each tiny shape at 32 KB and 64 KB: seconds, counted work, growth."""
    from diagnostics import budget, redact
    from diagnostics.parsers import parse_paste
    from diagnostics.parsers.errors import PasteError

    worst = 0.0
    for name, make in TINY.items():
        figures = []
        for size in (32_000, 64_000):
            text = make(size)
            redact._run.cache_clear()
            with budget.counting() as spent:
                with contextlib.suppress(PasteError):
                    parse_paste(text)
                redact.redact_text(text)
            body = json.dumps({"text": text})
            start = time.perf_counter()
            response = client.post("/api/diagnose", data=body, content_type="application/json")
            elapsed = time.perf_counter() - start
            figures.append((elapsed, spent.work, response.status_code))
        worst = max(worst, figures[1][0])
        (t1, w1, s1), (t2, w2, s2) = figures
        print(
            f"{name:20s} 32KB status={s1} seconds={t1:.3f} work={w1:,} | "
            f"64KB status={s2} seconds={t2:.3f} work={w2:,} | work_growth={w2 / w1:.2f}"
        )
    return worst


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
    worst = max(worst, tiny_shapes(client))
    big = json.dumps({"text": "x" * 5_000_000})
    start = time.perf_counter()
    response = client.post("/api/diagnose", data=big, content_type="application/json")
    print(f"{'5MB':20s} status={response.status_code} seconds={time.perf_counter() - start:.2f}")
    print(f"hostile_pastes worst_seconds={worst:.2f} goal<=3.00 {'OK' if worst <= 3 else 'OVER'}")


if __name__ == "__main__":
    main()

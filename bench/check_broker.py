"""Benchmark: a full `manage.py check_broker` run against the local broker, wall time.

Measures the whole command as a user runs it (interpreter and Django start-up
included), against RabbitMQ with the management API and no Celery workers of
ours. Goal: <= 3 s. Prints one line per run and a summary line:

    python bench/check_broker.py [--runs 5] [--url URL] [--management-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 3.0


def run_once(url: str, management_url: str) -> tuple[float, int, dict]:
    command = [
        sys.executable,
        "manage.py",
        "check_broker",
        url,
        "--management-url",
        management_url,
        "--json",
    ]
    started = time.perf_counter()
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    try:
        data = json.loads(process.stdout)
    except ValueError:
        sys.exit(f"check_broker did not print JSON (exit {process.returncode}): {process.stderr}")
    return elapsed, process.returncode, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672//")
    parser.add_argument("--management-url", default="http://127.0.0.1:15672")
    args = parser.parse_args()
    times = []
    for number in range(1, args.runs + 1):
        elapsed, code, data = run_once(args.url, args.management_url)
        slowest = max(data["results"], key=lambda r: r["duration_ms"])
        statuses = ",".join(f"{r['check']}={r['status']}" for r in data["results"])
        print(
            f"run {number}: {elapsed:.2f} s wall, exit {code}, slowest check "
            f"{slowest['check']} {slowest['duration_ms']} ms [{statuses}]"
        )
        times.append(elapsed)
    median = statistics.median(times)
    verdict = "OK" if median <= GOAL_S else "OVER GOAL"
    print(
        f"check_broker full run: median {median:.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s over {len(times)} runs (goal <= {GOAL_S:g} s): {verdict}"
    )


if __name__ == "__main__":
    main()

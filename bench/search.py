"""Search latency: the bundled KB and a synthetic KB of 10,000 entries.

Runs a fixed mix of queries (identifiers, Korean, typos, prefixes, prose)
in-process against the real index format and prints p50/p95 for each KB size.
Goal (issue 2): p50 under 10 ms for the bundled KB.

    python bench/search.py [--entries 10000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from kb.build import build_index, write_index  # noqa: E402
from kb.index import load_index  # noqa: E402
from kb.loader import Entry, Signature  # noqa: E402
from kb.search import search  # noqa: E402

QUERIES = [
    "PRECONDITION_FAILED",
    "x-dead-letter-routing-key",
    "global_qos",
    "result.get()",
    "ForkPoolWorker-2",
    "쿼럼 큐",
    "캐시 워밍업",
    "우선순위 큐",
    "quorom ",
    "prefrok ",
    "quor",
    "connection refused",
    "tasks run twice",
    "unregistered task",
    "visibility_timeout",
    "missed heartbeats from client",
    "worker exited prematurely signal 9",
]
WORDS = [
    "queue",
    "worker",
    "broker",
    "celery",
    "rabbitmq",
    "redis",
    "consumer",
    "channel",
    "prefetch",
    "ack",
    "timeout",
    "heartbeat",
    "quorum",
    "classic",
    "exchange",
    "fanout",
    "routing",
    "vhost",
    "declare",
    "argument",
    "durable",
    "priority",
    "retry",
    "task",
    "result",
    "backend",
    "serializer",
    "pickle",
    "json",
    "eta",
    "countdown",
    "beat",
    "schedule",
    "pool",
    "prefork",
    "threads",
    "solo",
    "memory",
    "alarm",
    "disk",
    "connection",
    "refused",
    "access",
    "login",
    "timeout",
]
KOREAN = [
    "쿼럼",
    "큐",
    "캐시",
    "워밍업",
    "우선순위",
    "재시도",
    "연결",
    "거부",
    "메모리",
    "경보",
    "작업",
    "중복",
    "실행",
]


def synthetic_entries(count: int, seed: int = 7) -> list[Entry]:
    rng = random.Random(seed)
    entries = []
    for number in range(count):
        words = rng.sample(WORDS, 12)
        entries.append(
            Entry(
                slug=f"synthetic-{number}",
                title=" ".join(words[:6]).capitalize() + f" {number}",
                summary=" ".join(words[3:12]) + ".",
                title_ko=" ".join(rng.sample(KOREAN, 3)),
                keywords_ko=rng.sample(KOREAN, 3),
                tags=words[:2],
                components=["celery"],
                signatures=[
                    Signature(
                        pattern=f"{words[0].upper()}_{words[1].upper()} - {words[2]} '(?P<queue>[^']+)'"
                    )
                ],
                section_templates=[{"id": "symptom", "title": "Symptom", "html": ""}],
                body_text=" ".join(rng.choice(WORDS) for _ in range(300)),
            )
        )
    return entries


def measure(kb, rounds: int) -> tuple[float, float]:
    timings = []
    for _ in range(rounds):
        for query in QUERIES:
            start = time.perf_counter()
            search(query, kb=kb)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundled_path = Path(tmp) / "bundled.sqlite3"
        result = build_index(Path(settings.KB_CONTENT_DIR), bundled_path)
        if not result.written:
            sys.exit("content has errors: run manage.py kb_build --check")
        bundled = load_index(bundled_path)
        p50, p95 = measure(bundled, args.rounds)
        print(
            f"kb=bundled entries={len(bundled.entries)} queries={len(QUERIES) * args.rounds} p50_ms={p50:.2f} p95_ms={p95:.2f}"
        )
        synthetic_path = Path(tmp) / "synthetic.sqlite3"
        start = time.perf_counter()
        write_index(synthetic_entries(args.entries), synthetic_path, "synthetic")
        build_s = time.perf_counter() - start
        synthetic = load_index(synthetic_path)
        p50, p95 = measure(synthetic, max(2, args.rounds // 4))
        print(
            f"kb=synthetic entries={args.entries} build_s={build_s:.1f} p50_ms={p50:.2f} p95_ms={p95:.2f}"
        )


if __name__ == "__main__":
    main()

"""Benchmark the paste matcher against a naive loop, on a synthetic KB.

    .venv/bin/python bench/diagnose.py --entries 10000 --paste-lines 100

Builds N synthetic entries whose signatures look like the real ones (an
exception type with a message regex, a verbatim error pattern with named
groups, a weak prose pattern), a paste of L lines (log lines, a traceback,
one line that matches one entry), then times our engine (parse, one RE2-set
pass, evidence pass, rules, ranking) and the naive baseline (Python `re.search`
of every signature over every line). Last line:
`entries=N paste_lines=L p50_ms=X p95_ms=Y naive_p50_ms=Z speedup=S cpu_p50_ms=C`
(cpu: thread CPU time of the same call, which a busy shared machine does not inflate).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

WORDS = (
    "queue",
    "channel",
    "vhost",
    "consumer",
    "broker",
    "worker",
    "timeout",
    "exchange",
    "binding",
    "prefetch",
    "heartbeat",
    "result",
    "backend",
    "task",
    "pool",
    "child",
)


def synthetic_entries(count: int, rng: random.Random) -> list:
    from kb.loader import Entry, Signature

    entries = []
    for n in range(count):
        a, b, c = rng.sample(WORDS, 3)
        code = f"E{n:05d}"
        signatures = [
            Signature(exception=f"Synthetic{n}Error", message=f"{a} {b} .* {code}", weight=0.8),
            Signature(
                pattern=f"{code.upper()}_FAILED - {a} '(?P<queue>[^']+)' in vhost "
                f"'(?P<vhost>[^']*)' {b} {c}",
                weight=1.0,
            ),
            Signature(pattern=f"{a} {b} {c} {code.lower()}", weight=0.3),
        ]
        entries.append(
            Entry(slug=f"synthetic-{n}", title=f"Synthetic entry {n}", signatures=signatures)
        )
    return entries


def synthetic_paste(lines: int, entries: list, rng: random.Random) -> str:
    target = entries[len(entries) // 2]
    sig = target.signatures[1].pattern
    hit = sig.replace("(?P<queue>[^']+)", "orders").replace("(?P<vhost>[^']*)", "/")
    out = []
    for n in range(lines):
        if n == lines // 2:
            out.append(f"[2026-11-20 10:01:{n % 60:02d},345: ERROR/MainProcess] {hit}")
        elif n % 10 == 3:
            out.append(
                '  File "/app/venv/lib/python3.11/site-packages/kombu/connection.py", '
                f"line {n}, in _connection"
            )
        else:
            words = " ".join(rng.choice(WORDS) for _ in range(8))
            out.append(f"[2026-11-20 10:01:{n % 60:02d},345: INFO/ForkPoolWorker-{n % 4}] {words}")
    return "\n".join(out)


def time_runs(func, runs: int, clock=time.perf_counter) -> list[float]:
    samples = []
    for _ in range(runs):
        start = clock()
        func()
        samples.append((clock() - start) * 1000)
    return samples


def naive_matcher(entries: list):
    compiled = []
    for entry in entries:
        for sig in entry.signatures:
            regex = sig.pattern or sig.message
            compiled.append((entry.slug, re.compile(regex, re.IGNORECASE)))

    def run(text: str) -> list[str]:
        lines = text.split("\n")
        return [slug for slug, regex in compiled for line in lines if regex.search(line)]

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--paste-lines", type=int, default=100)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument(
        "--old-ranking", action="store_true", help="time the pre-issue-10 single-signal ranking"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from diagnostics.engine import diagnose
    from diagnostics.matcher import get_matcher
    from kb.index import KnowledgeBase

    if args.old_ranking:
        from diagnostics import learned_rank

        learned_rank._cache[str(learned_rank.WEIGHTS_PATH)] = None
    rng = random.Random(4)
    entries = synthetic_entries(args.entries, rng)
    kb = KnowledgeBase.from_entries(entries, version="bench")
    paste = synthetic_paste(args.paste_lines, entries, rng)
    start = time.perf_counter()
    get_matcher(kb)
    print(
        f"compiled {args.entries} entries in {time.perf_counter() - start:.2f} s", file=sys.stderr
    )
    result = diagnose(paste, kb=kb)
    expected = entries[len(entries) // 2].slug
    assert result.matches and result.matches[0].slug == expected, "benchmark paste must match"
    ours = time_runs(lambda: diagnose(paste, kb=kb), args.runs)
    # CPU time of the same call: what the engine costs when the machine is not shared
    cpu = time_runs(lambda: diagnose(paste, kb=kb), args.runs, clock=time.thread_time)
    naive = naive_matcher(entries)
    assert expected in naive(paste)
    theirs = time_runs(lambda: naive(paste), args.naive_runs)
    p50, naive_p50 = statistics.median(ours), statistics.median(theirs)
    p95 = statistics.quantiles(ours, n=20)[-1] if len(ours) >= 2 else ours[0]
    print(
        f"entries={args.entries} paste_lines={args.paste_lines} p50_ms={p50:.2f} "
        f"p95_ms={p95:.2f} naive_p50_ms={naive_p50:.2f} speedup={naive_p50 / p50:.1f} "
        f"cpu_p50_ms={statistics.median(cpu):.2f}"
    )


if __name__ == "__main__":
    main()

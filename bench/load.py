"""Load: N connections against the site as `make serve` runs it, one endpoint at a time.

    python bench/load.py --serve               # start gunicorn (-w 2, DJANGO_DEBUG=0) on loopback
    python bench/load.py --url http://127.0.0.1:8000   # an already running site
    options: --connections 64 --duration 30 --workers 2 --warmup 2

Endpoints, each for `--duration` seconds with `--connections` concurrent
clients (closed loop: each client sends its next request when the previous
answer is in): an entry page (rotating over every entry), `GET /api/search`
(rotating over a fixed set of queries), `POST /api/diagnose` with a realistic
50-line traceback (a fresh pid, task id and timestamp in each, so no two
pastes are the same). Prints requests/s, p50, p99 and non-2xx answers per
endpoint; the last line is

    load entry_rps=… entry_p99_ms=… search_p99_ms=… diagnose_p99_ms=… errors=N

With --serve the rate limits are off (KB_RATE_LIMIT_DIAGNOSE=0): the run is
one client address posting far more than a person would. The client runs on
the same machine and takes CPU from the server; figures from a shared 2-core
machine are lower bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent

SEARCH_QUERIES = [
    "PRECONDITION_FAILED",
    "x-dead-letter-routing-key",
    "global_qos",
    "WorkerLostError",
    "consumer_timeout",
    "unacked messages",
    "visibility_timeout redis",
    "ConnectionResetError",
    "prefetch",
    "쿼럼 큐",
    "heartbeat missed",
    "NOT_ALLOWED vhost",
]


WORDS = (
    "scan",
    "vision",
    "billing",
    "invoice",
    "email",
    "report",
    "thumbs",
    "etl",
    "sync",
    "ingest",
    "search",
    "audit",
    "export",
    "notify",
    "orders",
    "media",
    "ledger",
    "crawl",
)


def traceback_paste(rng: random.Random) -> str:
    """A realistic 50-line worker log: a task failing with PRECONDITION_FAILED on redeclare.

    Every paste names its own queue, vhost, task and module, as well as its own pid, task
    id and timestamp: the engine remembers the signals of texts it has seen (per index
    build), and a benchmark of identical texts would measure that memory, not the work.
    """
    pid = rng.randint(1000, 65000)
    queue = f"{rng.choice(WORDS)}.{rng.choice(WORDS)}{rng.randint(1, 999)}"
    vhost = f"{rng.choice(WORDS)}{rng.randint(1, 99)}"
    module = rng.choice(WORDS)
    task = uuid.UUID(int=rng.getrandbits(128))
    stamp = f"2026-11-{rng.randint(10, 28)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    lines = [
        f"[{stamp}:01,120: INFO/MainProcess] Connected to amqp://svc:**@rabbit-01:5672/{vhost}",
        f"[{stamp}:01,131: INFO/MainProcess] mingle: searching for neighbors",
        f"[{stamp}:02,160: INFO/MainProcess] mingle: all alone",
        f"[{stamp}:02,201: INFO/MainProcess] celery@worker-{pid} ready.",
        f"[{stamp}:05,877: INFO/MainProcess] Task {queue}[{task}] received",
        f"[{stamp}:05,902: ERROR/ForkPoolWorker-3] Task {queue}[{task}] raised unexpected: "
        "PreconditionFailed(406, \"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for "
        f"queue '{queue}' in vhost '{vhost}': received none but current is the value 'quorum' "
        "of type 'longstr'\", (50, 10), 'Queue.declare')",
        "Traceback (most recent call last):",
    ]
    frames = [
        ("celery/app/trace.py", 453, "trace_task", "R = retval = fun(*args, **kwargs)"),
        ("celery/app/trace.py", 736, "__protected_call__", "return self.run(*args, **kwargs)"),
        (f"app/tasks/{module}.py", 88, "scan", "result = pipeline.run(image_id)"),
        ("app/pipeline.py", 142, "run", "self.publish_result(image_id, labels)"),
        ("app/pipeline.py", 171, "publish_result", "producer.publish(body, **options)"),
        ("kombu/messaging.py", 190, "publish", "return _publish("),
        ("kombu/connection.py", 556, "_ensured", "return fun(*args, **kwargs)"),
        ("kombu/messaging.py", 204, "_publish", "self._declare_queue(queue)"),
        ("kombu/entity.py", 617, "declare", "self._create_queue(nowait=nowait, channel=channel)"),
        ("kombu/entity.py", 626, "_create_queue", "self.queue_declare("),
        ("kombu/entity.py", 655, "queue_declare", "ret = channel.queue_declare("),
        ("amqp/channel.py", 1162, "queue_declare", "return queue_declare_ok_t(*self.wait("),
        ("amqp/abstract_channel.py", 99, "wait", "self.connection.drain_events(timeout=timeout)"),
        ("amqp/connection.py", 526, "drain_events", "while not self.blocking_read(timeout):"),
        ("amqp/connection.py", 532, "blocking_read", "return self.on_inbound_frame(frame)"),
        ("amqp/method_framing.py", 53, "on_frame", "callback(channel, method_sig, buf, None)"),
        ("amqp/connection.py", 538, "on_inbound_method", "return self.channels[channel_id]."),
        ("amqp/abstract_channel.py", 156, "dispatch_method", "listener(*args)"),
        ("amqp/channel.py", 293, "_on_close", "raise error_for_code("),
    ]
    for path, line, func, code in frames:
        lines.append(
            f'  File "/srv/app/.venv/lib/python3.11/site-packages/{path}", line {line}, in {func}'
        )
        lines.append(f"    {code}")
    lines += [
        "amqp.exceptions.PreconditionFailed: Queue.declare: (406) PRECONDITION_FAILED - "
        f"inequivalent arg 'x-queue-type' for queue '{queue}' in vhost '{vhost}': received "
        "none but current is the value 'quorum' of type 'longstr'",
        f"[{stamp}:06,004: WARNING/MainProcess] Restoring 1 unacknowledged message(s)",
        f"[{stamp}:06,010: INFO/MainProcess] Task {queue}[{task}] retry: Retry in 10s",
        f"[{stamp}:16,022: INFO/MainProcess] Task {queue}[{task}] received",
    ]
    while len(lines) < 50:
        lines.append(f"[{stamp}:17,{len(lines):03d}: INFO/MainProcess] heartbeat tick")
    return "\n".join(lines[:50]) + "\n"


@dataclass
class Endpoint:
    name: str
    method: str
    targets: list[str]
    bodies: list[bytes] = field(default_factory=list)


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    non_2xx: int = 0
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def one_request(host: str, port: int, method: str, path: str, body: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            "Accept: */*\r\nUser-Agent: kb-load\r\n"
        )
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # the server closes after the answer (Connection: close)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def client(
    endpoint: Endpoint, host: str, port: int, stop_at: float, stats: Stats, seed: int
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < stop_at:
        path = rng.choice(endpoint.targets)
        body = rng.choice(endpoint.bodies) if endpoint.bodies else b""
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(
                one_request(host, port, endpoint.method, path, body), 60
            )
        except (TimeoutError, OSError, IndexError, ValueError):
            stats.failures += 1
            stats.non_2xx += 1
            continue
        stats.latencies.append((time.perf_counter() - started) * 1000)
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if not 200 <= status < 300:
            stats.non_2xx += 1


async def hammer(endpoint: Endpoint, host: str, port: int, connections: int, duration: float):
    stats = Stats()
    stop_at = time.monotonic() + duration
    started = time.monotonic()
    await asyncio.gather(
        *(client(endpoint, host, port, stop_at, stats, n) for n in range(connections))
    )
    return stats, time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def entry_paths(index: Path) -> list[str]:
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT slug FROM docs WHERE kind = 'entry'").fetchall()
    return [f"/kb/{slug}/" for (slug,) in rows]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(workers: int, var_dir: Path) -> tuple[subprocess.Popen, str, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="load-bench-" + uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="0",
        KB_VAR_DIR=str(var_dir),
        KB_RATE_LIMIT_DIAGNOSE="0",
        KB_RATE_LIMIT_CHECKS="0",
        KB_LOG_LEVEL="WARNING",
    )
    python = sys.executable
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["createcachetable"],
        ["collectstatic", "--noinput", "-v", "0"],
        ["kb_build"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                break
        except OSError:
            time.sleep(0.2)
    return server, f"http://127.0.0.1:{port}", var_dir / "kb-index.sqlite3"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="start gunicorn on loopback")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--index", help="KB index of the --url site (for the entry slugs)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per endpoint")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds per endpoint, unmeasured"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    server = None
    tmp = tempfile.TemporaryDirectory(prefix="kb-load-")
    try:
        if args.serve:
            server, url, index = start_server(args.workers, Path(tmp.name))
        else:
            url = args.url
            index = Path(
                args.index or os.environ.get("KB_INDEX_PATH", ROOT / "var/kb-index.sqlite3")
            )
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        rng = random.Random(8)
        endpoints = [
            Endpoint("entry", "GET", entry_paths(index)),
            Endpoint(
                "search", "GET", [f"/api/search?q={quote(q)}&limit=10" for q in SEARCH_QUERIES]
            ),
            Endpoint(
                "diagnose",
                "POST",
                ["/api/diagnose"],
                [json.dumps({"text": traceback_paste(rng)}).encode() for _ in range(500)],
            ),
        ]
        how = f" (gunicorn -w {args.workers}, DJANGO_DEBUG=0)" if args.serve else ""
        print(
            f"load: {args.connections} connections, {args.duration:g} s per endpoint, "
            f"{url}{how}; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
        )
        results = {}
        for endpoint in endpoints:
            if args.warmup > 0:
                asyncio.run(hammer(endpoint, host, port, args.connections, args.warmup))
            stats, elapsed = asyncio.run(
                hammer(endpoint, host, port, args.connections, args.duration)
            )
            done = len(stats.latencies)
            results[endpoint.name] = (stats, done / elapsed)
            print(
                f"{endpoint.name:9} {done / elapsed:8.1f} req/s  "
                f"p50 {percentile(stats.latencies, 50):7.1f} ms  "
                f"p99 {percentile(stats.latencies, 99):7.1f} ms  "
                f"mean {statistics.fmean(stats.latencies) if done else float('nan'):7.1f} ms  "
                f"non-2xx {stats.non_2xx} (statuses {dict(sorted(stats.statuses.items()))}, "
                f"failed connections {stats.failures})"
            )
        errors = sum(stats.non_2xx for stats, _ in results.values())
        print(
            f"load entry_rps={results['entry'][1]:.0f} "
            f"entry_p99_ms={percentile(results['entry'][0].latencies, 99):.0f} "
            f"search_p99_ms={percentile(results['search'][0].latencies, 99):.0f} "
            f"diagnose_p99_ms={percentile(results['diagnose'][0].latencies, 99):.0f} "
            f"errors={errors}"
        )
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())

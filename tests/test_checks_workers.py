"""Workers through remote control: a real prefork worker and a real threads worker.

Both are `celery -A tests.hlc_celery_app worker` subprocesses on vhost
`hlc_v2`, stopped and the vhost deleted afterwards. The pasted config routes
a task the workers do not register, fills a cache in a main-process signal
handler, and one worker consumes a fast and a long queue.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from diagnostics.checks import CheckRequest, check_broker
from diagnostics.checks.results import STATUS_BY_SEVERITY
from diagnostics.parsers import parse_paste
from diagnostics.rules import run_rules
from tests.hlc_support import (
    ROOT,
    amqp_connection,
    api,
    broker_url,
    by_check,
    hlc_vhost,
    snapshot_vhost,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.slow]
VHOST = "hlc_v2"
CONFIG = """
from celery.signals import worker_ready
from kombu import Queue

task_queues = [Queue("hlc_fast"), Queue("hlc_long_reports"), Queue("hlc_orphan")]
task_routes = {
    "hlc.short": {"queue": "hlc_fast"},
    "hlc.long": {"queue": "hlc_long_reports"},
    "hlc.missing": {"queue": "hlc_fast"},
}
RATES_CACHE = {}

@worker_ready.connect
def load_rates(**kwargs):
    RATES_CACHE["eur"] = 1.1
"""
WORKERS = {
    "hlc_prefork": ["-P", "prefork", "-c", "2", "-Q", "hlc_fast,hlc_long_reports"],
    "hlc_threads": ["-P", "threads", "-c", "3", "-Q", "hlc_fast"],
    # worker_prefetch_multiplier = 0 (HLC_PREFETCH_MULTIPLIER, below): no prefetch limit,
    # remote control reports a prefetch count of 0 (`--prefetch-multiplier 0` would be ignored)
    "hlc_unlimited": ["-P", "solo", "-Q", "hlc_unlimited"],
}
UNLIMITED_CONFIG = "worker_prefetch_multiplier = 0\n"


def _start_worker(name: str, options: list[str], url: str) -> subprocess.Popen:
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    command = [
        celery,
        "-A",
        "tests.hlc_celery_app",
        "worker",
        "-n",
        f"{name}@%h",
        "-l",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *options,
    ]
    env = {**os.environ, "HLC_BROKER_URL": url}
    if name == "hlc_unlimited":
        env["HLC_PREFETCH_MULTIPLIER"] = "0"
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="module")
def workers(rabbitmq_url, rabbitmq_management_url):
    with hlc_vhost(rabbitmq_management_url, VHOST):
        url = broker_url(rabbitmq_url, VHOST)
        processes = [_start_worker(name, opts, url) for name, opts in WORKERS.items()]
        try:

            def ready():
                fast = api(rabbitmq_management_url, "GET", f"/queues/{VHOST}/hlc_fast").json()
                own = api(rabbitmq_management_url, "GET", f"/queues/{VHOST}/hlc_unlimited")
                own_consumers = own.json().get("consumers") if own.status_code == 200 else 0
                return fast.get("consumers") == 2 and own_consumers == 1

            if not wait_for(ready, timeout=40):
                errors = [
                    p.stderr.read1(4000).decode(errors="replace")
                    for p in processes
                    if p.poll() is not None
                ]
                pytest.fail(f"workers did not start: {errors}")
            # Remote control replies come through reply.celery.pidbox; in real vhosts whoever
            # inspected first declared it. Here the test plays that part, in its own vhost.
            setup = amqp_connection(rabbitmq_url, VHOST)
            setup.channel().exchange_declare(
                "reply.celery.pidbox", "direct", durable=False, auto_delete=False
            )
            setup.close()
            yield {"url": url, "management": rabbitmq_management_url}
        finally:
            for process in processes:
                _stop(process)


@pytest.fixture(scope="module")
def results(workers):
    request = CheckRequest(workers["url"], management_url=workers["management"], config_text=CONFIG)
    return check_broker(request)["results"]


def test_each_worker_reports_pool_concurrency_prefetch_and_queues(results):
    [summary] = by_check(results, "workers")
    assert summary["status"] == "pass"
    found = summary["evidence"]["workers"]
    [prefork] = [w for n, w in found.items() if n.startswith("hlc_prefork@")]
    [threads] = [w for n, w in found.items() if n.startswith("hlc_threads@")]
    assert (prefork["pool"], prefork["concurrency"], prefork["prefetch_count"]) == ("prefork", 2, 8)
    assert (threads["pool"], threads["concurrency"], threads["prefetch_count"]) == (
        "threads",
        3,
        12,
    )
    assert sorted(prefork["queues"]) == ["hlc_fast", "hlc_long_reports"]
    assert "hlc.short" in threads["registered"]


def test_routed_task_no_worker_registers_is_unregistered_task(results):
    [result] = by_check(results, "unregistered-task")
    assert (result["status"], result["entry"]) == ("fail", "unregistered-task")
    assert result["evidence"]["task"] == "hlc.missing"
    assert len(result["evidence"]["workers"]) == 2


def test_queue_no_worker_consumes_warns(results):
    queues = {r["evidence"]["queue"]: r for r in by_check(results, "worker-queues")}
    assert list(queues) == ["hlc_orphan"]
    assert queues["hlc_orphan"]["status"] == "warn"


def test_prefork_with_main_process_cache_is_a_warning_naming_only_the_prefork_worker(results):
    [result] = by_check(results, "prefork-cache")
    assert (result["status"], result["entry"]) == ("warn", "prefork-cache-not-shared")
    assert [w.split("@")[0] for w in result["evidence"]["workers"]] == ["hlc_prefork"]
    assert result["rule"] == "prefork-main-process-state"
    assert result["message"].startswith("Heuristic:")  # the entry's words, via the presenter
    assert "a 'worker_ready' handler" in result["message"]


def test_worker_consuming_fast_and_long_queues_is_mixed_workload(results):
    [result] = by_check(results, "mixed-workload")
    assert (result["status"], result["entry"]) == ("warn", "mixed-workload-queue")
    assert result["evidence"]["worker"].startswith("hlc_prefork@")
    assert (result["evidence"]["short"], result["evidence"]["long"]) == (
        ["hlc_fast"],
        ["hlc_long_reports"],
    )


def test_remote_control_run_leaves_queues_exchanges_and_bindings_unchanged(workers, rabbitmq_url):
    def stable():
        return snapshot_vhost(workers["management"], rabbitmq_url, VHOST)

    def without_reply_queues(snapshot):
        # kombu's reply queue is auto-delete with x-expires 10 s: gone right after the run.
        return {
            "queues": [q for q in snapshot["queues"] if ".reply.celery.pidbox" not in q[0]],
            "exchanges": snapshot["exchanges"],
            "bindings": [b for b in snapshot["bindings"] if ".reply.celery.pidbox" not in b[1]],
        }

    before = stable()
    check_broker(CheckRequest(workers["url"], management_url=workers["management"]))
    after = wait_for(lambda: (s := stable()) == before and s, timeout=12)
    assert without_reply_queues(after or stable()) == without_reply_queues(before)
    assert after == before


def test_the_pasted_commands_of_these_workers_get_the_same_worker_verdicts(results):
    # the paste path: the same config and the command lines that started the workers
    commands = "\n".join(
        f"celery -A tests.hlc_celery_app worker {' '.join(options)}" for options in WORKERS.values()
    )
    findings = run_rules(parse_paste(CONFIG + "\n\n" + commands + "\n"))
    rules = {"prefork-main-process-state", "mixed-short-and-long-queues"}
    pasted = {
        (f.rule, f.entry, STATUS_BY_SEVERITY[f.severity]) for f in findings if f.rule in rules
    }
    live = {(r["rule"], r["entry"], r["status"]) for r in results if r.get("rule") in rules}
    assert (
        pasted
        == live
        == {
            ("prefork-main-process-state", "prefork-cache-not-shared", "warn"),
            ("mixed-short-and-long-queues", "mixed-workload-queue", "warn"),
        }
    )
    [mixed] = [f for f in findings if f.rule == "mixed-short-and-long-queues"]
    [live_mixed] = [r for r in results if r.get("rule") == "mixed-short-and-long-queues"]
    assert (mixed.evidence["short"], mixed.evidence["long"]) == (
        live_mixed["evidence"]["short"],
        live_mixed["evidence"]["long"],
    )
    [prefork] = [f for f in findings if f.rule == "prefork-main-process-state"]
    assert prefork.evidence["signal"] == "worker_ready"
    # which tasks a worker registers is not in a command line: live only
    assert "unregistered-routed-task" not in {f.rule for f in findings}
    assert any(r.get("rule") == "unregistered-routed-task" for r in results)


def test_a_worker_without_prefetch_limit_same_verdict_as_its_pasted_setting(results):
    # live: the worker's prefetch count (0); paste: the setting that made it so
    rule = "prefetch-multiplier-unlimited"
    [live] = [r for r in results if r.get("rule") == rule]
    assert [w.split("@")[0] for w in live["evidence"]["workers"]] == ["hlc_unlimited"]
    command = f"celery -A tests.hlc_celery_app worker {' '.join(WORKERS['hlc_unlimited'])}\n"
    findings = run_rules(parse_paste(UNLIMITED_CONFIG + "\n" + command))
    pasted = {(f.rule, f.entry, STATUS_BY_SEVERITY[f.severity]) for f in findings if f.rule == rule}
    assert pasted == {(live["rule"], live["entry"], live["status"])}
    assert pasted == {(rule, "prefetch-starvation", "warn")}

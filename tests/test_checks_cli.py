"""`manage.py check_broker` as users run it, against the real broker and fake peers.

Each failure case ends within its timeout with the right entry; a host
outside the allowlist exits 2 before any connection (a listener on that host
records none).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.hlc_support import RecordingListener, by_check, closed_port, run_cli

pytestmark = pytest.mark.broker


def _json(process) -> dict:
    assert process.stdout, process.stderr
    return json.loads(process.stdout)


def test_disallowed_host_exits_2_naming_the_setting_without_connecting():
    listener = RecordingListener()
    try:
        url = f"amqp://guest:guest@127.0.0.1:{listener.port}//"
        process = run_cli(url, env={"KB_BROKER_ALLOWED_HOSTS": "10.0.0.0/8"})
        time.sleep(0.3)
        assert process.returncode == 2
        assert "KB_BROKER_ALLOWED_HOSTS" in process.stderr
        assert "127.0.0.1" in process.stderr
        assert listener.accepted == []
    finally:
        listener.close()


def test_disallowed_management_host_also_stops_the_run_before_any_packet():
    listener = RecordingListener()
    try:
        process = run_cli(
            f"amqp://guest:guest@127.0.0.1:{listener.port}//",
            "--management-url",
            "http://192.0.2.10:15672",
        )
        assert process.returncode == 2
        assert "192.0.2.10 is not in KB_BROKER_ALLOWED_HOSTS" in process.stderr
        assert listener.accepted == []
    finally:
        listener.close()


def test_bad_arguments_exit_2():
    process = run_cli("http://127.0.0.1/")
    assert process.returncode == 2
    assert "unsupported broker URL scheme" in process.stderr


def test_wrong_password_is_broker_access_refused(rabbitmq_url):
    started = time.monotonic()
    process = run_cli(
        "amqp://guest@127.0.0.1:5672//",
        "--json",
        "--timeout",
        "5",
        env={"KB_BROKER_PASSWORD": "definitely-wrong"},
    )
    assert time.monotonic() - started < 8
    assert process.returncode == 1
    data = _json(process)
    [connection] = by_check(data["results"], "connection")
    assert (connection["status"], connection["entry"]) == ("fail", "broker-access-refused")
    assert "ACCESS_REFUSED" in connection["message"]
    assert "definitely-wrong" not in process.stdout + process.stderr


def test_closed_port_is_broker_connection_refused():
    port = closed_port()
    process = run_cli(f"amqp://guest:guest@127.0.0.1:{port}//", "--json", "--timeout", "3")
    assert process.returncode == 1
    [connection] = by_check(_json(process)["results"], "connection")
    assert (connection["status"], connection["entry"]) == ("fail", "broker-connection-refused")
    assert "refused" in connection["message"]


def test_silent_listener_times_out_within_the_run_timeout():
    listener = RecordingListener()
    try:
        started = time.monotonic()
        process = run_cli(
            f"amqp://guest:guest@127.0.0.1:{listener.port}//", "--json", "--timeout", "3"
        )
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert len(listener.accepted) == 1  # it did connect: the host is allowed
    assert process.returncode == 1
    assert elapsed < 3 + 2.5  # the run's bound plus interpreter start-up
    [connection] = by_check(_json(process)["results"], "connection")
    assert (connection["status"], connection["entry"]) == ("error", "broker-connection-refused")
    assert "timed out after" in connection["message"]


def test_full_run_json_shape_masks_password_and_reads_password_file(
    rabbitmq_url, rabbitmq_management_url, tmp_path
):
    secret = tmp_path / "pw"
    secret.write_text("guest\n")
    process = run_cli(
        "amqp://guest@127.0.0.1:5672//",
        "--password-file",
        str(secret),
        "--management-url",
        rabbitmq_management_url,
        "--json",
    )
    data = _json(process)
    assert data["target"] == "amqp://guest:****@127.0.0.1:5672/"
    keys = [
        "check",
        "title",
        "status",
        "entry",
        "rule",
        "outcome",
        "message",
        "evidence",
        "duration_ms",
    ]
    assert all(list(result) == keys for result in data["results"])
    statuses = {r["check"]: r["status"] for r in data["results"]}
    assert statuses["connection"] == "pass"
    assert statuses["management"] == "pass"
    assert statuses["latency"] == "pass"
    assert process.returncode == (1 if {"fail", "error"} & set(statuses.values()) else 0)


def test_failover_list_is_checked_node_by_node(rabbitmq_url):
    port = closed_port()
    process = run_cli(
        f"amqp://guest:guest@127.0.0.1:{port}//;amqp://guest:guest@127.0.0.1:5672//", "--json"
    )
    nodes = by_check(_json(process)["results"], "connection")
    assert [n["status"] for n in nodes] == ["fail", "pass"]
    assert [n["evidence"]["port"] for n in nodes] == [port, 5672]
    latency = by_check(_json(process)["results"], "latency")[0]
    assert latency["status"] == "pass"  # the run went on with the node that answered

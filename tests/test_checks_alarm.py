"""A real memory alarm: the one broker-wide change these tests make, restored in `finally`.

`rabbitmqctl set_vm_memory_high_watermark 0.0000001` raises the alarm at
once; the test runs the checks, then puts the original value back (read from
`rabbitmqctl environment`, default 0.4) and waits for the alarm to clear, so
other users of the broker are blocked for a few seconds at most.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from diagnostics.checks import CheckRequest, check_broker
from tests.conftest import require
from tests.hlc_support import api, broker_url, by_check, hlc_vhost, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]
VHOST = "hlc_v4"


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=30, check=True
    ).stdout


def _original_watermark() -> str:
    match = re.search(r"\{vm_memory_high_watermark,([0-9.]+)\}", _rabbitmqctl("environment"))
    return match.group(1) if match else "0.4"


def _alarms(management_url: str) -> list:
    response = api(management_url, "GET", "/health/checks/alarms")
    return response.json().get("alarms", []) if response.status_code == 503 else []


def test_memory_alarm_is_reported_and_blocks_our_publisher(rabbitmq_url, rabbitmq_management_url):
    require("rabbitmqctl", shutil.which("rabbitmqctl") is not None, "PATH")
    original = _original_watermark()
    with hlc_vhost(rabbitmq_management_url, VHOST):
        try:
            _rabbitmqctl("set_vm_memory_high_watermark", "0.0000001")
            assert wait_for(lambda: _alarms(rabbitmq_management_url), timeout=15)
            request = CheckRequest(
                broker_url(rabbitmq_url, VHOST),
                management_url=rabbitmq_management_url,
                timeout=10,
            )
            results = check_broker(request)["results"]
        finally:
            _rabbitmqctl("set_vm_memory_high_watermark", original)
        assert wait_for(lambda: not _alarms(rabbitmq_management_url), timeout=30)
    [alarm] = by_check(results, "resource-alarms")
    assert (alarm["status"], alarm["entry"]) == ("fail", "broker-resource-alarm")
    assert alarm["evidence"]["alarms"][0]["resource"] == "memory"
    [latency] = by_check(results, "latency")
    assert (latency["status"], latency["entry"]) == ("fail", "broker-resource-alarm")
    assert "connection.blocked" in latency["message"]

"""`broker-localhost-in-container`: a loopback broker URL in one of several containers."""

from __future__ import annotations

import textwrap

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.rules import run_rules

FLOWER = """\
services:
  rabbitmq:
    image: rabbitmq:3.13-management
    ports: ["5672:5672"]
  flower:
    image: mher/flower:2.0
    {network}
    command: celery --broker=amqp://guest:guest@{host}:5672/ flower --port=5555
"""


def _findings(paste: str):
    return [
        f
        for f in run_rules(parse_paste(textwrap.dedent(paste)))
        if f.rule == "broker-localhost-in-container"
    ]


def test_flower_with_localhost_beside_a_rabbitmq_service():
    [finding] = _findings(FLOWER.format(network="", host="localhost"))
    assert (finding.entry, finding.severity, finding.line) == (
        "broker-connection-refused",
        "warning",
        8,
    )
    assert finding.evidence == {
        "service": "flower",
        "url": "amqp://guest:****@localhost:5672/",
        "host": "localhost",
        "others": ["rabbitmq"],
    }


def test_environment_and_worker_command_lists_are_read():
    paste = """\
    version: "3.8"
    services:
      worker:
        build: .
        command: ["celery", "-A", "proj", "worker", "-l", "info"]
        environment:
          - CELERY_BROKER_URL=redis://127.0.0.1:6379/0
          - DATABASE_URL=postgres://app@db/app
      web:
        build: .
        environment:
          CELERY_BROKER_URL: "redis://redis:6379/0"
      redis:
        image: redis:7
    """
    [finding] = _findings(paste)
    assert finding.evidence["service"] == "worker" and finding.line == 7  # the item itself
    assert finding.evidence["others"] == ["redis", "web"]


def test_kubernetes_worker_in_another_pod_than_the_broker():
    paste = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: worker}
    spec:
      template:
        spec:
          containers:
            - name: worker
              image: app:1
              args: ["celery", "-A", "proj", "worker"]
              env:
                - name: CELERY_BROKER_URL
                  value: amqp://app:pw@localhost:5672/app
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: rabbitmq}
    spec:
      template:
        spec:
          containers:
            - name: rabbitmq
              image: rabbitmq:4.1
    """
    [finding] = _findings(paste)
    assert finding.evidence["others"] == ["rabbitmq"] and finding.line == 13  # the env value
    # the same broker as a sidecar in the worker's own pod: localhost is right there
    sidecar = paste.replace(
        "    ---\n", "            - name: rabbitmq\n              image: rabbitmq:4.1\n    ---\n", 1
    )
    sidecar = sidecar[: sidecar.index("    ---")]
    assert _findings(sidecar) == []


@pytest.mark.parametrize(
    "paste",
    [
        FLOWER.format(network="network_mode: host", host="localhost"),
        FLOWER.format(network='network_mode: "service:rabbitmq"', host="127.0.0.1"),
        FLOWER.format(network="", host="rabbitmq"),
        # one service only: the broker may run in the same container
        "services:\n  app:\n    command: celery -b amqp://localhost// -A proj worker\n",
        # the broker's own container checking itself
        "services:\n  redis:\n    image: redis:7\n    environment: [BROKER_URL=redis://localhost:6379]\n"
        "  web:\n    image: app\n",
        # a localhost URL that is not a broker's (a result backend, a cache)
        "services:\n  worker:\n    environment: [CACHE_URL=redis://localhost:6379/1]\n"
        "  redis:\n    image: redis:7\n",
    ],
)
def test_quiet_where_localhost_is_right_or_not_a_broker(paste):
    assert _findings(paste) == []

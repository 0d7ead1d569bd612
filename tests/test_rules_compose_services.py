"""Compose rules over the services' start order, volumes and users.

`broker-start-not-awaited`, `default-user-persisted-database`,
`redis-data-bind-mount-non-root`: each with its evidence, and the near misses it must
leave alone.
"""

from __future__ import annotations

import textwrap

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.rules import run_rules


def _findings(paste: str, rule: str):
    return [f for f in run_rules(parse_paste(textwrap.dedent(paste))) if f.rule == rule]


START_ORDER = """\
services:
  redis:
    image: redis:7
  web:
    build: .
    depends_on:
      redis:
        condition: {condition}
  beat:
    build: .
    depends_on:
      - redis
"""


def test_depends_on_without_health_names_each_client_and_its_condition():
    findings = _findings(
        START_ORDER.format(condition="service_started"), "broker-start-not-awaited"
    )
    assert [(f.line, f.severity, f.evidence) for f in findings] == [
        (7, "info", {"service": "web", "broker": "redis", "condition": "service_started"}),
        (12, "info", {"service": "beat", "broker": "redis", "condition": "service_started"}),
    ]
    assert {f.entry for f in findings} == {"broker-connection-refused"}


def test_waiting_for_health_is_enough():
    findings = _findings(
        START_ORDER.format(condition="service_healthy"), "broker-start-not-awaited"
    )
    assert [f.evidence["service"] for f in findings] == ["beat"]


@pytest.mark.parametrize(
    "paste",
    [
        # near miss: depends on a database, not on the broker
        """
        services:
          db: {image: "postgres:16"}
          worker: {build: ., depends_on: [db]}
        """,
        # near miss: a second RabbitMQ node waiting for the first (cluster start-up)
        """
        services:
          rabbit1: {image: "rabbitmq:3.13"}
          rabbit2: {image: "rabbitmq:3.13", depends_on: [rabbit1]}
        """,
        # Kubernetes has no depends_on
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: worker}
        spec:
          template:
            spec:
              containers:
                - {name: worker, image: app}
        """,
    ],
)
def test_no_start_order_finding_without_a_client_of_the_broker(paste):
    assert _findings(paste, "broker-start-not-awaited") == []


RABBIT = """\
services:
  rabbitmq:
    image: rabbitmq:3.12-management
    {node}
    environment:
      RABBITMQ_DEFAULT_USER: app
      RABBITMQ_DEFAULT_PASS: "****"
    volumes:
      - {volume}
"""


def test_default_user_on_a_persisted_named_node():
    paste = RABBIT.format(node="hostname: rabbit", volume="./rabbitmq:/var/lib/rabbitmq/")
    [finding] = _findings(paste, "default-user-persisted-database")
    assert (finding.entry, finding.severity, finding.line) == ("broker-access-refused", "info", 6)
    assert finding.evidence == {
        "service": "rabbitmq",
        "variable": "RABBITMQ_DEFAULT_USER",
        "volume": "./rabbitmq:/var/lib/rabbitmq/",
        "node": "rabbit",
    }


def test_rabbitmq_nodename_fixes_the_node_too():
    paste = RABBIT.format(node="hostname: ''", volume="mnesia:/var/lib/rabbitmq/mnesia").replace(
        "RABBITMQ_DEFAULT_PASS", "RABBITMQ_NODENAME: rabbit@mq\n      RABBITMQ_DEFAULT_PASS"
    )
    [finding] = _findings(paste, "default-user-persisted-database")
    assert finding.evidence["node"] == "RABBITMQ_NODENAME"


@pytest.mark.parametrize(
    "node, volume",
    [
        # near miss: no fixed node name, a recreated container starts a new database dir
        ("", "rabbit-data:/var/lib/rabbitmq"),
        # near miss: only the logs are persisted
        ("hostname: rabbit", "./logs:/var/log/rabbitmq"),
        # an anonymous volume is not named in the file
        ("hostname: rabbit", "/var/lib/rabbitmq"),
    ],
)
def test_no_default_user_finding_without_a_persisted_named_node(node, volume):
    assert (
        _findings(RABBIT.format(node=node, volume=volume), "default-user-persisted-database") == []
    )


REDIS = """\
services:
  redis:
    image: {image}
    {user}
    volumes:
      - {volume}
"""


def test_bitnami_redis_on_a_host_directory():
    paste = REDIS.format(
        image="bitnami/redis:latest", user="", volume="./data/redis:/bitnami/redis/data"
    )
    [finding] = _findings(paste, "redis-data-bind-mount-non-root")
    assert (finding.entry, finding.severity, finding.line) == (
        "redis-misconf-persistence",
        "info",
        6,
    )
    assert finding.evidence == {
        "service": "redis",
        "source": "./data/redis",
        "target": "/bitnami/redis/data",
        "user": "1001",
    }


def test_official_redis_with_a_compose_user():
    paste = REDIS.format(
        image="redis:7-alpine", user='user: "1000:1000"', volume="/srv/redis:/data"
    )
    [finding] = _findings(paste, "redis-data-bind-mount-non-root")
    assert finding.evidence["user"] == "1000:1000"


@pytest.mark.parametrize(
    "image, user, volume",
    [
        # near miss: the official image started as root hands /data to redis itself
        ("redis:7", "", "./redis:/data"),
        # near miss: a named volume takes the image's ownership
        ("redis:7", "user: redis", "redis-data:/data"),
        ("bitnami/redis:7.2", "", "redis-data:/bitnami/redis/data"),
        # run as root
        ("bitnami/redis:7.2", "user: root", "./redis:/bitnami/redis/data"),
        # a config file, not the data directory
        ("redis:7", "user: redis", "./redis.conf:/usr/local/etc/redis/redis.conf"),
    ],
)
def test_no_redis_permission_finding(image, user, volume):
    paste = REDIS.format(image=image, user=user, volume=volume)
    assert _findings(paste, "redis-data-bind-mount-non-root") == []


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: compression-worker}}
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
        - name: worker
          image: app:1.4
          command: ["celery", "-A", "proj", "worker", "-Q", "compression"{node}]
"""


def test_replicas_and_node_name_are_facts():
    """A workload's replicas and its worker's `-n` are parsed (no rule judges them yet)."""

    parsed = parse_paste(DEPLOYMENT.format(replicas=4, node=', "-n", "compression-worker"'))
    [service] = [s for s in parsed.services if s.worker is not None]
    assert (service.replicas, service.worker["node_name"]) == (4, "compression-worker")
    parsed = parse_paste(DEPLOYMENT.format(replicas=1, node=""))
    [service] = [s for s in parsed.services if s.worker is not None]
    assert (service.replicas, service.worker["node_name"]) == (1, None)


GRACE = """\
services:
  worker:
    image: app:1.4
    command: celery -A proj worker {limit}
    {grace}
"""


def test_time_limit_over_the_compose_default_grace_period():
    [finding] = _findings(
        GRACE.format(limit="--time-limit=300", grace=""), "time-limit-over-grace-period"
    )
    assert (finding.entry, finding.severity, finding.line) == ("tasks-lost-on-deploy", "info", 4)
    assert finding.evidence == {
        "service": "worker",
        "time_limit": "300",
        "grace": "10",
        "setting": "stop_grace_period",
    }


def test_kubernetes_grace_period_from_the_pod_spec():
    paste = DEPLOYMENT.format(replicas=1, node=', "--time-limit", "1800"').replace(
        "    spec:\n      containers:",
        "    spec:\n      terminationGracePeriodSeconds: 60\n      containers:",
    )
    [finding] = _findings(paste, "time-limit-over-grace-period")
    assert (finding.line, finding.evidence["grace"], finding.evidence["time_limit"]) == (
        8,
        "60",
        "1800",
    )


def test_the_app_time_limit_counts_for_the_only_worker():
    paste = "task_time_limit = 900\n\n" + DEPLOYMENT.format(replicas=1, node="")
    [finding] = _findings(paste, "time-limit-over-grace-period")
    assert (finding.evidence["time_limit"], finding.evidence["grace"]) == ("900", "30")


@pytest.mark.parametrize(
    "limit, grace",
    [
        # near miss: the grace period outlasts the time limit
        ("--time-limit=300", "stop_grace_period: 6m"),
        ("--time-limit=300", "stop_grace_period: 300s"),
        # no time limit stated: how long tasks run is unknown
        ("", "stop_grace_period: 5s"),
    ],
)
def test_no_grace_finding_when_tasks_fit(limit, grace):
    assert _findings(GRACE.format(limit=limit, grace=grace), "time-limit-over-grace-period") == []


DEFAULT_VHOST = """\
services:
  mq:
    image: rabbitmq:3.10-management
    environment:
      RABBITMQ_DEFAULT_USER: app
      RABBITMQ_DEFAULT_VHOST: {vhost}
  worker:
    build: .
    command: celery -A proj worker
    environment:
      CELERY_BROKER_URL: amqp://app:secret@{host}:5672{path}
"""


@pytest.mark.parametrize("path", ["", "/", "//", "/%2F"])
def test_default_vhost_replaced_names_the_client_asking_for_slash(path):
    paste = DEFAULT_VHOST.format(vhost="shop", host="mq", path=path)
    findings = _findings(paste, "default-vhost-replaced")
    assert [(f.line, f.severity, f.entry) for f in findings] == [
        (11, "warning", "broker-access-refused")
    ]
    assert findings[0].evidence["service"] == "mq"
    assert findings[0].evidence["vhost"] == "shop"
    assert findings[0].evidence["clients"][0].startswith("worker (amqp://app:")
    assert "secret" not in str(findings[0].evidence)


def test_default_vhost_with_the_refusal_in_the_paste_is_an_error():
    paste = (
        "2026-11-29 20:05:25.531642+00:00 [error] <0.674.0> vhost / not found\n"
        "services:\n"
        "  rabbitmq:\n"
        "    image: rabbitmq:3.10\n"
        "    environment:\n"
        "      - RABBITMQ_DEFAULT_VHOST=shop\n"
    )
    findings = _findings(paste, "default-vhost-replaced")
    assert [(f.line, f.severity) for f in findings] == [(6, "error")]


def test_default_vhost_without_clients_is_info():
    paste = "services:\n  rabbitmq:\n    image: rabbitmq:3\n    environment:\n"
    paste += "      RABBITMQ_DEFAULT_VHOST: shop\n"
    findings = _findings(paste, "default-vhost-replaced")
    assert [(f.line, f.severity, f.evidence["clients"]) for f in findings] == [(5, "info", [])]


def test_default_vhost_against_the_pasted_app_broker_url():
    paste = DEFAULT_VHOST.format(vhost="shop", host="mq", path="/shop")
    paste = 'broker_url = "amqp://app:secret@mq:5672//"\n' + paste
    findings = _findings(paste, "default-vhost-replaced")
    assert [(f.severity, f.evidence["clients"]) for f in findings] == [
        ("warning", ["app (amqp://app:****@mq:5672//)"])
    ]


@pytest.mark.parametrize(
    "vhost, host, path",
    [
        ("shop", "mq", "/shop"),  # near miss: the client names the new vhost
        ("/", "mq", "//"),  # near miss: the variable keeps the default
        ("shop", "mq", "/other"),  # near miss: another vhost (may come from definitions)
        ("shop", "elsewhere", "//"),  # near miss: the client talks to another broker
    ],
)
def test_no_default_vhost_finding(vhost, host, path):
    paste = DEFAULT_VHOST.format(vhost=vhost, host=host, path=path)
    assert _findings(paste, "default-vhost-replaced") == []


def test_no_default_vhost_finding_on_another_image():
    paste = DEFAULT_VHOST.format(vhost="shop", host="mq", path="//").replace(
        "rabbitmq:3.10-management", "example/queue:1"
    )
    assert _findings(paste, "default-vhost-replaced") == []

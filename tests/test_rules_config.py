"""Each config rule of issue 4 with a positive and a negative paste."""

from __future__ import annotations

import textwrap

import pytest

from diagnostics.facts import QueueDecl
from diagnostics.parsers import parse_paste
from diagnostics.parsers.cmdline import parse_worker_command
from diagnostics.rules import run_rules
from diagnostics.rules.queue_declarations import compare_queue

CR_QUORUM = """
apiVersion: rabbitmq.com/v1beta1
kind: Queue
metadata:
  name: scan-vision
spec:
  name: scan.vision
  type: quorum
  vhost: eco2
"""


def rules_for(paste: str) -> set[tuple[str, str]]:
    return {(f.rule, f.entry) for f in run_rules(parse_paste(textwrap.dedent(paste)))}


CASES = {
    "vhost-trailing-slash": (
        'broker_url = "amqp://orders:secret@rabbitmq:5672/orders/"\n',
        'broker_url = "amqp://orders:secret@rabbitmq:5672/orders"\n',
        ("vhost-trailing-slash", "broker-access-refused"),
    ),
    "quorum-406": (
        'task_queues = [Queue("scan.vision", Exchange("scan"), routing_key="scan.vision")]\n'
        + CR_QUORUM,
        'task_queues = [Queue("scan.vision", queue_arguments={"x-queue-type": "quorum"})]\n'
        + CR_QUORUM,
        ("queue-argument-differs", "queue-arguments-mismatch"),
    ),
    "quorum-540": (
        'task_queues = [Queue("scan.vision", no_declare=True)]\n' + CR_QUORUM,
        'task_queues = [Queue("scan.vision", no_declare=True, '
        'queue_arguments={"x-queue-type": "quorum"})]\n' + CR_QUORUM,
        ("quorum-consumed-without-declare", "quorum-queue-global-qos"),
    ),
    "global-qos-option": (
        'broker_transport_options = {"global_qos": False}\n',
        'broker_transport_options = {"visibility_timeout": 3600}\n',
        ("global-qos-option-ignored", "quorum-queue-global-qos"),
    ),
    "argument-drift": (
        'task_queues = [Queue("scan.vision", queue_arguments={"x-queue-type": "quorum", '
        '"x-max-length": 10})]\n' + CR_QUORUM,
        'task_queues = [Queue("scan.vision", queue_arguments={"x-queue-type": "quorum"})]\n'
        + CR_QUORUM,
        ("queue-argument-differs", "queue-arguments-mismatch"),
    ),
    "fanout": (
        'task_queues = [Queue("reload", Exchange("reload", type="fanout"))]\n',
        'task_queues = [Broadcast("reload")]\n',
        ("fixed-queue-on-fanout", "fanout-shared-queue"),
    ),
    "broadcast-with-queue": (
        'task_queues = [Broadcast("reload", queue="reload.all")]\n',
        'task_queues = [Queue("reload", Exchange("reload", type="direct"))]\n',
        ("fixed-queue-on-fanout", "fanout-shared-queue"),
    ),
    "get-in-task": (
        "@app.task\ndef parent(x):\n    return child.delay(x).get(timeout=5)\n",
        "@app.task\ndef parent(x):\n    return settings.get('x')\n",
        ("result-get-in-task", "result-get-within-task"),
    ),
    "secret-before-configmap": (
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app-config}
        data: {DB_PASSWORD: changeme, LOG_LEVEL: info}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate}
        spec:
          template:
            spec:
              containers:
                - name: migrate
                  envFrom:
                    - secretRef: {name: db-secret}
                    - configMapRef: {name: app-config}
        """,
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate}
        spec:
          template:
            spec:
              containers:
                - name: migrate
                  envFrom:
                    - configMapRef: {name: app-config}
                    - secretRef: {name: db-secret}
        """,
        ("configmap-overrides-secret", "job-env-auth-failure"),
    ),
    "inline-python-job": (
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: seed}
        spec:
          template:
            spec:
              containers:
                - name: seed
                  command: ["python", "-c", "import os; login(os.environ['DB_PASSWORD'])"]
        """,
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: seed}
        spec:
          template:
            spec:
              containers:
                - name: seed
                  command: ["python", "manage.py", "migrate"]
        """,
        ("job-inline-credentials-script", "job-env-auth-failure"),
    ),
    "database-url": (
        """
        services:
          web:
            environment: [DATABASE_URL=postgres://app@db/app]
          worker:
            environment: [DATABASE_URL=postgres://app@db/app]
        """,
        """
        services:
          web:
            environment: [WEB_DATABASE_URL=postgres://app@db/app]
          worker:
            environment: [WORKER_DATABASE_URL=postgres://app@db/worker]
        """,
        ("shared-database-url", "wrong-database-url"),
    ),
    "broker-localhost-in-container": (
        """
        services:
          rabbitmq:
            image: rabbitmq:3-management
          flower:
            image: mher/flower
            command: celery --broker=amqp://guest:guest@localhost:5672/ flower
        """,
        """
        services:
          rabbitmq:
            image: rabbitmq:3-management
          flower:
            image: mher/flower
            command: celery --broker=amqp://guest:guest@rabbitmq:5672/ flower
        """,
        ("broker-localhost-in-container", "broker-connection-refused"),
    ),
    "broker-start-not-awaited": (
        """
        services:
          rabbitmq:
            image: rabbitmq:3.13-management
          worker:
            build: .
            depends_on: [rabbitmq]
        """,
        """
        services:
          rabbitmq:
            image: rabbitmq:3.13-management
            healthcheck: {test: ["CMD", "rabbitmq-diagnostics", "-q", "ping"]}
          worker:
            build: .
            depends_on: {rabbitmq: {condition: service_healthy}}
        """,
        ("broker-start-not-awaited", "broker-connection-refused"),
    ),
    "default-user-persisted-database": (
        """
        services:
          rabbitmq:
            image: rabbitmq:3.13-management
            hostname: rabbit
            environment: [RABBITMQ_DEFAULT_USER=app, RABBITMQ_DEFAULT_PASS=secret]
            volumes: ["rabbit-data:/var/lib/rabbitmq"]
        """,
        """
        services:
          rabbitmq:
            image: rabbitmq:3.13-management
            hostname: rabbit
            environment: [RABBITMQ_DEFAULT_USER=app, RABBITMQ_DEFAULT_PASS=secret]
        """,
        ("default-user-persisted-database", "broker-access-refused"),
    ),
    "redis-data-bind-mount-non-root": (
        """
        services:
          redis:
            image: bitnami/redis:7.2
            volumes: ["./redis-data:/bitnami/redis/data"]
        """,
        """
        services:
          redis:
            image: bitnami/redis:7.2
            volumes: ["redis-data:/bitnami/redis/data"]
        """,
        ("redis-data-bind-mount-non-root", "redis-misconf-persistence"),
    ),
    "time-limit-over-grace-period": (
        """
        services:
          worker:
            image: app
            command: celery -A proj worker --time-limit=600
        """,
        """
        services:
          worker:
            image: app
            command: celery -A proj worker --time-limit=600
            stop_grace_period: 11m
        """,
        ("time-limit-over-grace-period", "tasks-lost-on-deploy"),
    ),
    "old-names": (
        "CELERYD_CONCURRENCY = 4\nCELERY_ACKS_LATE = True\n",
        "worker_concurrency = 4\ntask_acks_late = False\n",
        ("old-setting-names", "deprecated-setting-names"),
    ),
    "mixed-names": (
        "CELERYD_CONCURRENCY = 4\nworker_prefetch_multiplier = 1\n",
        "worker_concurrency = 4\nworker_prefetch_multiplier = 1\n",
        ("old-and-new-setting-names", "deprecated-setting-names"),
    ),
    "dead-letter-route": (
        'task_routes = {"scan.*": {"queue": "scan", "dead_letter_queue": "scan.dlq"}}\n',
        'task_routes = {"scan.*": {"queue": "scan"}}\n',
        ("dead-letter-queue-route", "celery-worker-lifecycle"),
    ),
    "priority": (
        'broker_url = "amqp://guest@rabbit//"\ntask_queues = [Queue("jobs")]\n'
        "job.apply_async(args=(1,), priority=9)\n",
        'broker_url = "amqp://guest@rabbit//"\ntask_queues = [Queue("jobs", '
        'queue_arguments={"x-max-priority": 10})]\njob.apply_async(args=(1,), priority=9)\n',
        ("priority-without-max-priority", "priority-not-applied"),
    ),
    "countdown-ack-timeout": (
        'broker_url = "amqp://guest@rabbit//"\nreport.apply_async(countdown=7200)\n',
        'broker_url = "amqp://guest@rabbit//"\nreport.apply_async(countdown=60)\n',
        ("countdown-over-consumer-timeout", "delivery-ack-timeout"),
    ),
    "acks-late-ack-timeout": (
        'broker_url = "amqp://guest@rabbit//"\ntask_acks_late = True\n',
        'broker_url = "amqp://guest@rabbit//"\ntask_acks_late = True\ntask_time_limit = 600\n',
        ("acks-late-over-consumer-timeout", "delivery-ack-timeout"),
    ),
    "redis-visibility": (
        'broker_url = "redis://redis:6379/0"\nreport.apply_async(countdown=7200)\n',
        'broker_url = "redis://redis:6379/0"\nbroker_transport_options = '
        '{"visibility_timeout": 43200}\nreport.apply_async(countdown=7200)\n',
        ("countdown-over-visibility-timeout", "redis-visibility-timeout"),
    ),
    "missing-dependency": (
        "from celery_batches import Batches\nbroker_url = 'amqp://x@y//'\n\n"
        "celery==5.7.0\nkombu==5.7.0\n",
        "from celery_batches import Batches\nbroker_url = 'amqp://x@y//'\n\n"
        "celery==5.7.0\ncelery-batches==0.9\n",
        ("extension-not-in-requirements", "missing-worker-dependency"),
    ),
    # RabbitMQ 4.x (diagnostics.rules.rabbitmq4): the broker version line is the trigger
    "transient-pidbox-4.3": (
        "FROM rabbitmq:4.3.0-management\n\ncelery==5.6.0\nkombu==5.6.2\n",
        "FROM rabbitmq:4.2.3-management\n\ncelery==5.6.0\nkombu==5.6.2\n",
        ("transient-nonexclusive-queue", "transient-queue-denied"),
    ),
    "transient-pidbox-5.6-switched": (
        "app.conf.event_queue_exclusive = True\n\ncelery==5.6.0\n\nRabbitMQ 4.3.1\n",
        "app.conf.control_queue_exclusive = True\napp.conf.event_queue_exclusive = True\n\n"
        "celery==5.6.0\n\nRabbitMQ 4.3.1\n",
        ("transient-nonexclusive-queue", "transient-queue-denied"),
    ),
    "transient-own-queue": (
        'task_queues = [Queue("scratch", durable=False)]\n\nStarting RabbitMQ 4.3.0 on Erlang 27\n',
        'task_queues = [Queue("scratch", durable=False, exclusive=True)]\n\n'
        "Starting RabbitMQ 4.3.0 on Erlang 27\n",
        ("transient-nonexclusive-queue", "transient-queue-denied"),
    ),
    "global-qos-4.3": (
        "kombu==5.6.2\n\nRabbitMQ 4.3.5\n",
        "kombu==5.7.0\n\nRabbitMQ 4.3.5\n",
        ("global-qos-downgraded", "global-qos-rabbitmq-4"),
    ),
    "global-qos-4.1": (
        "kombu==5.6.2\n\nRabbitMQ 4.1.0\n",
        "kombu==5.6.2\n\nRabbitMQ 3.13.7\n",
        ("global-qos-deprecated", "global-qos-rabbitmq-4"),
    ),
    "static-prefetch-eta": (
        'broker_url = "amqp://x@y//"\nreport.apply_async(countdown=600)\n\n'
        "celery==5.7.0\n\nRabbitMQ 4.2.0\n",
        'broker_url = "amqp://x@y//"\ntask_default_queue_type = "quorum"\n'
        "report.apply_async(countdown=600)\n\ncelery==5.7.0\n\nRabbitMQ 4.2.0\n",
        ("static-prefetch-with-eta", "global-qos-rabbitmq-4"),
    ),
    "queue-version-1": (
        'task_queues = [Queue("a", queue_arguments={"x-queue-version": 1})]\n\nRabbitMQ 4.3.0\n',
        'task_queues = [Queue("a", queue_arguments={"x-queue-version": 1})]\n\nRabbitMQ 4.2.0\n',
        ("queue-version-1-removed", "queue-storage-args-removed"),
    ),
    "queue-mode": (
        'task_queues = [Queue("a", queue_arguments={"x-queue-mode": "lazy"})]\n\nRabbitMQ 4.3.0\n',
        'task_queues = [Queue("a", queue_arguments={"x-queue-version": 2})]\n\nRabbitMQ 4.3.0\n',
        ("queue-mode-removed", "queue-storage-args-removed"),
    ),
    "ha-policy": (
        'rabbitmqctl set_policy ha-all "^" \'{"ha-mode":"all"}\'\n\nRabbitMQ 4.0.5\n',
        'rabbitmqctl set_policy ha-all "^" \'{"ha-mode":"all"}\'\n\nRabbitMQ 3.13.7\n',
        ("ha-policy-without-mirroring", "mirrored-queues-removed"),
    ),
    "classic-consumer-timeout-argument": (
        'task_queues = [Queue("slow", queue_arguments={"x-consumer-timeout": 7200000})]\n\n'
        "RabbitMQ 4.3.2\n",
        'task_queues = [Queue("slow", queue_arguments={"x-consumer-timeout": 7200000, '
        '"x-queue-type": "quorum"})]\n\nRabbitMQ 4.3.2\n',
        ("classic-consumer-timeout-argument", "delivery-ack-timeout"),
    ),
    "classic-queues-never-time-out": (
        'broker_url = "amqp://x@y//"\ntask_acks_late = True\n\nRabbitMQ 4.3.0\n\n'
        "# rabbitmq.conf\nconsumer_timeout = 7200000\n",
        'broker_url = "amqp://x@y//"\ntask_acks_late = True\n\nRabbitMQ 4.2.0\n\n'
        "# rabbitmq.conf\nconsumer_timeout = 7200000\n",
        ("classic-queues-never-time-out", "delivery-ack-timeout"),
    ),
    # worker rules (diagnostics.rules.workers), shared with the live worker check
    "prefork-main-process-state": (
        "celery -A proj worker -Q default --concurrency 4\n\n"
        "@worker_init.connect\ndef load(**kwargs):\n    MODEL_CACHE['model'] = build()\n",
        "celery -A proj worker -Q default -P threads --concurrency 4\n\n"
        "@worker_init.connect\ndef load(**kwargs):\n    MODEL_CACHE['model'] = build()\n",
        ("prefork-main-process-state", "prefork-cache-not-shared"),
    ),
    "mixed-short-and-long-queues": (
        "celery -A proj worker -Q default,reports\n",
        "celery -A proj worker -Q default,emails\n",
        ("mixed-short-and-long-queues", "mixed-workload-queue"),
    ),
    "mixed-queues-by-time-limit": (
        "task_routes = {'proj.crunch': {'queue': 'b'}}\n"
        "@app.task(name='proj.crunch', time_limit=3600)\ndef crunch():\n    pass\n\n"
        "celery -A proj worker -Q urgent,b\n",
        "task_routes = {'proj.crunch': {'queue': 'b'}}\n"
        "@app.task(name='proj.crunch', time_limit=30)\ndef crunch():\n    pass\n\n"
        "celery -A proj worker -Q urgent,b\n",
        ("mixed-short-and-long-queues", "mixed-workload-queue"),
    ),
    "routed-queue-without-worker": (
        "task_routes = {'proj.build_report': {'queue': 'reports'}}\n\n"
        "celery -A proj worker -Q celery\n",
        "task_routes = {'proj.build_report': {'queue': 'reports'}}\n\n"
        "celery -A proj worker -Q celery,reports\n",
        ("routed-queue-without-worker", "queue-without-consumer"),
    ),
    # values wrong by themselves (diagnostics.rules.setting_values; docs/config-rules.md)
    "soft-limit-at-hard-limit": (
        "task_soft_time_limit = 360\ntask_time_limit = 360\n",
        "task_soft_time_limit = 300\ntask_time_limit = 360\n",
        ("soft-limit-not-below-hard", "task-time-limit"),
    ),
    "task-soft-limit-over-app-hard-limit": (
        "task_time_limit = 60\n@app.task(soft_time_limit=90)\ndef crunch():\n    pass\n",
        "task_time_limit = 60\n@app.task(soft_time_limit=90, time_limit=120)\n"
        "def crunch():\n    pass\n",
        ("soft-limit-not-below-hard", "task-time-limit"),
    ),
    "pickle-not-accepted": (
        'task_serializer = "pickle"\n',
        'task_serializer = "pickle"\naccept_content = ["json", "application/x-python-serialize"]\n',
        ("serializer-not-accepted", "serialization-error"),
    ),
    "json-not-accepted": (
        'accept_content = ["pickle"]\n',
        'accept_content = ["pickle", "json"]\n',
        ("serializer-not-accepted", "serialization-error"),
    ),
    "result-serializer-not-accepted": (
        'result_serializer = "pickle"\nresult_accept_content = ["json"]\n',
        'result_serializer = "pickle"\nresult_accept_content = ["json", "pickle"]\n',
        ("serializer-not-accepted", "serialization-error"),
    ),
    "prefetch-multiplier-zero": (
        "worker_prefetch_multiplier = 0\n",
        "worker_prefetch_multiplier = 1\n",
        ("prefetch-multiplier-unlimited", "prefetch-starvation"),
    ),
    "disable-prefetch-on-rabbitmq": (
        'broker_url = "amqp://guest@rabbit//"\nworker_disable_prefetch = True\n',
        'broker_url = "redis://redis:6379/0"\nworker_disable_prefetch = True\n',
        ("disable-prefetch-on-rabbitmq", "prefetch-starvation"),
    ),
    "heartbeat-disabled": (
        'broker_url = "amqp://guest@rabbit//"\nbroker_heartbeat = 0\n',
        'broker_url = "amqp://guest@rabbit//"\nbroker_heartbeat = 120\n',
        ("broker-heartbeat-disabled", "missed-heartbeats"),
    ),
    "acks-late-connection-loss": (
        "task_acks_late = True\n",
        "task_acks_late = True\nworker_cancel_long_running_tasks_on_connection_loss = False\n",
        ("acks-late-connection-loss-undecided", "cancel-tasks-on-connection-loss"),
    ),
    "acks-late-worker-lost": (
        "task_acks_late = True\n",
        "task_acks_late = True\ntask_reject_on_worker_lost = True\n",
        ("acks-late-without-reject-on-worker-lost", "tasks-lost-on-deploy"),
    ),
    "eviction-policy": (
        "# redis.conf\nmaxmemory 2gb\nmaxmemory-policy allkeys-lru\n",
        "# redis.conf\nmaxmemory 2gb\nmaxmemory-policy volatile-lru\n",
        ("eviction-policy-evicts-queues", "redis-oom-command-not-allowed"),
    ),
    "eviction-policy-info": (
        "# Memory\nused_memory:1048576\nmaxmemory_policy:allkeys-lfu\n",
        "# Memory\nused_memory:1048576\nmaxmemory_policy:noeviction\n",
        ("eviction-policy-evicts-queues", "redis-oom-command-not-allowed"),
    ),
    "result-backend-outside-namespace": (
        'CELERY_BROKER_URL = "redis://r:6379/0"\nresult_backend = "redis://r:6379/1"\n',
        'CELERY_BROKER_URL = "redis://r:6379/0"\nCELERY_RESULT_BACKEND = "redis://r:6379/1"\n',
        ("result-backend-outside-namespace", "no-result-backend"),
    ),
    "settings-outside-namespace": (
        'app.config_from_object("django.conf:settings", namespace="CELERY")\n'
        'CELERY_BROKER_URL = "redis://r:6379/0"\ntask_acks_late = True\n',
        # a celeryconfig module of lowercase names, no CELERY_ name beside them
        'app.config_from_object("celeryconfig")\nbroker_url = "redis://r:6379/0"\n'
        "task_acks_late = True\n",
        ("settings-outside-namespace", "deprecated-setting-names"),
    ),
    "soft-limit-over-hard-command-line": (
        "celery -A proj worker --time-limit=300 --soft-time-limit=300\n",
        "celery -A proj worker --time-limit=360 --soft-time-limit=300\n",
        ("soft-limit-not-below-hard", "task-time-limit"),
    ),
    "connection-retry-startup-unset": (
        "broker_connection_retry = False\n",
        "broker_connection_retry = False\nbroker_connection_retry_on_startup = True\n",
        ("connection-retry-startup-unset", "deprecated-setting-names"),
    ),
}


def test_a_pasted_worker_command_never_gives_an_unregistered_task_finding():
    # what a worker registers is only known live (remote control), not from its command line
    paste = (
        "task_routes = {'proj.export': {'queue': 'reports'}}\n\ncelery -A proj worker -Q reports\n"
    )
    assert "unregistered-routed-task" not in {f.rule for f in run_rules(parse_paste(paste))}


def test_routed_queue_without_worker_names_the_task_queue_and_the_workers_lists():
    paste = (
        "task_routes = {'proj.build_report': {'queue': 'reports'}}\n\n"
        "celery -A proj worker -Q celery -n a@%h\ncelery -A proj worker -Q Reports -n b@%h\n"
    )
    [finding] = [
        f for f in run_rules(parse_paste(paste)) if f.rule == "routed-queue-without-worker"
    ]
    assert (finding.entry, finding.severity) == ("queue-without-consumer", "warning")
    assert finding.line == 1
    assert finding.evidence["queue"] == "reports"
    assert finding.evidence["workers"] == ["Reports", "celery"]


def test_a_worker_without_queues_gives_no_routed_queue_finding():
    # without -Q a worker consumes task_queues (or the default queue), which the paste may not show
    paste = (
        "task_routes = {'proj.build_report': {'queue': 'reports'}}\n\n"
        "celery -A proj worker -Q celery\ncelery -A proj worker\n"
    )
    assert "routed-queue-without-worker" not in {f.rule for f in run_rules(parse_paste(paste))}


def test_transient_queue_finding_names_what_celery_declares():
    paste = 'result_backend = "rpc://"\n\ncelery==5.5.3\n\nrabbitmq_version: 4.3.0\n'
    [finding] = [
        f for f in run_rules(parse_paste(paste)) if f.rule == "transient-nonexclusive-queue"
    ]
    assert finding.severity == "error"
    assert finding.evidence["queues"] == [
        "<worker>.celery.pidbox",
        "<id>.reply.celery.pidbox",
        "celeryev.<uuid>",
        "<client id> (rpc:// result backend)",
    ]
    # Celery 5.7 declares them exclusive and the rpc reply queue durable
    assert "transient-nonexclusive-queue" not in {
        f.rule for f in run_rules(parse_paste(paste.replace("5.5.3", "5.7.0")))
    }
    # Celery 5.5 has no switch: the setting is ignored
    switched = "control_queue_exclusive = True\nevent_queue_exclusive = True\n" + paste
    assert "transient-nonexclusive-queue" in {f.rule for f in run_rules(parse_paste(switched))}


def test_no_global_qos_finding_is_an_error():
    # the entry: nothing fails outright on a classic queue under any 4.x release checked
    for broker in ("4.0.0", "4.2.9", "4.3.0", "4.3.5"):
        for kombu in ("5.5.4", "5.6.2", "5.7.0"):
            paste = f"report.apply_async(countdown=600)\n\nkombu=={kombu}\n\nRabbitMQ {broker}\n"
            qos = [f for f in run_rules(parse_paste(paste)) if f.entry == "global-qos-rabbitmq-4"]
            assert len(qos) == 1 and qos[0].severity in ("warning", "info"), (broker, kombu)


def test_countdown_over_consumer_timeout_is_not_predicted_for_classic_queues_on_4_3():
    paste = (
        'broker_url = "amqp://x@y//"\nreport.apply_async(countdown=7200)\n\n'
        "# rabbitmq.conf\nconsumer_timeout = 3600000\n\nRabbitMQ {}\n"
    )
    rules = {
        v: {f.rule for f in run_rules(parse_paste(paste.format(v)))} for v in ("4.2.0", "4.3.0")
    }
    assert "countdown-over-consumer-timeout" in rules["4.2.0"]
    assert "countdown-over-consumer-timeout" not in rules["4.3.0"]
    assert "classic-queues-never-time-out" in rules["4.3.0"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_fires_on_positive_paste(name):
    positive, _, expected = CASES[name]
    assert expected in rules_for(positive)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_stays_quiet_on_negative_paste(name):
    _, negative, expected = CASES[name]
    assert expected not in rules_for(negative)


def test_consumer_timeout_from_the_paste_is_used():
    paste = (
        'broker_url = "amqp://guest@rabbit//"\nreport.apply_async(countdown=7200)\n\n'
        "consumer_timeout = 36000000\n"
    )
    assert ("countdown-over-consumer-timeout", "delivery-ack-timeout") not in rules_for(paste)


def test_compare_queue_quotes_the_406_text():
    app = QueueDecl(name="qq", source="celery-config")
    broker = QueueDecl(name="qq", source="broker", queue_type="quorum", vhost="/")
    [finding] = compare_queue(app, broker)
    assert finding.evidence["error"] == (
        "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'qq' in vhost '/': "
        "received none but current is the value 'quorum' of type 'longstr'"
    )
    assert finding.as_dict()["entry"] == "queue-arguments-mismatch"


def test_compare_queue_flags_and_added_arguments():
    app = QueueDecl(
        name="q", source="celery-config", durable=False, arguments={"x-dead-letter-exchange": "dlx"}
    )
    broker = QueueDecl(name="q", source="broker", durable=True)
    texts = [f.evidence["error"] for f in compare_queue(app, broker)]
    assert any("received the value 'dlx' of type 'longstr' but current is none" in t for t in texts)
    assert any(
        "inequivalent arg 'durable'" in t and "received 'false' but current is 'true'" in t
        for t in texts
    )


def test_compare_queue_no_declare_on_quorum_gives_540():
    app = QueueDecl(name="qq", source="celery-config", no_declare=True)
    broker = QueueDecl(name="qq", source="broker", arguments={"x-queue-type": "quorum"})
    [finding] = compare_queue(app, broker)
    assert finding.entry == "quorum-queue-global-qos"
    assert "does not support global qos" in finding.evidence["error"]


def test_compare_queue_equal_declarations_give_nothing():
    app = QueueDecl(name="q", source="celery-config", durable=True)
    broker = QueueDecl(name="q", source="broker", durable=True, queue_type="classic")
    assert compare_queue(app, broker) == []


def findings_for(paste: str) -> dict[str, str]:
    parsed = parse_paste(textwrap.dedent(paste))
    return {f.rule: f.severity for f in run_rules(parsed)}


def test_mixing_old_and_lowercase_names_is_an_error():
    severities = findings_for("CELERYD_PREFETCH_MULTIPLIER = 1\ntask_acks_late = True\n")
    assert severities == {
        "old-and-new-setting-names": "error",
        "acks-late-over-consumer-timeout": "info",
        # acks_late's two companions left unset: possible causes, never more than info
        "acks-late-connection-loss-undecided": "info",
        "acks-late-without-reject-on-worker-lost": "info",
    }


def test_old_names_beside_django_namespaced_names_are_only_deprecated():
    # Celery 5.7 with namespace="CELERY" reads CELERYD_PREFETCH_MULTIPLIER without complaint.
    severities = findings_for("CELERYD_PREFETCH_MULTIPLIER = 1\nCELERY_TASK_ACKS_LATE = True\n")
    assert severities["old-setting-names"] == "info"


def test_acks_late_with_a_hard_limit_over_the_timeout_is_a_warning():
    severities = findings_for("task_acks_late = True\ntask_time_limit = 7200\n")
    assert severities["acks-late-over-consumer-timeout"] == "warning"


REPEATED = """\
[2017-11-20 09:55:34,470: INFO/ForkPoolWorker-2] Task tasks.x[bd08ab85-28a8-488f-ba03-c2befde10054] succeeded in 33.8s: None
[2017-11-20 09:55:34,481: INFO/ForkPoolWorker-2] Task tasks.x[bd08ab85-28a8-488f-ba03-c2befde10054] succeeded in 0.01s: None
"""


def test_same_task_id_succeeding_twice_points_at_visibility_timeout():
    assert findings_for(REPEATED)["same-task-id-repeated"] == "info"
    on_redis = findings_for("broker_url = 'redis://localhost:6379/2'\n" + REPEATED)
    assert on_redis["same-task-id-repeated"] == "warning"


def test_distinct_task_ids_are_not_repeats():
    other = REPEATED.replace(
        "bd08ab85-28a8-488f-ba03-c2befde10054]\x20succeeded in 0.01s",
        "00000000-28a8-488f-ba03-c2befde10054] succeeded in 0.01s",
    )
    assert "same-task-id-repeated" not in findings_for(other)


# A Django settings module with eight mistakes, one a line (the line is the evidence).
EIGHT_PROBLEMS = """\
CELERY_BROKER_URL = "amqp://app:****@rabbit:5672/prod"
CELERY_TASK_SERIALIZER = "pickle"
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_PREFETCH_MULTIPLIER = 0
CELERY_BROKER_HEARTBEAT = 0
CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_qos": False}
CELERY_TASK_ROUTES = {"scan.*": {"queue": "scan", "dead_letter_queue": "scan.dlq"}}
result_backend = "redis://redis:6379/1"
"""


def test_a_config_with_several_problems_lists_each_with_its_line():
    findings = run_rules(parse_paste(EIGHT_PROBLEMS))
    assert {(f.rule, f.line) for f in findings} == {
        ("serializer-not-accepted", 2),
        ("soft-limit-not-below-hard", 3),
        ("prefetch-multiplier-unlimited", 5),
        ("broker-heartbeat-disabled", 6),
        ("disable-prefetch-on-rabbitmq", 7),
        ("global-qos-option-ignored", 8),
        ("dead-letter-queue-route", 9),
        ("result-backend-outside-namespace", 10),
    }
    lines = EIGHT_PROBLEMS.splitlines()
    for finding in findings:  # each line holds the setting the finding is about
        setting = finding.evidence.get("setting") or finding.evidence.get("soft_setting")
        if setting:
            assert setting.upper() in lines[finding.line - 1].upper(), finding.rule


def test_a_correct_config_gives_no_finding():
    paste = """\
CELERY_BROKER_URL = "amqp://app:****@rabbit:5672/prod"
CELERY_RESULT_BACKEND = "redis://redis:6379/1"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_HEARTBEAT = 60

# redis.conf of the result backend
maxmemory-policy volatile-lru
"""
    assert run_rules(parse_paste(paste)) == []


def test_a_task_soft_limit_below_its_own_hard_limit_is_fine_whatever_the_app_wide_ones():
    paste = (
        "task_soft_time_limit = 30\ntask_time_limit = 60\n"
        "@app.task(soft_time_limit=3000, time_limit=3600)\ndef crunch():\n    pass\n"
    )
    assert "soft-limit-not-below-hard" not in {f.rule for f in run_rules(parse_paste(paste))}


def test_an_evicting_redis_is_an_error_only_when_it_is_the_broker():
    conf = "maxmemory-policy allkeys-lru\n"
    for broker_url, severity in (("redis://r:6379/0", "error"), ("amqp://x@y//", "warning")):
        paste = f'broker_url = "{broker_url}"\n\n# redis.conf\n{conf}'
        [finding] = [
            f for f in run_rules(parse_paste(paste)) if f.rule == "eviction-policy-evicts-queues"
        ]
        assert (finding.severity, finding.line) == (severity, 4)


def test_the_worker_command_line_wins_over_the_config():
    # Celery applies --prefetch-multiplier / --time-limit over the settings
    paste = (
        "worker_prefetch_multiplier = 0\ntask_time_limit = 60\ntask_soft_time_limit = 50\n\n"
        "celery -A proj worker --prefetch-multiplier 4 --time-limit 30\n"
    )
    findings = {(f.rule, f.line) for f in run_rules(parse_paste(paste))}
    assert ("prefetch-multiplier-unlimited", 1) not in findings
    assert ("soft-limit-not-below-hard", 3) in findings  # soft 50 from line 3 >= hard 30


def test_prefetch_multiplier_0_on_the_command_line_means_the_config_value():
    # celery worker takes `--prefetch-multiplier 0` as not given (checked live, Celery 5.7:
    # such a worker reported a non-zero prefetch count)
    command = "celery -A proj worker --prefetch-multiplier=0\n"
    assert "prefetch-multiplier-unlimited" not in {f.rule for f in run_rules(parse_paste(command))}
    with_config = "worker_prefetch_multiplier = 0\n\n" + command
    [finding] = [
        f for f in run_rules(parse_paste(with_config)) if f.rule == "prefetch-multiplier-unlimited"
    ]
    assert finding.line == 1


def test_settings_celery_never_reads_are_reported_once_not_judged():
    # lowercase names in a CELERY_-namespaced Django settings module are ignored by Celery
    paste = 'CELERY_BROKER_URL = "amqp://x@y//"\ntask_acks_late = True\nbroker_heartbeat = 0\n'
    assert {f.rule for f in run_rules(parse_paste(paste))} == {"settings-outside-namespace"}


@pytest.mark.parametrize(
    "url",
    [
        "amqp://guest:guest@rabbitmq:5672//",  # the vhost "/"
        "amqp://guest:guest@rabbitmq:5672/",
        "amqp://guest:guest@rabbitmq:5672",
        "amqp://guest:guest@rabbitmq:5672/%2F",
        "redis://redis:6379/0/",  # not a vhost
    ],
)
def test_default_vhost_and_other_brokers_are_not_a_trailing_slash(url):
    assert ("vhost-trailing-slash", "broker-access-refused") not in rules_for(
        f'broker_url = "{url}"\n'
    )


def test_trailing_slash_names_the_vhost_asked_for_and_the_one_meant_without_the_password():
    paste = 'CELERY_BROKER_URL = "amqp://app:s3cret@mq:5672/billing/"\n'
    [finding] = [f for f in run_rules(parse_paste(paste)) if f.rule == "vhost-trailing-slash"]
    assert (finding.severity, finding.line) == ("warning", 1)
    assert finding.evidence["vhost"] == "billing/" and finding.evidence["meant"] == "billing"
    assert "s3cret" not in repr(finding.evidence)


def test_trailing_slash_in_an_earlier_value_of_the_paste_is_judged_too():
    # a report shows the URL that failed, then the one that works: broker_url keeps the last
    paste = (
        "This fails:\n\n```\nBROKER_URL = 'amqp://app:pw@mq:5672/shop/'\n```\n\n"
        "This works:\n\n```\nBROKER_URL = 'amqp://app:pw@mq:5672/shop'\n```\n"
    )
    [finding] = _rule(paste, "vhost-trailing-slash")
    assert (finding.line, finding.evidence["vhost"]) == (4, "shop/")


def test_two_broker_urls_without_a_trailing_slash_give_nothing():
    paste = (
        "```\nBROKER_URL = 'amqp://app:pw@mq:5672/shop'\n```\n\n"
        "```\nBROKER_URL = 'amqp://app:pw@mq2:5672//'\n```\n"
    )
    assert _rule(paste, "vhost-trailing-slash") == []


def _rule(paste: str, rule: str):
    return [f for f in run_rules(parse_paste(paste)) if f.rule == rule]


@pytest.mark.parametrize(
    "paste, reserved, acks_late",
    [
        ("celery multi start 4 -A proj -c 1 --loglevel=INFO", 4, False),
        ("```celery multi start w1 w2 w3 -A proj -c 1```", 4, False),
        ("celery multi start 3 -A proj -c 1 --prefetch-multiplier 2", 2, False),
        ("task_acks_late = True\ncelery multi restart 5 -A proj -c 1", 3, True),
    ],
)
def test_single_slot_workers_reserve_tasks_behind_the_running_one(paste, reserved, acks_late):
    findings = _rule(paste, "single-slot-workers-reserve")
    assert [(f.entry, f.severity, f.evidence["reserved"]) for f in findings] == [
        ("prefetch-starvation", "warning", reserved)
    ]
    assert findings[0].evidence["acks_late"] is acks_late
    assert findings[0].line == paste.count("\n") + 1


@pytest.mark.parametrize(
    "paste",
    [
        "celery -A proj worker -c 1",  # near miss: one worker (ps output repeats it)
        "celery -A proj worker -c 1\ncelery -A proj worker -c 1",  # ps lists the pool child too
        "celery multi start 4 -A proj -c 8",  # near miss: several slots per worker
        "celery multi start 1 -A proj -c 1",  # near miss: one node
        "celery multi stop 4 -A proj -c 1",  # near miss: stops, starts nothing
        # near miss: the documented setting for long tasks reserves nothing extra
        "task_acks_late = True\nworker_prefetch_multiplier = 1\ncelery multi start 4 -A p -c 1",
        # near miss: no prefetch limit is another rule's finding
        "worker_prefetch_multiplier = 0\ncelery multi start 4 -A proj -c 1",
    ],
)
def test_no_single_slot_finding(paste):
    assert _rule(paste, "single-slot-workers-reserve") == []


def test_celery_multi_start_is_a_worker_command_with_its_node_count():
    assert parse_worker_command("celery multi start 10 -A proj -c 1").nodes == 10
    assert parse_worker_command("celery multi start a b -A proj").nodes == 2
    assert parse_worker_command("celery -A proj worker").nodes == 1
    assert parse_worker_command("celery multi stopwait w1") is None

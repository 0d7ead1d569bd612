"""Parsers: tracebacks, config via ast, YAML with alias refusal, requirements, commands."""

from __future__ import annotations

import pytest

from diagnostics.parsers import parse_celery_config, parse_paste


def test_chained_traceback_with_truncated_top_and_windows_paths():
    paste = (
        '  File "C:\\venv\\lib\\site-packages\\kombu\\connection.py", line 9, in f\n'
        "    x()\n"
        "socket.timeout: timed out\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        "Traceback (most recent call last):\n"
        '  File "/app/tasks.py", line 3, in run\n'
        "kombu.exceptions.OperationalError: [Errno 111] Connection refused\n"
    )
    facts = parse_paste(paste).exceptions
    assert [f.type for f in facts] == ["socket.timeout", "kombu.exceptions.OperationalError"]
    assert facts[1].chained and facts[1].frames == ["/app/tasks.py:3 in run"]


def test_repr_exception_gives_reply_code_and_method():
    paste = (
        'Task t[1] raised unexpected: PreconditionFailed(406, "PRECONDITION_FAILED - x", '
        "(50, 10), 'Queue.declare')"
    )
    [fact] = parse_paste(paste).exceptions
    assert (fact.short_type, fact.reply_code, fact.method) == (
        "PreconditionFailed",
        406,
        "Queue.declare",
    )


def test_django_settings_namespace_and_queue_objects():
    config = parse_celery_config(
        "CELERY_TASK_QUEUES = (Queue('a', Exchange('ex', type='topic'), routing_key='a.#',\n"
        "    max_priority=10, queue_arguments={'x-queue-type': 'quorum'}),)\n"
        "CELERY_BROKER_URL = 'amqp://u:pw@h//'\n"
    )
    [queue] = config.queues
    assert queue.arguments == {"x-queue-type": "quorum", "x-max-priority": 10}
    assert (queue.exchange, queue.exchange_type, queue.queue_type) == ("ex", "topic", "quorum")
    assert config.broker_url == "amqp://u:****@h//"
    assert config.new_names == ["CELERY_TASK_QUEUES", "CELERY_BROKER_URL"]


def test_conf_update_and_worker_command_line():
    config = parse_celery_config(
        "app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1)\n"
        "celery -A proj worker -P solo -c 1 -Q a,b\n"
    )
    assert config.acks_late is True and config.settings["worker_prefetch_multiplier"] == 1
    assert (config.pool, config.concurrency, config.worker_queues) == ("solo", 1, ["a", "b"])


def test_yaml_alias_is_refused_with_a_notice_not_expanded():
    parsed = parse_paste("apiVersion: v1\nkind: ConfigMap\na: &x [1, 2]\nb: [*x, *x]\n")
    assert parsed.notices and "alias" in parsed.notices[0].lower()
    assert parsed.yaml_docs == []


def test_topology_operator_queue_and_requirements():
    parsed = parse_paste(
        "apiVersion: rabbitmq.com/v1beta1\nkind: Queue\nspec:\n  name: qq\n  type: quorum\n\n"
        "celery[redis]==5.7.0\ndjango-celery-beat>=2.5\n"
    )
    [queue] = parsed.queues
    assert (queue.name, queue.queue_type, queue.source) == ("qq", "quorum", "topology-operator")
    assert {"celery", "redis", "django-celery-beat"} <= set(parsed.requirements.packages)


def test_not_mine_is_quiet():
    parsed = parse_paste("just some words about a problem\nand another line")
    assert parsed.notices == [] and parsed.config is None and parsed.kinds == ["text"]


def test_lone_exception_lines_of_celery_types_without_error_suffix():
    from diagnostics.parsers.traceback import parse_exceptions

    lines = [
        "celery.exceptions.NotRegistered: 'billing.tasks.send_invoice'",
        "celery.exceptions.SoftTimeLimitExceeded: SoftTimeLimitExceeded()",
        "kombu.exceptions.ContentDisallowed: Refusing to deserialize untrusted content of type pickle",
    ]
    types = [fact.type for fact in parse_exceptions(lines)]
    assert types == [
        "celery.exceptions.NotRegistered",
        "celery.exceptions.SoftTimeLimitExceeded",
        "kombu.exceptions.ContentDisallowed",
    ]


def test_ipython_traceback_header_names_the_exception():
    from diagnostics.parsers.traceback import parse_exceptions

    lines = [
        "---------------------------------------------------------------------------",
        "EncodeError                               Traceback (most recent call last)",
        "<ipython-input-3-5f3c> in <module>",
        "----> 1 add.delay(Thing())",
    ]
    facts = parse_exceptions(lines)
    assert [(f.type, f.line) for f in facts] == [("EncodeError", 2)]


def test_journald_kubernetes_and_kubectl_prefixes_are_taken_off_every_line():
    body = [
        "[2026-11-29 10:22:33,063: ERROR/ForkPoolWorker-1] Task proj.add[1] raised unexpected: x",
        "Traceback (most recent call last):",
        '  File "/app/celery/app/trace.py", line 451, in trace_task',
        "    R = retval = fun(*args, **kwargs)",
        "celery.exceptions.NotRegistered: 'proj.tasks.add'",
    ]
    for prefix in (
        "Nov 29 10:22:33 web1 celery[1234]: ",
        "2026-11-29T10:22:33.063123456Z stderr F ",
        "[pod/worker-5d9f7-abc/celery] ",
        "Nov 29 10:22:33.063123 web1 celery[1234]: ",  # journalctl -o short-precise
        "2026-11-29T10:22:33+0000 web1 celery[1234]: ",  # journalctl -o short-iso
        "2026-11-29T10:22:33.063123+00:00 app[worker.1]: ",  # heroku logs
        "2026-11-29T10:22:33.063123456Z ",  # docker logs -t, kubectl logs --timestamps
        "worker-1  | 2026-11-29T10:22:33.063123456Z ",  # docker compose logs -t
    ):
        parsed = parse_paste("\n".join(prefix + line for line in body))
        assert parsed.lines[:5] == body, prefix
        assert parsed.exceptions[-1].frames == ["/app/celery/app/trace.py:451 in trace_task"]
    # a line that only looks similar keeps its words
    assert parse_paste("Note: 10 workers: all idle").lines[0] == "Note: 10 workers: all idle"


WORKER_COMMANDS = {
    # compose `command:` as a block list, a flow list, a `sh -c` string folded over lines
    "compose-list": (
        "services:\n  worker:\n    image: app\n    command:\n      - celery\n      - -A\n"
        "      - proj\n      - worker\n      - -Q\n      - a,b\n      - --concurrency=3\n",
        4,
    ),
    "compose-flow": (
        'services:\n  worker:\n    command: ["celery", "-A", "proj", "worker", "-Q", "a,b", '
        '"-c", "3"]\n',
        3,
    ),
    "compose-sh-c": (
        'services:\n  worker:\n    command: >\n      sh -c "python manage.py migrate &&\n'
        '      celery -A proj worker -Q a,b -c 3"\n',
        3,
    ),
    # Kubernetes: the script of `sh -c` in args, folded over two lines
    "k8s-args": (
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        '        - name: w\n          command: ["/bin/sh", "-c"]\n          args:\n'
        "            - >-\n              exec celery -A proj worker\n              -Q a,b -c 3\n",
        8,
    ),
    # a start script: `exec` and backslash-continued options
    "script": (
        "#!/bin/bash\nset -e\nexec celery -A proj worker \\\n    -Q a,b \\\n"
        "    --concurrency 3 \\\n    --loglevel INFO\n",
        3,
    ),
    "dockerfile": (
        'FROM python:3.12\nCMD ["celery", "-A", "proj", "worker", "-Q", "a,b", "-c", "3"]\n',
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(WORKER_COMMANDS))
def test_worker_command_is_found_once_whole_at_its_line(name):
    paste, line = WORKER_COMMANDS[name]
    commands = parse_paste(paste).worker_commands
    assert [(c.line, c.app, c.queues, c.concurrency) for c in commands] == [
        (line, "proj", ["a", "b"], 3)
    ]

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


# -- tracebacks written through Celery's own logger (issue 10) ---------------------------
# With `worker_redirect_stdouts` (the default) a traceback printed to stdout/stderr is
# logged record by record, each record carrying `worker_log_format`'s prefix
# (`[%(asctime)s: %(levelname)s/%(processName)s] `, celery/app/defaults.py).


def test_celery_prefixed_traceback_keeps_its_frames_and_exception_line():
    # the shape of celery/app/log.py's LoggingProxy under traceback.print_exc (Celery 5.7,
    # Python 3.11): the frame is one record, its source line goes unprefixed
    paste = (
        "[2026-11-29 10:22:33,120: INFO/MainProcess] Task proj.tasks.run[1f2e] received\n"
        "[2026-11-29 10:22:33,123: WARNING/MainProcess] Traceback (most recent call last):\n"
        '[2026-11-29 10:22:33,123: WARNING/MainProcess]   File "/app/tasks.py", line 3, in run\n'
        "    connect()\n"
        "[2026-11-29 10:22:33,124: WARNING/MainProcess] OSError: [Errno 111] Connection refused\n"
    )
    parsed = parse_paste(paste)
    [fact] = parsed.exceptions
    assert (fact.type, fact.message, fact.line) == ("OSError", "[Errno 111] Connection refused", 5)
    assert fact.form == "traceback" and fact.frames == ["/app/tasks.py:3 in run"]
    assert parsed.lines[1] == "Traceback (most recent call last):"
    assert parsed.lines[0].startswith("[2026-11-29 10:22:33,120: INFO/MainProcess] Task")
    assert any(ll.text.startswith("OSError: [Errno 111]") for ll in parsed.logical)


def test_celery_task_log_format_prefix_is_read_too():
    # `worker_task_log_format`: `... %(task_name)s[%(task_id)s]: ` after the bracket
    prefix = "[2026-11-29 10:22:33,123: WARNING/ForkPoolWorker-2] proj.tasks.x[0a1b-2c3d]: "
    paste = (
        f"{prefix}Traceback (most recent call last):\n"
        f'{prefix}  File "/app/proj/tasks.py", line 9, in x\n'
        "    return cache.get(key)\n"
        f"{prefix}redis.exceptions.ConnectionError: Error 111 connecting to redis:6379.\n"
    )
    [fact] = parse_paste(paste).exceptions
    assert fact.type == "redis.exceptions.ConnectionError"
    assert fact.frames == ["/app/proj/tasks.py:9 in x"]


def test_celery_prefixed_uncaught_exception_in_pieces_behind_compose():
    # Python's excepthook writes an uncaught exception's last line in pieces, each its
    # own record. Lines from maciej-gol/tenant-schemas-celery#161 (Python 3.12), behind a
    # docker-compose prefix as in kai3341/celery-pool-asyncio#37
    lines = [
        '  File "/home/admin1/env/apexodr_backend/lib/python3.12/site-packages/django/db/'
        'backends/utils.py", line 105, in _execute',
        "    ",
        "return self.cursor.execute(sql, params)",
        " ",
        "psycopg2.errors",
        ".",
        "ForeignKeyViolation",
        ": ",
        'insert or update on table "django_celery_beat_periodictask" violates foreign key '
        'constraint "django_celery_beat_p_clocked_id_47a69f82_fk_django_ce"',
    ]
    paste = "".join(
        f"beat_1  | [2025-07-11 22:14:06,12{n // 5}: WARNING/MainProcess] {body}\n"
        for n, body in enumerate(lines)
    )
    paste += 'beat_1  | DETAIL:  Key (clocked_id)=(7) is not present in table "x".\n'
    parsed = parse_paste(paste)
    [fact] = [f for f in parsed.exceptions if f.form == "traceback"]
    assert fact.type == "psycopg2.errors.ForeignKeyViolation"
    assert fact.message.startswith('insert or update on table "django_celery_beat_periodictask"')
    assert fact.line == 9 and fact.frames[0].endswith("backends/utils.py:105 in _execute")
    assert parsed.lines[2] == "    return self.cursor.execute(sql, params)"


def test_celery_prefixed_traceback_in_a_custom_format_with_stripped_frames():
    # celery/celery#4871 (Celery 4, which stripped each record: frames lose their indent);
    # `worker_log_format` there added ` Line: %(lineno)d`; the last line is the report's title
    prefix = "[2018-07-01 22:57:48,831: WARNING/ForkPoolWorker-12 Line: 235] "
    paste = (
        f"{prefix}--- Logging error ---\n"
        f"{prefix}Traceback (most recent call last):\n"
        f'{prefix}File "/usr/local/python3/lib/python3.6/logging/__init__.py", line 992, in emit\n'
        "    msg = self.format(record)\n"
        f'{prefix}File "/usr/local/python3/lib/python3.6/site-packages/celery/app/log.py", '
        "line 46, in format\n"
        "    return ColorFormatter.format(self, record)\n"
        f"{prefix}TypeError: not enough arguments for format string\n"
    )
    parsed = parse_paste(paste)
    [fact] = parsed.exceptions
    assert (fact.type, fact.form, len(fact.frames)) == ("TypeError", "traceback", 2)
    assert parsed.lines[0] == f"{prefix}--- Logging error ---"  # not part of the traceback


def test_ordinary_celery_log_lines_keep_their_prefix():
    paste = (
        "[2026-11-29 10:22:33,123: ERROR/MainProcess] consumer: Cannot connect to "
        "amqp://guest:**@127.0.0.1:5672//: [Errno 111] Connection refused.\n"
        "[2026-11-29 10:22:35,123: ERROR/MainProcess] consumer: Cannot connect to "
        "amqp://guest:**@127.0.0.1:5672//: [Errno 111] Connection refused.\n"
        "[2026-11-29 10:22:36,000: WARNING/MainProcess] ValueError: not a traceback\n"
    )
    parsed = parse_paste(paste)
    assert parsed.lines[:3] == paste.splitlines()
    assert [log.level for log in parsed.log_lines] == ["error", "error", "warning"]


def test_a_traceback_cut_before_its_exception_line_keeps_the_prefix():
    prefix = "[2023-04-15 16:12:17,491: WARNING/ForkPoolWorker-4] "  # kreneskyp/ix#8's shape
    paste = (
        f'{prefix}  File "/usr/local/lib/python3.11/site-packages/celery/bin/celery.py", '
        "line 217, in main\n"
        '    return celery(auto_envvar_prefix="CELERY")\n'
        f"{prefix}hello from the task\n"
    )
    assert parse_paste(paste).lines[:3] == paste.splitlines()


def test_a_run_mixing_two_prefixes_is_not_merged_into_one_traceback():
    main = "[2026-11-29 10:22:33,123: WARNING/MainProcess] "
    child = "[2026-11-29 10:22:33,124: WARNING/ForkPoolWorker-1] "
    paste = (
        f"{main}Traceback (most recent call last):\n"
        f'{main}  File "/app/main.py", line 1, in start\n'
        f'{child}  File "/app/child.py", line 2, in run\n'
        f"{child}ValueError: bad\n"
    )
    parsed = parse_paste(paste)
    [fact] = parsed.exceptions
    assert fact.frames == ["/app/child.py:2 in run"]  # the parent's frame is not glued on
    assert parsed.lines[:2] == paste.splitlines()[:2]  # its prefix stays (no exception line)

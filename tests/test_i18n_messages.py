"""A Korean reader gets Korean for the messages that are not findings: probe failures, the
runner's timeouts, refused pastes, parser notices, check titles, the delete-token message.

The probe tests talk to real sockets on loopback (a closed port, a peer that is not a
broker); nothing here measures time.
"""

from __future__ import annotations

import re
import threading

import pytest

from diagnostics.checks import CheckRequest, prepare_plan
from diagnostics.checks.connection import check_amqp_connection
from diagnostics.checks.results import ERROR, FAIL
from diagnostics.checks.runner import CheckUnit, run_units
from diagnostics.present import check_title, notice_text, present_check_result, present_diagnosis
from tests.hlc_support import closed_port, run_cli
from tests.test_allowlist import Listener

KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}


def _connection_results(port: int, settings) -> list[dict]:
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    plan = prepare_plan(CheckRequest(f"amqp://guest:guest@127.0.0.1:{port}//", timeout=10))
    unit = CheckUnit("connection", "Reachability and handshake", check_amqp_connection, timeout=8)
    return run_units(plan, [unit])


def test_a_refused_connection_reads_in_korean(settings):
    [result] = _connection_results(closed_port(), settings)
    assert (result["status"], result["outcome"]) == (FAIL, "probe.refused")
    korean = present_check_result(result, kb=None, lang="ko")
    assert korean["message"] == f"127.0.0.1:{result['evidence']['port']}가 연결을 거부했다" + (
        "(그 포트에서 기다리는 프로그램이 없다)"
    )
    assert korean["title"] == f"127.0.0.1:{result['evidence']['port']}에 연결"
    english = present_check_result(result, kb=None, lang="en")
    assert english["message"].startswith("connection refused by 127.0.0.1:")
    assert english["title"].startswith("Connect to 127.0.0.1:")


def test_a_peer_that_is_not_a_broker_reads_in_korean_on_the_run_page(client, settings, db):
    from diagnostics.models import CheckRun

    peer = Listener("127.0.0.1")  # answers as an HTTP server would
    try:
        [result] = _connection_results(peer.port, settings)
    finally:
        peer.close()
    assert (result["status"], result["outcome"]) == (FAIL, "probe.not-amqp")
    run = CheckRun.objects.create(status="done", target="amqp://h/", results=[result])
    page = client.get(f"/checks/{run.id}/", **KOREAN).content.decode()
    assert f"127.0.0.1의 포트 {peer.port}가 응답했지만 AMQP 브로커의 응답이 아니다" in page
    assert "answered, but not as an AMQP broker" not in page
    assert "에 연결</strong>" in page and "Connect to" not in page
    data = client.get(f"/api/checks/{run.id}?lang=ko").json()
    assert "AMQP 브로커의 응답이 아니다" in data["results"][0]["message"]
    assert data["results"][0]["outcome"] == "probe.not-amqp"  # the machine key stays


def test_the_runners_timeouts_read_in_korean(settings):
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    release = threading.Event()

    def stuck(ctx, emit):
        release.wait(30)

    plan = prepare_plan(CheckRequest("amqp://g:g@127.0.0.1//", timeout=10))
    try:
        results = run_units(plan, [CheckUnit("stuck", "Queues", stuck, timeout=0.2)])
    finally:
        release.set()
    [timed_out] = results
    assert (timed_out["status"], timed_out["outcome"]) == (ERROR, "runner.timeout")
    korean = present_check_result(timed_out, kb=None, lang="ko")
    assert korean["message"] == "0.2초 뒤 시간 초과(이 점검의 제한 시간이 다 됐다)"
    assert korean["title"] == "큐"
    assert "timed out" in present_check_result(timed_out, kb=None, lang="en")["message"]
    not_run = {
        "check": "latency",
        "title": "Round-trip latency",
        "status": "skipped",
        "outcome": "runner.not-run",
        "message": "not run: the whole run's 15 s timeout ran out during check 'queues'",
        "evidence": {"ran_out_during": "queues", "total_s": "15"},
    }
    korean = present_check_result(not_run, kb=None, lang="ko")
    assert korean["message"] == (
        "실행하지 않음: 점검 'queues' 도중 전체 실행 제한 시간 15초가 다 됐다"
    )
    assert korean["title"] == "왕복 지연 시간"


@pytest.mark.django_db
def test_a_refused_paste_reads_in_korean_on_the_page_and_in_the_api(client):
    binary = "\x01\x02\x03\x04 not text " * 200
    page = client.post("/diagnose/", {"text": binary}, **KOREAN)
    html = page.content.decode()
    assert page.status_code == 400
    assert "붙여 넣은 내용이 텍스트가 아니라 바이너리 데이터로 보인다." in html
    assert "looks like binary data" not in html
    english = client.post("/diagnose/", {"text": binary}).content.decode()
    assert "The paste looks like binary data, not text." in english
    api = client.post(
        "/api/diagnose", {"text": binary, "lang": "ko"}, content_type="application/json"
    )
    assert api.json()["error"] == "붙여 넣은 내용이 텍스트가 아니라 바이너리 데이터로 보인다."
    blank = client.post("/diagnose/", {"text": ""}, **KOREAN).content.decode()
    assert "진단할 텍스트를 붙여 넣는다." in blank and "Paste some text" not in blank


def test_every_paste_refusal_has_korean_words():
    refusals = [
        "The paste is 2,000,000 bytes; the limit is 1,048,576 bytes. Paste the error and "
        "the lines around it.",
        "The paste looks like binary data, not text.",
        "The paste is not valid UTF-8 (byte 17).",
        "The paste is empty.",
        "The paste must be text.",
        "The paste is nested too deeply to analyse.",
        "The YAML at line 3 is nested more than 100 levels deep; such input is not analysed. "
        "Paste the manifest without the deep part.",
    ]
    for text in refusals:
        korean = notice_text(text, "ko")
        assert korean != text and "paste" not in korean.lower(), text
        assert notice_text(text, "en") == text


@pytest.mark.django_db
def test_parser_notices_read_in_korean(client):
    alias = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &a celery\ndata:\n  q: *a\n"
    page = client.post("/diagnose/", {"text": alias}, **KOREAN).content.decode()
    assert "YAML 별칭(*a)은 받지 않는다: 6번째 줄" in page
    assert "are refused" not in page
    nested = "broker_url = 'amqp://x'\ntask_routes = " + "[" * 120 + "]" * 120 + "\n"
    page = client.post("/diagnose/", {"text": nested}, **KOREAN).content.decode()
    assert "1번째 줄: 100단계보다 깊이 중첩된 파이썬 코드는 분석하지 않는다" in page
    # a saved report keeps its English notices; they are worded at read time
    stored = {
        "matches": [],
        "findings": [],
        "notices": [
            "The analysis stopped after 2 seconds (at: rules); the answer below covers what "
            "was analysed until then. Paste only the error and the lines around it for a "
            "complete analysis.",
            "The paste has 20,000 lines: the first 4,000 and the last 8,000 were analysed, "
            "8,000 in between were not.",
        ],
    }
    notices = present_diagnosis(stored, kb=None, lang="ko")["notices"]
    assert notices[0].startswith("분석이 2초 뒤(rules 단계에서) 멈췄다.")
    assert notices[1].startswith("붙여 넣은 내용은 20,000줄이다.")
    assert present_diagnosis(stored, kb=None, lang="en")["notices"] == stored["notices"]


def test_every_check_title_has_korean_words():
    from diagnostics.checks.rabbitmq4 import TITLES
    from diagnostics.checks.registry import AMQP_UNITS, REDIS_UNITS

    titles = {unit.title for unit in [*AMQP_UNITS, *REDIS_UNITS]}
    titles |= {title for title, _since in TITLES.values()}
    titles |= {
        "Connect to rabbit:5672",
        "Queue 'orders'",
        "Queue 'orders': app declaration vs broker",
        "Queue 'orders': dead-letter exchange",
        "Queue 'orders': consumers",
        "Queue 'orders': workers",
        "Queue 'orders': priorities",
        "Worker celery@a: queue mix",
    }
    for title in titles:
        korean = check_title(title, "ko")
        assert korean != title or title.startswith("x-queue-version"), title
        assert check_title(title, "en") == title
    assert check_title("Queue 'orders': consumers", "ko") == "큐 'orders': 소비자"


@pytest.mark.django_db
def test_the_delete_token_message_reads_in_korean(client):
    data = client.post(
        "/api/diagnose", {"text": "hello world", "save": True}, content_type="application/json"
    ).json()
    wrong = client.post(f"{data['report_url']}delete", {"token": "wrong"}, **KOREAN)
    html = wrong.content.decode()
    assert wrong.status_code == 403
    assert "삭제 토큰이 이 보고서와 맞지 않는다." in html and "does not match" not in html


@pytest.mark.django_db
def test_a_refused_live_check_reads_in_korean_on_the_form(client, settings):
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    response = client.post("/checks/", {"broker_url": "amqp://u:p@192.0.2.7//"}, **KOREAN)
    html = response.content.decode()
    assert response.status_code == 400
    assert "호스트 192.0.2.7은 KB_BROKER_ALLOWED_HOSTS에 없다." in html
    assert "is not in KB_BROKER_ALLOWED_HOSTS" not in html
    english = client.post("/checks/", {"broker_url": "amqp://u:p@192.0.2.7//"})
    assert "host 192.0.2.7 is not in KB_BROKER_ALLOWED_HOSTS" in english.content.decode()


def test_check_broker_speaks_korean_when_asked():
    process = run_cli(
        "amqp://u:p@192.0.2.7//", "--lang", "ko", env={"KB_BROKER_ALLOWED_HOSTS": "10.0.0.0/8"}
    )
    assert process.returncode == 2
    assert "호스트 192.0.2.7은 KB_BROKER_ALLOWED_HOSTS에 없다." in process.stderr
    port = closed_port()
    process = run_cli(
        f"amqp://guest:guest@127.0.0.1:{port}//",
        "--lang",
        "ko",
        env={"KB_BROKER_ALLOWED_HOSTS": "127.0.0.0/8"},
    )
    assert "점검 중 (제한 시간" in process.stdout and "Checking" not in process.stdout
    assert f"127.0.0.1:{port}에 연결: 127.0.0.1:{port}가 연결을 거부했다" in process.stdout
    assert "connection refused" not in process.stdout


def test_a_name_that_does_not_resolve_reads_in_korean():
    result = {
        "check": "connection",
        "title": "Connect to no-such-host.invalid:5672",
        "status": "fail",
        "outcome": "probe.dns",
        "message": "DNS lookup of 'no-such-host.invalid' failed: Name or service not known",
        "evidence": {
            "error": "DNS lookup of 'no-such-host.invalid' failed: Name or service not known"
        },
    }
    korean = present_check_result(result, kb=None, lang="ko")
    assert korean["message"] == (
        "DNS에서 'no-such-host.invalid'을 찾지 못했다: Name or service not known"
    )
    assert korean["evidence"] == result["evidence"]  # the stored evidence is not reworded
    assert present_check_result(result, kb=None, lang="en")["message"] == result["message"]


@pytest.mark.django_db
def test_a_run_that_never_finished_says_so_in_korean(client):
    from diagnostics.models import CheckRun

    run = CheckRun.objects.create(
        status="error",
        target="amqp://h/",
        error="the run never finished: no worker picked it up (is the Celery worker or web "
        "process up?)",
    )
    page = client.get(f"/checks/{run.id}/", **KOREAN).content.decode()
    assert "실행이 끝나지 않았다: 실행을 맡은 워커가 없다" in page
    assert "never finished" not in page
    assert '<strong class="run-status" id="run-status">오류</strong>' in page
    assert client.get(f"/api/checks/{run.id}").json()["error"] == run.error


def test_korean_words_use_only_the_evidence_the_english_ones_use():
    """A placeholder only the Korean names would stay unfilled for a Korean reader."""
    from diagnostics.present import NOTICE_SHAPES_KO, OUTCOMES, PLACEHOLDER, TITLE_SHAPES_KO

    for key, texts in OUTCOMES.items():
        english = set(PLACEHOLDER.findall(texts["en"]))
        assert set(PLACEHOLDER.findall(texts["ko"])) == english, key
    for shape, korean in (*TITLE_SHAPES_KO, *NOTICE_SHAPES_KO):  # every group is said
        groups = {int(n) for n in re.findall(r"\\(\d)", korean)}
        assert groups == set(range(1, shape.groups + 1)), shape.pattern

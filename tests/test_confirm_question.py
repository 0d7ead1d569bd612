"""Each entry's `confirm` question: validated at build, filled with the reader's names, shown
beside every match of a diagnosis in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.build import FIXTURE_POLICY, Policy, load_content
from kb.render import inline_html
from tests.kb_fixtures import copy_fixture_content

QOS_LINE = (
    "amqp.exceptions.AMQPNotImplementedError: Basic.consume: (540) NOT_IMPLEMENTED - queue "
    "'orders.fast' in vhost 'shop' does not support global qos"
)


@pytest.fixture
def content(tmp_path) -> Path:
    return copy_fixture_content(tmp_path)


def with_confirm(content: Path, confirm: str) -> None:
    path = content / "entries" / "quorum-qos.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("tags:", f"{confirm}\ntags:", 1), encoding="utf-8")


def errors(content: Path, policy: Policy = FIXTURE_POLICY) -> list[str]:
    return [str(e) for e in load_content(content, policy).errors]


def test_inline_html_escapes_marks_code_and_fills_facts_before_defaults():
    html = inline_html(
        "Does `list_queues` show {{queue}} in {{vhost}} <script>?",
        {"queue": "orders<b>"},
        {"queue": "reports", "vhost": "/"},
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<code>list_queues</code>" in html
    # the reader's name is a fact (escaped), the missing one the entry's example value
    assert re.search(r'<span class="kb-fact"[^>]*>orders&lt;b&gt;</span>', html)
    assert re.search(r'<span class="kb-default"[^>]*>/</span>', html)


def test_a_confirm_question_is_checked_at_build(content):
    with_confirm(
        content, 'confirm: {en: "Is {{queue}} a quorum queue?", ko: "{{queue}}가 쿼럼 큐인가?"}'
    )
    assert errors(content) == []
    # a placeholder that is not among the entry's defaults would show as raw braces
    with_confirm(content, 'confirm: {en: "Is {{exchange}} bound?", ko: "바인딩?"}')
    assert any("confirm.en uses ['exchange']" in m for m in errors(content))


@pytest.mark.parametrize(
    ("confirm", "message"),
    [
        ('confirm: {en: "Is it?"}', "'confirm' must be a mapping with a string for each of en, ko"),
        ('confirm: "Is it?"', "'confirm' must be a mapping with a string for each of en, ko"),
        # a key YAML reads as a number: a clear error, not a crash comparing the keys
        ('confirm: {en: "Is it?", 1: "?"}', "'confirm' must be a mapping with a string for each"),
        ('confirm: {en: "", ko: "?"}', "confirm.en must be a non-empty string"),
        (f'confirm: {{en: "{"x" * 241}", ko: "?"}}', "confirm.en is 241 characters (at most 240)"),
    ],
)
def test_a_malformed_confirm_question_is_an_error_with_its_line(content, confirm, message):
    with_confirm(content, confirm)
    found = [m for m in errors(content) if message in m]
    assert found and found[0].startswith("content/entries/quorum-qos.md:"), errors(content)


def test_the_site_policy_requires_a_confirm_question(content):
    policy = Policy(code_references=False)
    assert any(
        m.startswith("content/entries/quorum-qos.md:") and "needs 'confirm:" in m
        for m in errors(content, policy)
    )
    with_confirm(content, 'confirm: {en: "Is {{queue}} a quorum queue?", ko: "쿼럼 큐인가?"}')
    assert not any(
        m.startswith("content/entries/quorum-qos.md:") and "needs 'confirm:" in m
        for m in errors(content, policy)
    )


def confirm_paragraphs(page: str) -> list[str]:
    return re.findall(r'<p class="confirm">(.*?)</p>', page, re.S)


@pytest.mark.django_db
def test_every_match_of_a_diagnosis_carries_its_question_with_the_readers_names(client):
    from kb.index import get_kb

    kb = get_kb()
    page = client.post("/diagnose/", {"text": QOS_LINE}).content.decode()
    slugs = re.findall(r'<article class="match">\s*<h3><a href="/kb/([\w-]+)/"', page)
    paragraphs = confirm_paragraphs(page)
    assert slugs and len(paragraphs) == len(slugs)
    first = kb.resolve(slugs[0])
    assert first.slug == "quorum-queue-global-qos"
    # the question's own words, and the queue named in the paste where it names the queue
    words = re.sub(r"`|\{\{\s*\w+\s*\}\}", "", first.confirm["en"]).split()[:3]
    assert all(word.replace('"', "&quot;") in paragraphs[0] for word in words), paragraphs[0]
    if "{{queue}}" in first.confirm["en"]:
        assert re.search(r'<span class="kb-fact"[^>]*>orders\.fast</span>', paragraphs[0])


@pytest.mark.django_db
def test_a_korean_reader_gets_the_korean_question(client):
    from kb.index import get_kb

    entry = get_kb().resolve("quorum-queue-global-qos")
    korean = client.post(
        "/diagnose/", {"text": QOS_LINE}, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9"
    ).content.decode()
    english = client.post("/diagnose/", {"text": QOS_LINE}).content.decode()
    first_ko = confirm_paragraphs(korean)[0]
    first_en = confirm_paragraphs(english)[0]
    ko_word = next(w for w in entry.confirm["ko"].split() if re.fullmatch(r"[가-힣]+[?.,]?", w))
    assert ko_word in first_ko and ko_word not in first_en


@pytest.mark.django_db
def test_the_entry_page_asks_the_same_question_with_example_values(client):
    from kb.index import get_kb

    entry = get_kb().resolve("queue-without-consumer")
    page = client.get("/kb/queue-without-consumer/").content.decode()
    (paragraph,) = confirm_paragraphs(page)
    assert "<code>rabbitmqctl list_queues" in paragraph
    # no paste here: the queue is the entry's example value, marked as one
    assert re.search(r'<span class="kb-default"[^>]*>reports</span>', paragraph)
    korean = client.get("/kb/queue-without-consumer/?lang=ko").content.decode()
    ko_word = next(w for w in entry.confirm["ko"].split() if re.fullmatch(r"[가-힣]+[?.,]?", w))
    assert ko_word in confirm_paragraphs(korean)[0]


@pytest.mark.django_db
def test_the_cli_prints_each_matchs_question_as_plain_text(tmp_path, capsys):
    from django.core.management import call_command

    paste = tmp_path / "paste.txt"
    paste.write_text(QOS_LINE)
    with pytest.raises(SystemExit):
        call_command("diagnose", str(paste))
    checks = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  check: ")]
    assert checks and "orders.fast" in checks[0]
    assert "<" not in checks[0] and "&quot;" not in checks[0] and "&#x27;" not in checks[0]

"""The content build: validation errors with file:line, atomic and idempotent rebuilds."""

import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from diagnostics import validation
from kb.build import FIXTURE_POLICY, Policy, build_index, load_content
from kb.index import IndexUnavailable, get_kb
from tests.kb_fixtures import copy_fixture_content


@pytest.fixture
def content(tmp_path) -> Path:
    return copy_fixture_content(tmp_path)


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_fixture_content_builds_and_rebuild_is_idempotent(content, tmp_path):
    index = tmp_path / "index.sqlite3"
    first = build_index(content, index, FIXTURE_POLICY)
    assert first.written and not first.errors
    first_bytes = index.read_bytes()
    second = build_index(content, index, FIXTURE_POLICY)
    assert second.version == first.version
    assert index.read_bytes() == first_bytes


def test_broken_file_keeps_previous_index_in_service(content, tmp_path):
    index = tmp_path / "index.sqlite3"
    good = build_index(content, index, FIXTURE_POLICY)
    write(content / "entries" / "broken.md", "---\ntitle: [unclosed\n---\n## Symptom\n")
    result = build_index(content, index, FIXTURE_POLICY)
    assert not result.written
    assert any(
        str(e).startswith("content/entries/broken.md:3: invalid YAML") for e in result.errors
    )
    version = (
        sqlite3.connect(index).execute("SELECT value FROM meta WHERE key='version'").fetchone()[0]
    )
    assert version == good.version


def test_missing_sections_and_keys_are_reported_with_lines(content):
    path = content / "entries" / "dlx-mismatch.md"
    text = (
        path.read_text()
        .replace("## Cause\nArguments differ.\n", "")
        .replace("title_ko:", "titel_ko:")
    )
    write(path, text)
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any("missing required section '## Cause'" in m for m in messages)
    assert any(
        "unknown key 'titel_ko'" in m and "content/entries/dlx-mismatch.md:4:" in m
        for m in messages
    )
    assert any("missing required key 'title_ko'" in m for m in messages)


def test_duplicate_alias_unknown_related_and_bad_regex(content):
    path = content / "entries" / "dlx-mismatch.md"
    text = path.read_text()
    text = text.replace(
        "updated:", "aliases: [old-quorum-slug]\nrelated: [no-such-entry]\nupdated:"
    )
    text = text.replace('pattern: "x-dead-letter-routing-key"', 'pattern: "(?<=look)behind"')
    write(path, text)
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any("alias 'old-quorum-slug' is already used" in m for m in messages)
    assert any("related slug 'no-such-entry' does not exist" in m for m in messages)
    assert any("does not compile in RE2" in m for m in messages)


def test_link_to_unknown_slug_and_placeholder_without_default(content):
    path = content / "entries" / "sync-subtask.md"
    write(
        path,
        path.read_text().replace("Use a chain.", "Use a chain for {{task}}; see [x](/kb/nope/)."),
    )
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any("link to unknown slug 'nope'" in m for m in messages)
    assert any("placeholder {{task}} has no value in 'defaults'" in m for m in messages)


def test_heading_without_ascii_needs_explicit_id(content):
    path = content / "entries" / "cold-start.md"
    write(path, path.read_text().replace("## 배경 {#warmup-background}", "## 배경 설명"))
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any("needs an explicit ASCII id" in m for m in messages)


def test_kb_build_command_check_fails_with_file_line(content, capsys):
    write(content / "entries" / "Bad_Name.md", "no front matter")
    with pytest.raises(CommandError):
        call_command("kb_build", "--check", "--content", str(content))
    err = capsys.readouterr().err
    assert "content/entries/Bad_Name.md:1: cannot read" in err


def test_real_content_passes_the_check():
    """The shipped content/ must always build (make test runs the same check)."""
    from django.conf import settings

    result = load_content(Path(settings.KB_CONTENT_DIR))
    assert [str(e) for e in result.errors] == []


def test_korean_body_is_validated_like_the_english_one(content):
    korean = content / "entries" / "quorum-qos.ko.md"
    write(
        korean,
        korean.read_text()
        .replace("## 원인\n", "## 다른 제목 {#other}\n")
        .replace("{{queue}}", "{{task}}"),
    )
    write(content / "entries" / "orphan.ko.md", "## 증상\nx\n")
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any(
        m.startswith("content/entries/quorum-qos.ko.md:") and "'## Cause'" in m for m in messages
    )
    assert any("quorum-qos.ko.md" in m and "placeholder {{task}}" in m for m in messages)
    assert any(
        m.startswith("content/entries/orphan.ko.md:1: Korean body without") for m in messages
    )


def test_korean_body_must_keep_every_anchor(content):
    korean = content / "entries" / "quorum-qos.ko.md"
    text = korean.read_text().replace("{#celery-5-5-and-later}", "{#extra-korean}")
    write(korean, text)
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any(
        "quorum-qos.ko.md:1: anchors differ" in m
        and "missing ['celery-5-5-and-later']" in m
        and "extra ['extra-korean']" in m
        for m in messages
    ), messages


def test_a_failing_example_fails_every_build_and_keeps_the_index(content, tmp_path):
    index = tmp_path / "index.sqlite3"
    good = build_index(content, index, FIXTURE_POLICY)
    path = content / "entries" / "dlx-mismatch.md"
    write(
        path,
        path.read_text().replace(
            '  - "does not support global qos"', '  - "x-dead-letter-routing-key"'
        ),
    )
    result = build_index(content, index, FIXTURE_POLICY)
    assert not result.written
    assert [str(e) for e in result.errors] == [
        "content/entries/dlx-mismatch.md:17: counter-example 1 ranks dlx-mismatch first"
    ]
    assert sqlite3.connect(index).execute("SELECT value FROM meta").fetchone()[0] == good.version


def test_a_signature_matching_the_empty_string_fails_the_build(content):
    path = content / "entries" / "dlx-mismatch.md"
    write(path, path.read_text().replace('pattern: "x-dead-letter-routing-key"', 'pattern: "x*"'))
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert messages == [
        "content/entries/dlx-mismatch.md:13: signature 2: pattern matches the empty string, "
        "so it would match every paste: 'x*'"
    ]


def test_every_entry_must_be_complete_under_the_site_policy(content):
    policy = Policy(code_references=False)  # the fixture KB is not what the code names
    messages = [str(e) for e in load_content(content, policy).errors]
    assert "content/entries/dlx-mismatch.md:15: needs at least 3 examples" in messages
    assert "content/entries/dlx-mismatch.md:2: needs a '## References' section" in messages
    assert "content/entries/dlx-mismatch.md:4: needs a Korean body (dlx-mismatch.ko.md)" in messages
    assert not any(m.startswith("content/guides/") for m in messages)  # guides are not entries


def test_foreign_keywords_must_be_written_in_their_language(content):
    path = content / "entries" / "dlx-mismatch.md"
    text = path.read_text().replace(
        "keywords_ko: [큐 인자, 불일치]\n",
        "keywords_ko: [큐 인자, 불일치]\nkeywords_zh: [队列参数]\nkeywords_ru: [аргументы, prefetch]\n",
    )
    write(path, text)
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert messages == [
        "content/entries/dlx-mismatch.md:8: keywords_ru term 'prefetch' has no ru letters"
    ]
    write(path, text.replace(", prefetch]", "]"))
    entry = next(
        e for e in load_content(content, FIXTURE_POLICY).entries if e.slug == "dlx-mismatch"
    )
    assert entry.keywords_zh == ["队列参数"] and entry.keywords_ru == ["аргументы"]


def test_rules_need_their_message_in_both_languages_with_declared_placeholders():
    from django.conf import settings

    entries = load_content(Path(settings.KB_CONTENT_DIR)).entries
    assert validation.rule_message_errors(entries) == []
    ack = next(e for e in entries if e.slug == "delivery-ack-timeout")
    del ack.messages["countdown-over-consumer-timeout"]
    ack.messages["acks-late-over-consumer-timeout"]["ko"] += " {{queue}}"
    messages = [str(e) for e in validation.rule_message_errors(entries)]
    line = ack.key_lines["messages"]
    assert messages == [
        f"{ack.path}:{line}: no message for rule 'countdown-over-consumer-timeout'",
        f"{ack.path}:{line}: messages.acks-late-over-consumer-timeout.ko uses ['queue'], "
        "not evidence of the rule",
    ]


def test_slugs_named_by_code_templates_and_corpora_must_exist(tmp_path):
    (tmp_path / "diagnostics").mkdir()
    write(
        tmp_path / "diagnostics" / "x.py",
        'GONE_ENTRY = "gone-entry"\nresult(entry="other-gone")\nENTRY_BY_KIND = {"a": "third"}\n',
    )
    (tmp_path / "templates").mkdir()
    write(tmp_path / "templates" / "t.html", '<a href="/kb/template-gone/">x</a>\n')
    (tmp_path / "tests" / "corpus" / "corpus-gone").mkdir(parents=True)
    (tmp_path / "tests" / "corpus" / "_none").mkdir()
    errors = [str(e) for e in validation.referenced_slug_errors([], tmp_path)]
    assert errors == [
        "diagnostics/x.py:1: names entry 'gone-entry', which does not exist",
        "diagnostics/x.py:2: names entry 'other-gone', which does not exist",
        "diagnostics/x.py:3: names entry 'third', which does not exist",
        "templates/t.html:1: names entry 'template-gone', which does not exist",
        "tests/corpus/corpus-gone:1: names entry 'corpus-gone', which does not exist",
    ]


def test_the_real_code_names_only_existing_entries():
    from django.conf import settings

    root = Path(settings.KB_CONTENT_DIR).parent
    entries = load_content(Path(settings.KB_CONTENT_DIR)).entries
    named = {slug for _, _, slug in validation.referenced_slugs(root)}
    assert {"broker-connection-refused", "queue-not-found", "delivery-ack-timeout"} <= named
    assert validation.referenced_slug_errors(entries, root) == []


@pytest.mark.django_db
def test_a_missing_index_is_a_clear_503_never_a_build_inside_the_request(
    client, settings, tmp_path
):
    settings.KB_INDEX_PATH = tmp_path / "absent.sqlite3"
    with pytest.raises(IndexUnavailable, match="manage.py kb_build"):
        get_kb()
    response = client.get("/kb/")
    assert response.status_code == 503 and b"kb_build" in response.content
    assert not (tmp_path / "absent.sqlite3").exists()


def test_symptom_phrases_are_validated_and_reach_the_signal_index(content, tmp_path):
    path = content / "entries" / "dlx-mismatch.md"
    original = path.read_text()
    phrase = "workers refuse to start after someone edited the queue by hand"
    write(path, original.replace("tags:", f'symptoms: ["{phrase}"]\ntags:', 1))
    index = tmp_path / "index.sqlite3"
    assert build_index(content, index, FIXTURE_POLICY).written
    (text,) = (
        sqlite3.connect(index)
        .execute("SELECT text FROM signal_fts WHERE slug = 'dlx-mismatch'")
        .fetchone()
    )
    assert "edited the queue by hand" in text
    # not a list, and a paragraph instead of a phrase, are errors with the file's line
    write(path, original.replace("tags:", "symptoms: workers refuse to start\ntags:", 1))
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any("'symptoms' must be a list of strings" in m for m in messages)
    write(path, original.replace("tags:", f'symptoms: ["{"x" * 101}"]\ntags:', 1))
    messages = [str(e) for e in load_content(content, FIXTURE_POLICY).errors]
    assert any("content/entries/dlx-mismatch.md:7: each of 'symptoms'" in m for m in messages)

"""Matcher and engine on hand-built entries (independent of content/)."""

from __future__ import annotations

import pytest

from diagnostics.engine import PasteError, diagnose
from diagnostics.matcher import compile_signature, get_matcher
from diagnostics.present import present_diagnosis, present_match
from diagnostics.validation import example_errors
from kb.index import KnowledgeBase
from kb.loader import Entry, Signature
from kb.render import placeholder_token

QOS_MESSAGE = "NOT_IMPLEMENTED - queue 'scan.vision' in vhost 'eco2' does not support global qos"


def make_entry(slug: str, signatures: list[Signature], **extra) -> Entry:
    fix = f"<p>Declare {placeholder_token('queue')} as quorum</p>"
    return Entry(
        slug=slug,
        title=slug.replace("-", " "),
        signatures=signatures,
        defaults={"queue": "my.queue"},
        section_templates=[{"id": "fix", "title": "Fix", "html": fix}],
        path=f"content/entries/{slug}.md",
        **extra,
    )


def make_kb(version: str = "test") -> KnowledgeBase:
    entries = [
        make_entry(
            "quorum-queue-global-qos",
            [
                Signature(
                    exception="AMQPNotImplementedError", message="does not support global qos"
                ),
                Signature(
                    pattern="NOT_IMPLEMENTED - queue '(?P<queue>[^']+)' in vhost "
                    "'(?P<vhost>[^']*)' does not support global qos"
                ),
                Signature(pattern="global qos", weight=0.3),
            ],
            examples=[f'AMQPNotImplementedError(540, "{QOS_MESSAGE}", (60, 20), "Basic.consume")'],
            counter_examples=[
                "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/'"
            ],
        ),
        make_entry(
            "queue-arguments-mismatch",
            [
                Signature(
                    pattern="inequivalent arg '(?P<argument>[^']+)' for queue '(?P<queue>[^']+)'"
                ),
                Signature(exception="amqp.exceptions.PreconditionFailed", weight=0.5),
            ],
            examples=[
                "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/'"
            ],
            counter_examples=[QOS_MESSAGE],
        ),
        make_entry(
            "tasks-run-twice", [Signature(pattern="tasks? (?:run|runs|ran) twice", weight=0.4)]
        ),
        make_entry("shared-a", [Signature(pattern="SHARED_ERROR_TEXT")]),
        make_entry("shared-b", [Signature(pattern="SHARED_ERROR_TEXT")]),
    ]
    return KnowledgeBase.from_entries(entries, version=version)


@pytest.fixture
def kb() -> KnowledgeBase:
    return make_kb()


def test_repr_exception_in_log_line_is_high_with_facts_and_filled_fix(kb):
    paste = (
        "[2026-11-20 10:01:02,345: CRITICAL/MainProcess] Unrecoverable error: "
        f"AMQPNotImplementedError(540, \"{QOS_MESSAGE}\", (60, 20), 'Basic.consume')"
    )
    result = diagnose(paste, kb=kb)
    assert result.confidence == "high"
    top = result.matches[0]
    assert top.slug == "quorum-queue-global-qos" and top.confidence == "high"
    assert top.facts["queue"] == "scan.vision" and top.facts["vhost"] == "eco2"
    fix = present_match(top.as_dict(), kb)["fix"]
    assert "scan.vision" in fix and "my.queue" not in fix
    assert {e["line"] for e in top.evidence} == {1}
    assert 0 < top.score <= 1


def test_exception_with_module_matches_signature_without_module(kb):
    paste = (
        'Traceback (most recent call last):\n  File "/app/x.py", line 3, in run\n'
        f"amqp.exceptions.AMQPNotImplementedError: Basic.consume: (540) {QOS_MESSAGE}"
    )
    assert diagnose(paste, kb=kb).matches[0].slug == "quorum-queue-global-qos"


def test_signature_module_must_match_when_both_name_one(kb):
    paste = (
        'Traceback (most recent call last):\n  File "/app/x.py", line 3, in run\n'
        "other.module.PreconditionFailed: something else"
    )
    slugs = [m.slug for m in diagnose(paste, kb=kb).matches]
    assert "queue-arguments-mismatch" not in slugs


def test_wrapped_and_coloured_error_text_is_found(kb):
    paste = (
        "\x1b[31mworker_1  | consumer error: NOT_IMPLEMENTED - queue 'q1' in vhost '/'\n"
        "worker_1  | does not support global qos\x1b[0m\n"
    )
    result = diagnose(paste, kb=kb)
    assert result.matches[0].slug == "quorum-queue-global-qos"
    assert result.matches[0].facts["queue"] == "q1"


def test_prose_only_is_high_only_at_the_trained_threshold(kb):
    """A weak prose signature alone is not `high` by itself: the learned model's
    probability must reach the trained threshold. On the real KB's labelled sets every
    `high` answer resting on a weak prose signature has been right (docs/ranking.md), so
    no structural gate holds it back; this checks the threshold is the one that decides."""
    from diagnostics.learned_rank import load_model

    model = load_model()
    for paste in (
        "after the deploy our tasks run twice sometimes",
        "our tasks run twice",
    ):
        result = diagnose(paste, kb=kb)
        top = result.matches[0]
        assert top.slug == "tasks-run-twice"
        expected = "possible"
        if model is not None and top.score >= model.threshold_for(top.slug):
            expected = "high"
        assert result.confidence == expected, (paste, top.score)


def test_strong_tie_between_entries_is_not_high(kb):
    result = diagnose("boom: SHARED_ERROR_TEXT", kb=kb)
    assert result.confidence == "possible"
    assert {m.slug for m in result.matches[:2]} == {"shared-a", "shared-b"}


# On the shipped KB, not the five-entry one above: the word model and the ranker are trained
# for the shipped entries, and with five of them "no entry fits" keeps only the share the
# missing entries leave it, so the closest title wins at `possible` for most unrelated lines
# (the twenty-first session's engine already answered "KeyError: 'foo' in my own code" so;
# the ValueError line was `none` there until the twenty-second session's word model, which
# gives it queue-arguments-mismatch at 0.44 with five entries and `none` with all of them)
@pytest.mark.parametrize(
    "text",
    ["ValueError: something entirely unrelated happened", "KeyError: 'foo' in my own code"],
)
def test_nothing_matching_is_none(shipped_kb, text):
    result = diagnose(text, kb=shipped_kb)
    assert result.confidence == "none" and result.matches == []
    assert result.as_dict()["confidence"] == "none"


def test_as_dict_holds_keys_and_evidence_and_the_presenter_adds_the_words(kb):
    data = diagnose(QOS_MESSAGE, kb=kb).as_dict()
    assert set(data) >= {"confidence", "matches", "findings", "search_results", "report_url"}
    match = data["matches"][0]
    assert set(match) == {"slug", "confidence", "score", "evidence", "facts"}
    assert set(match["evidence"][0]) == {"line", "text", "signature"}
    shown = present_diagnosis(data, kb=kb)["matches"][0]
    assert set(shown) == set(match) | {"title", "url", "fix", "check_url", "examples", "confirm"}
    # the fix's values the paste did not give are named: the QoS line gives the queue
    assert shown["examples"] == {}
    bare = present_match({"slug": "quorum-queue-global-qos", "facts": {}}, kb=kb)
    assert bare["examples"] == {"queue": "my.queue"}


@pytest.mark.parametrize("bad", ["", "   \n ", "a\x00b" * 10])
def test_bad_input_raises_paste_error(kb, bad):
    with pytest.raises(PasteError):
        diagnose(bad, kb=kb)


def test_oversized_paste_raises_paste_error(kb, settings):
    settings.KB_PASTE_MAX_BYTES = 1000
    with pytest.raises(PasteError, match="limit"):
        diagnose("x" * 2000, kb=kb)


def test_check_signature_reports_re2_errors_and_accepts_good_ones():
    assert compile_signature(Signature(pattern="(?P<q>[^']+) ok")) is None
    assert "RE2" in compile_signature(Signature(pattern="(a)\\1"))
    assert "RE2" in compile_signature(Signature(pattern="foo(?=bar)"))
    assert compile_signature(Signature(pattern="a*")) is not None  # matches everything
    assert compile_signature(Signature(exception="X", message="(unclosed")) is not None


def test_example_errors_pass_and_report_failures_by_file():
    assert example_errors(list(make_kb().entries.values())) == []
    kb = make_kb()
    kb.entries["queue-arguments-mismatch"].examples.append("tasks run twice")
    errors = [str(e) for e in example_errors(list(kb.entries.values()))]
    assert errors == [
        "content/entries/queue-arguments-mismatch.md:1: example 2 ranks tasks-run-twice first"
    ]


def test_matcher_is_cached_per_kb_version():
    kb = make_kb("v1")
    first = get_matcher(kb)
    assert get_matcher(kb) is first
    kb.version = "v2"
    assert get_matcher(kb) is not first


def _cites_signature(result) -> bool:
    return any(
        "exception" in e["signature"] or "vhost" in e["signature"]
        for m in result.matches
        for e in m.evidence
    )


def test_unless_vetoes_a_lookalike_line_and_exception():
    entries = [
        make_entry(
            "access-refused",
            [
                Signature(pattern="access to vhost '(?P<vhost>[^']*)' refused", unless="is down"),
                Signature(exception="WorkerLostError", unless="exitcode 0"),
            ],
        ),
    ]
    kb = KnowledgeBase.from_entries(entries, version="unless")
    refused = diagnose("INTERNAL_ERROR - access to vhost 'v' refused for user 'u'", kb=kb)
    assert refused.matches[0].slug == "access-refused" and refused.matches[0].facts["vhost"] == "v"
    down = diagnose(
        "INTERNAL_ERROR - access to vhost 'v' refused for user 'u': vhost 'v' is down", kb=kb
    )
    # the veto removes the signature's evidence; wording alone may still suggest the
    # entry (issue 10 ranking), but never at `high` and never citing the vetoed signature
    assert not _cites_signature(down) and down.confidence != "high"
    lost = "billiard.exceptions.WorkerLostError: Worker exited prematurely: exitcode 0."
    assert not _cites_signature(diagnose(lost, kb=kb))
    assert (
        diagnose(lost.replace("exitcode 0", "signal 9 (SIGKILL)"), kb=kb).matches[0].slug
        == "access-refused"
    )


def test_unless_must_compile_in_re2():
    assert "unless does not compile" in compile_signature(Signature(pattern="x", unless="(?<=a)b"))


def test_evidence_is_one_item_per_line_naming_every_signature():
    result = diagnose(QOS_MESSAGE, kb=make_kb("merge"))
    evidence = result.matches[0].evidence
    assert [e["line"] for e in evidence] == [1]
    assert "global qos" in evidence[0]["signature"].split(" · ")
    assert len(evidence[0]["signature"].split(" · ")) >= 2


def test_very_long_paste_is_analysed_head_and_tail_keeping_line_numbers():
    from diagnostics.engine import HEAD_LINES, MAX_ANALYSED_LINES

    lines = ["[10:00:00: INFO] tick"] * (MAX_ANALYSED_LINES + 5_000)
    lines[-4], lines[-3] = "", QOS_MESSAGE  # a blank line: no wrapped-line joining
    result = diagnose("\n".join(lines), kb=make_kb("long"))
    assert result.matches[0].slug == "quorum-queue-global-qos"
    assert result.matches[0].evidence[0]["line"] == len(lines) - 2
    assert any(
        f"the first {HEAD_LINES:,}" in notice and "5,000 in between" in notice
        for notice in result.notices
    )


def test_scanning_lines_with_the_sets_finds_the_same_hits(django_db_blocker, monkeypatch):
    """The matcher's two ways to find a candidate's lines (one set scan per line, or the
    candidate's regex on every line) give the same hits on every corpus and held-out paste."""
    from pathlib import Path

    from diagnostics.matcher import Matcher
    from diagnostics.parsers import parse_paste
    from kb.index import get_kb
    from tests.corpus_loader import load_corpus

    with django_db_blocker.unblock():
        matcher = get_matcher(get_kb())
    root = Path(__file__).resolve().parent

    def hits(factor: int, text: str) -> list:
        monkeypatch.setattr(Matcher, "LINE_SCAN_FACTOR", factor)
        found = matcher._pattern_hits(parse_paste(text).logical)
        return [(h.signature.slug, h.signature.index, h.evidence, h.facts) for h in found]

    compared = 0
    for name in ("corpus", "heldout", "heldout2"):
        for item in load_corpus(root / name):
            by_sets = hits(-1, item.text)  # always the set scan
            assert by_sets == hits(10**9, item.text), item.text[:200]
            compared += bool(by_sets)
    assert compared > 200


def test_splitting_the_signatures_into_several_sets_finds_the_same_hits(
    django_db_blocker, monkeypatch
):
    """The real KB's signatures fit one RE2 set (matcher.SET_CHUNK); a large KB is split
    into several, each offset into the signature list. Split into sets of 7, the matcher
    finds the same hits on the corpus and open held-out pastes as with one set."""
    from pathlib import Path

    from diagnostics import matcher as matcher_module
    from diagnostics.parsers import parse_paste
    from kb.index import get_kb
    from tests.corpus_loader import load_corpus

    with django_db_blocker.unblock():
        entries = list(get_kb().entries.values())
    whole = matcher_module.Matcher(entries)
    monkeypatch.setattr(matcher_module, "SET_CHUNK", 7)
    split = matcher_module.Matcher(entries)
    assert len(whole.sets) == 1 and len(split.sets) == -(-len(split.patterns) // 7) > 10

    def hits(matcher, text: str) -> list:
        parsed = parse_paste(text)
        found = matcher.match(parsed.logical, parsed.exceptions, parsed.lines)
        return sorted((h.signature.slug, h.signature.index, str(h.evidence)) for h in found)

    root = Path(__file__).resolve().parent
    compared = 0
    for name in ("corpus", "heldout", "heldout2"):
        for item in load_corpus(root / name):
            found = hits(whole, item.text)
            assert found == hits(split, item.text), item.text[:200]
            compared += bool(found)
    assert compared > 200

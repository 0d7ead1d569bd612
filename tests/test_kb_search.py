"""Search: identifiers with punctuation, Korean bigrams, typos, prefixes, ranking."""

import csv
from pathlib import Path

import pytest

from kb.search import search

TESTS = Path(__file__).resolve().parent


def slugs(query: str, kb) -> list[str]:
    return [hit.slug for hit in search(query, kb=kb)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PRECONDITION_FAILED", "dlx-mismatch"),
        ("x-dead-letter-routing-key", "dlx-mismatch"),
        ("global_qos", "quorum-qos"),
        ("result.get()", "sync-subtask"),
        ("ForkPoolWorker-2", "fork-cache"),
    ],
)
def test_error_text_with_punctuation_finds_its_entry(fixture_kb, query, expected):
    assert slugs(query, fixture_kb)[0] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("쿼럼 큐", "quorum-qos"),
        ("캐시 워밍업", "cold-start"),
        ("우선순위 큐", "cold-start"),
        ("프리포크", "fork-cache"),
    ],
)
def test_korean_two_syllable_words(fixture_kb, query, expected):
    assert slugs(query, fixture_kb)[0] == expected


def test_korean_words_match_adjacent_syllables_only(fixture_kb):
    # sync-subtask's Korean summary has 검사 ... 색인: 검 and 색 apart, never 검색.
    assert "sync-subtask" not in slugs("검색", fixture_kb)
    assert slugs("색인", fixture_kb) == ["sync-subtask"]


def test_korean_results_show_marked_korean_summary(fixture_kb):
    hit = search("캐시 워밍업", kb=fixture_kb)[0]
    assert "<mark>워밍업</mark>" in hit.snippet


@pytest.mark.parametrize(
    ("typo", "expected"), [("quorom", "quorum-qos"), ("prefrok", "fork-cache")]
)
def test_one_letter_typos_in_long_words(fixture_kb, typo, expected):
    assert slugs(typo + " ", fixture_kb)[0] == expected


def test_short_words_are_not_typo_corrected(fixture_kb):
    assert slugs("cahe ", fixture_kb) == []


def test_prefix_matching_for_search_as_you_type(fixture_kb):
    assert slugs("quor", fixture_kb)[0] == "quorum-qos"
    assert slugs("rollo", fixture_kb) == ["cold-start"]
    assert slugs("rollo ", fixture_kb) == []  # a finished word is not a prefix


def test_title_and_signature_matches_rank_above_body_mentions(fixture_kb):
    # "quorum" is in quorum-qos's title; dlx-mismatch only mentions it in its body.
    assert slugs("quorum", fixture_kb) == ["quorum-qos", "dlx-mismatch"]
    # "prefetch" is only ever in bodies: every entry that says it is found.
    assert set(slugs("prefetch", fixture_kb)) == {"cold-start", "fork-cache", "worker-basics"}


def test_exact_slug_or_title_goes_first(fixture_kb):
    hits = search("Empty cache right after a deploy", kb=fixture_kb)
    assert hits[0].slug == "cold-start"
    assert search("old-quorum-slug", kb=fixture_kb)[0].slug == "quorum-qos"


def test_snippets_escape_html_and_mark_matches(fixture_kb):
    hit = search("deadlock", kb=fixture_kb)[0]
    assert hit.slug == "sync-subtask"
    assert "<mark>" in hit.snippet and "<script" not in hit.snippet


def test_hostile_queries_do_not_break_the_engine(fixture_kb):
    for query in [
        '"',
        "AND OR NOT",
        "*",
        "NEAR(a b)",
        "x" * 10000,
        "\x00",
        "(((",
        "'; DROP TABLE docs; --",
    ]:
        assert isinstance(search(query, kb=fixture_kb), list)


def test_all_words_first_then_any_word(fixture_kb):
    # No entry has both words: the OR fallback still finds both halves.
    assert set(slugs("deadlock rollout ", fixture_kb)) == {"sync-subtask", "cold-start"}


def test_korean_bodies_are_searchable(fixture_kb):
    # "선언한다" appears only in quorum-qos.ko.md's Fix.
    assert slugs("선언한다", fixture_kb) == ["quorum-qos"]


def test_backticks_in_snippets_become_code_and_stay_escaped(edited_kb):
    kb = edited_kb(
        "sync-subtask",
        "summary: Waiting",
        "summary: Blocking in `result.wait()` or <b>wait</b>. Waiting",
    )
    hit = search("blocking", kb=kb)[0]
    assert "<code>result.wait()</code>" in hit.snippet
    assert "<b>" not in hit.snippet and "&lt;b&gt;wait&lt;/b&gt;" in hit.snippet


def test_chinese_words_unknown_to_the_index_do_not_hide_the_other_words(fixture_kb):
    # the KB has no Chinese text: "死锁" (deadlock) alone cannot match, but it must not
    # turn the query into nothing under AND; the English word still finds its entry
    from kb.search import _connection, build_match

    expression = build_match(_connection(fixture_kb.path), "死锁 deadlock pool")
    assert "死" not in expression and "deadlock" in expression and "pool" in expression
    assert slugs("死锁 deadlock pool", fixture_kb)[0] == "sync-subtask"
    # Korean keeps its bigram phrases even when unknown (it has its own text in the KB)
    assert "검색" in build_match(_connection(fixture_kb.path), "검색 deadlock")


def test_long_queries_in_peoples_words_still_answer_when_not_every_word_matches(fixture_kb):
    # no entry has all these words: word OR-matching fused with semantic similarity
    assert slugs("deadlock when a task waits for another subtask result", fixture_kb)[0] == (
        "sync-subtask"
    )
    query = "the pool hangs because one job waits on the answer of another job"
    assert slugs(query, fixture_kb)[0] == "sync-subtask"


# Korean questions in people's words, written for this project (no Korean thread titles
# were found for tests/queries_real): particles, verb endings and spacing as people type
# them. bench/search_quality.py --set queries_ko scores the same rows.
KOREAN_QUESTIONS = [
    (row["query"], row["expected"])
    for row in csv.DictReader(
        (TESTS / "queries_ko" / "queries.tsv").open(encoding="utf-8"), delimiter="\t"
    )
]


def test_korean_questions_find_their_entry():
    # the site's own content (the session index), not the fixture KB; floors at the
    # measured figures (11 of 12 first, 12 in the top 3; "셀러리 태스크가 두 번 실행됨"
    # lists its entry second since `두 번` is asked as a phrase)
    ranks = []
    for query, expected in KOREAN_QUESTIONS:
        found = [hit.slug for hit in search(query, limit=3)]
        ranks.append(found.index(expected) + 1 if expected in found else 0)
    assert len(ranks) == 12
    assert sum(rank == 1 for rank in ranks) >= 11
    assert sum(rank >= 1 for rank in ranks) >= 12


def test_korean_particles_are_dropped_from_query_words():
    from kb.textindex import query_pieces, strip_particle

    assert strip_particle("태스크가") == "태스크"
    assert strip_particle("설정으로") == "설정"
    assert strip_particle("큐가") == "큐가"  # one syllable would be left: kept whole
    assert query_pieces("워커가") == [["워커"]]


def test_filler_words_do_not_hide_the_words_that_matter(fixture_kb):
    # "why", "is", "my", "so" are in no entry: under AND they would leave nothing
    from kb.search import _connection, build_match

    expression = build_match(_connection(fixture_kb.path), "why is my deadlock so ")
    assert expression == '"deadlock"'
    assert slugs("why is my deadlock so ", fixture_kb)[0] == "sync-subtask"


def test_an_error_text_quoted_in_a_title_ranks_its_entry_first(fixture_kb):
    # the words around the quoted text match nothing; the adjacent pair "precondition
    # failed" does (dlx-mismatch's error text), and ranks above lone word matches
    assert slugs("after upgrading we get precondition failed on startup", fixture_kb)[0] == (
        "dlx-mismatch"
    )


def test_other_forms_of_a_word_find_it(fixture_kb):
    # the index does not stem: "prefetching" finds the entries that say "prefetch"
    assert set(slugs("prefetching ", fixture_kb)) == {"cold-start", "fork-cache", "worker-basics"}
    assert slugs("prefetchingly ", fixture_kb) == []  # only the endings people use


@pytest.mark.parametrize("query", ["任务重复执行", "タスクが二回実行される"])
def test_chinese_and_japanese_queries_find_something(query):
    # no entry has Chinese or Japanese text: the semantic signal still lists entries
    assert search(query, limit=3)


def test_camelcase_identifiers_split_into_their_words():
    from kb.textindex import split_identifier

    assert split_identifier("AMQPConnectionError") == ["amqp", "connection", "error"]
    assert split_identifier("CannotConnectError") == ["cannot", "connect", "error"]
    for token in ("ECONNREFUSED", "celery", "x509", "IPv6", "PRECONDITION"):
        assert split_identifier(token) == []


def test_camelcase_identifier_matches_its_words_both_ways(fixture_kb):
    # the index holds ForkPoolWorker's words; a query's identifier asks for its words too
    assert slugs("fork pool worker ", fixture_kb)[0] == "fork-cache"
    assert slugs("Other::ForkPoolWorker", fixture_kb)[0] == "fork-cache"


def test_log_line_noise_is_dropped_from_the_query():
    from kb.search import _without_noise

    line = (
        "[2024-01-02 10:11:12,345: ERROR] task 3f2a9c1e-4b5d-4e6f-8a7b-1c2d3e4f5a6b 10.0.0.5:5672"
    )
    assert _without_noise(line) == "[ : ERROR] task :5672"
    assert _without_noise("celery ") == "celery "  # the trailing space (a finished word) stays
    assert _without_noise("10.0.0.5") == "10.0.0.5"  # nothing but noise: the query as typed


def test_a_submitted_query_ends_with_a_whole_word(fixture_kb):
    # the /search page (complete=True): the last word is not a prefix, as with a
    # trailing space in the type-ahead
    assert slugs("rollo", fixture_kb) == ["cold-start"]
    assert [hit.slug for hit in search("rollo ", kb=fixture_kb)] == []
    assert search("quorum", kb=fixture_kb, complete=True)[0].slug == "quorum-qos"
    # ...unless nothing matches it whole: a word cut short before Enter, or the
    # type-ahead's "See all results" for what was typed, reads as the start of a word
    assert [hit.slug for hit in search("rollo", kb=fixture_kb, complete=True)] == ["cold-start"]
    assert search("quor", kb=fixture_kb, complete=True)[0].slug == "quorum-qos"


def test_a_query_holding_a_signature_text_names_its_entry(fixture_kb):
    from kb.search import _signature_hits

    assert _signature_hits(fixture_kb, "first tasks after a deploy hit a cold cache") == {
        "cold-start": 0.4
    }
    assert _signature_hits(fixture_kb, "the cache is cold") == {}
    hits = search("inequivalent arg 'x-max-priority' for queue 'celery'", kb=fixture_kb)
    assert hits[0].slug == "dlx-mismatch"


def test_one_syllable_korean_words_in_a_row_are_one_phrase(fixture_kb):
    from kb.search import _connection, build_match

    expression = build_match(_connection(fixture_kb.path), "두 번 실행 ")
    assert expression.startswith('("두 번" OR "두번") AND ')


@pytest.mark.parametrize(
    ("query", "expected", "within"),
    [
        # titles of spent sets the search index alone ranks second or fifth: the paste
        # ranker's signals (signatures, symptom BM25, the symptom views) lift them
        ("DID restarts on RMQ timeout", "delivery-ack-timeout", 1),
        ("Fix ungraceful Celery workers shutdown in container", "tasks-lost-on-deploy", 1),
        ("Durable true leads to error", "queue-arguments-mismatch", 3),
    ],
)
def test_a_query_of_several_words_is_ranked_with_the_paste_ranker_too(query, expected, within):
    # the site's own content (the session index), as the Korean questions
    found = [hit.slug for hit in search(query, limit=3, complete=True)]
    assert expected in found[:within], found


def test_short_queries_and_the_type_ahead_do_not_ask_the_paste_ranker(monkeypatch):
    from kb import search as kb_search

    def refuse(kb, query):
        raise AssertionError(f"paste ranker asked for {query!r}")

    monkeypatch.setattr(kb_search, "_paste_ranking", refuse)
    assert search("visibility timeout", limit=3, complete=True)
    assert search("quor", limit=3)


def test_fusion_adds_the_entries_only_the_paste_ranker_names():
    from kb import index as kb_index
    from kb.search import SearchHit, _fused

    kb = kb_index.get_kb()
    first, second, third = sorted(kb.entries)[:3]

    def hit(slug, score):
        entry = kb.entries[slug]
        return SearchHit(slug, entry.title, entry.summary, entry.url, "", score)

    # the ranker sure of search's second, which goes first; `third`, which search did not
    # find, enters below search's last
    fused = _fused(kb, [hit(first, 1.0), hit(second, 0.9)], [(second, 0.9), (third, 0.05)])
    assert [h.slug for h in fused] == [second, first, third]
    assert fused[0].score > fused[1].score > fused[2].score
    # no ranking (no model, or an unreadable query): search's own order and scores
    hits = [hit(first, 1.0), hit(second, 0.2)]
    assert _fused(kb, hits, []) == hits

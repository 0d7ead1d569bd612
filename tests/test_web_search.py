"""Search details the web UI relies on: one-syllable Korean, corrections, counts."""

from kb.search import corrected_query, search


def test_one_korean_syllable_finds_entries(fixture_kb):
    slugs = [hit.slug for hit in search("큐")]
    assert "quorum-qos" in slugs


def test_corrected_query_names_the_words_searched(fixture_kb):
    assert corrected_query("quorom") == "quorum"
    assert corrected_query("quorum") is None


def test_api_search_counts_and_speaks_the_querys_language(client, fixture_kb):
    data = client.get("/api/search", {"q": "쿼럼"}).json()
    assert data["count"] == len(data["results"]) >= 1
    top = data["results"][0]
    assert top["title"] == "쿼럼 큐가 전역 QoS를 거부함" and top["url"].endswith("?lang=ko")
    corrected = client.get("/api/search", {"q": "quorom"}).json()
    assert corrected["corrected"] == "quorum" and corrected["count"] >= 1

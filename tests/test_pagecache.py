"""Entry pages and search answers are rendered once per index build, then served from cache."""

from __future__ import annotations

import re
import shutil

import pytest
from django.test import Client

from kb.build import FIXTURE_POLICY, build_index

from .kb_fixtures import FIXTURE_CONTENT


@pytest.fixture
def counted_renders(monkeypatch):
    """How many times the KB views rendered a template or ran a search."""
    import kb.views

    counts = {"render": 0, "search": 0}
    real_render, real_search = kb.views.render, kb.views.search

    def render(*args, **kwargs):
        counts["render"] += 1
        return real_render(*args, **kwargs)

    def search(*args, **kwargs):
        counts["search"] += 1
        return real_search(*args, **kwargs)

    monkeypatch.setattr(kb.views, "render", render)
    monkeypatch.setattr(kb.views, "search", search)
    return counts


def test_a_new_index_build_is_served_at_once_and_old_pages_are_not(
    settings, tmp_path, counted_renders
):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    index = tmp_path / "index.sqlite3"
    assert build_index(content, index, FIXTURE_POLICY).written
    settings.KB_INDEX_PATH = index
    client = Client()
    first = client.get("/kb/dlx-mismatch/").content
    assert b"Arguments differ." in first
    # the same page but for the CSRF tokens (each answer masks the reader's secret anew)
    assert _without_tokens(client.get("/kb/dlx-mismatch/").content) == _without_tokens(first)
    assert counted_renders["render"] == 1  # the second answer came from the cache
    assert client.get("/kb/dlx-mismatch/?lang=ko").status_code == 200
    assert counted_renders["render"] == 2  # another URL, another page

    # Rebuild the same index file with edited content (no settings change): new build, new page.
    entry = content / "entries" / "dlx-mismatch.md"
    entry.write_text(entry.read_text().replace("Arguments differ.", "Arguments really differ."))
    assert build_index(content, index, FIXTURE_POLICY).written
    page = client.get("/kb/dlx-mismatch/").content
    assert b"Arguments really differ." in page and b"Arguments differ." not in page
    assert counted_renders["render"] == 3


def test_identical_searches_run_once_per_build(settings, tmp_path, counted_renders):
    index = tmp_path / "index.sqlite3"
    assert build_index(FIXTURE_CONTENT, index, FIXTURE_POLICY).written
    settings.KB_INDEX_PATH = index
    client = Client()
    first = client.get("/api/search?q=PRECONDITION_FAILED").json()
    assert first["results"][0]["slug"] == "dlx-mismatch"
    assert client.get("/api/search?q=PRECONDITION_FAILED").json() == first
    assert counted_renders["search"] == 1
    client.get("/api/search?q=quorum")
    assert counted_renders["search"] == 2
    # a page for another host links to that host: never served from this one's cache
    other = client.get("/kb/dlx-mismatch/", HTTP_HOST="localhost").content.decode()
    assert "http://localhost/kb/dlx-mismatch/" in other
    here = client.get("/kb/dlx-mismatch/", HTTP_HOST="127.0.0.1").content.decode()
    assert "http://127.0.0.1/kb/dlx-mismatch/" in here


def _without_tokens(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page)


def _csrf_value(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def test_a_kept_page_follows_each_readers_language(fixture_kb, counted_renders):
    english = Client().get("/kb/quorum-qos/")
    assert english["Content-Language"] == "en"
    assert "Accept-Language" in english["Vary"] and "Cookie" in english["Vary"]
    by_header = Client().get("/kb/quorum-qos/", HTTP_ACCEPT_LANGUAGE="ko")
    by_cookie = Client()
    by_cookie.cookies["kb_language"] = "ko"
    from_cookie = by_cookie.get("/kb/quorum-qos/")
    for korean in (by_header, from_cookie):
        assert korean["Content-Language"] == "ko"
        assert '<html lang="ko"' in korean.content.decode()
        assert korean.content != english.content
    assert '<html lang="en"' in english.content.decode()
    # the cookie reader got the page kept for the Accept-Language one, English stayed English
    assert counted_renders["render"] == 2
    again = Client().get("/kb/quorum-qos/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en"' in again.content.decode()
    assert counted_renders["render"] == 2


@pytest.mark.django_db
def test_a_kept_page_carries_each_readers_own_csrf_token(fixture_kb, counted_renders):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = first.get("/kb/dlx-mismatch/")
    page_two = second.get("/kb/dlx-mismatch/")
    assert counted_renders["render"] == 1  # the second reader got the kept page
    assert b"\0" not in page_two.content and b"kb-csrf-token" not in page_two.content
    token_one, token_two = (
        _csrf_value(page_one.content.decode()),
        _csrf_value(page_two.content.decode()),
    )
    assert token_one != token_two
    assert "csrftoken" in page_two.cookies  # the second reader got a cookie of their own
    # the feedback form on the kept page works for the second reader...
    form = {"kind": "entry", "slug": "dlx-mismatch", "helpful": "yes", "next": "/kb/dlx-mismatch/"}
    sent = second.post("/feedback", {**form, "csrfmiddlewaretoken": token_two})
    assert sent.status_code == 200, sent.content[:300]
    # ...and the first reader's token is no good with the second reader's cookie
    refused = second.post("/feedback", {**form, "csrfmiddlewaretoken": token_one})
    assert refused.status_code == 403

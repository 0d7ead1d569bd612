"""Entry pages and search answers are rendered once per index build, then served from cache."""

from __future__ import annotations

import shutil

import pytest
from django.test import Client

from kb.build import build_index

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
    assert build_index(content, index).written
    settings.KB_INDEX_PATH = index
    client = Client()
    first = client.get("/kb/dlx-mismatch/").content
    assert b"Arguments differ." in first
    assert client.get("/kb/dlx-mismatch/").content == first
    assert counted_renders["render"] == 1  # the second answer came from the cache
    assert client.get("/kb/dlx-mismatch/?lang=ko").status_code == 200
    assert counted_renders["render"] == 2  # another URL, another page

    # Rebuild the same index file with edited content (no settings change): new build, new page.
    entry = content / "entries" / "dlx-mismatch.md"
    entry.write_text(entry.read_text().replace("Arguments differ.", "Arguments really differ."))
    assert build_index(content, index).written
    page = client.get("/kb/dlx-mismatch/").content
    assert b"Arguments really differ." in page and b"Arguments differ." not in page
    assert counted_renders["render"] == 3


def test_identical_searches_run_once_per_build(settings, tmp_path, counted_renders):
    index = tmp_path / "index.sqlite3"
    assert build_index(FIXTURE_CONTENT, index).written
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

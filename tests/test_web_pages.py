"""404s, slugs, favicon: what a person following a link meets."""

import pytest

from kb.views import url_words


@pytest.mark.parametrize("debug", [True, False])
def test_404_is_the_sites_own_page_even_when_debugging(client, fixture_kb, settings, debug):
    settings.DEBUG = debug
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and 'name="q"' in page
    assert "URLconf" not in page and "urlpatterns" not in page.lower()


def test_404_suggestions_ignore_filler_words(client, fixture_kb):
    assert url_words("/kb/no-such-entry/") == ""
    page = client.get("/kb/no-such-entry/").content.decode()
    assert '<ol class="results">\n\n</ol>' in page  # nothing suggested on "no" and "such"
    page = client.get("/kb/the-quorum-global-qos-page/").content.decode()
    assert 'href="/kb/quorum-qos/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_deleted_or_expired_report_says_so(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/d/doesnotexist123/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "deleted or has expired" in page and "kept 30 days" in page


def test_slugs_are_case_insensitive(client, fixture_kb):
    response = client.get("/kb/Quorum-QoS/?lang=ko")
    assert response.status_code == 301 and response["Location"] == "/kb/quorum-qos/?lang=ko"
    assert client.get("/kb/QUORUM_QOS/")["Location"] == "/kb/quorum-qos/"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert 'rel="icon"' in client.get("/search").content.decode()

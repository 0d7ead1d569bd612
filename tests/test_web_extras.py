"""What wikis, crawlers and browsers ask for: robots, sitemap, OpenSearch, Atom, Markdown, oEmbed."""

import xml.etree.ElementTree as ET  # noqa: S405 - our own XML, parsed in tests

ATOM = "{http://www.w3.org/2005/Atom}"


def test_robots_keeps_crawlers_off_reports_and_checks(client, settings):
    settings.KB_SITE_URL = "https://kb.example.com"
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /d/" in text and "Disallow: /checks/" in text
    assert "Sitemap: https://kb.example.com/sitemap.xml" in text


def test_sitemap_lists_every_entry_with_absolute_urls(client, fixture_kb, settings):
    settings.KB_SITE_URL = "https://kb.example.com"
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://kb.example.com/kb/quorum-qos/" in locs
    assert len(locs) == 2 + len(fixture_kb.entries)


def test_opensearch_description_is_linked_and_points_at_search(client, fixture_kb):
    page = client.get("/").content.decode()
    assert (
        'rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"' in page
    )
    root = ET.fromstring(client.get("/opensearch.xml").content)  # noqa: S314
    urls = [u.get("template") for u in root.iter("{http://a9.com/-/spec/opensearch/1.1/}Url")]
    assert any(u.endswith("/search?q={searchTerms}") for u in urls)
    # an exact slug goes straight to the entry
    assert client.get("/search", {"q": "quorum-qos"})["Location"] == "/kb/quorum-qos/"
    suggest = client.get("/api/search/suggest", {"q": "quorum"}).json()
    assert suggest[0] == "quorum" and suggest[3][0].endswith("/kb/quorum-qos/")
    # a Korean query is offered the Korean titles and pages, as in the site's type-ahead
    korean = client.get("/api/search/suggest", {"q": "쿼럼"}).json()
    assert korean[1][0] == "쿼럼 큐가 전역 QoS를 거부함"
    assert korean[3][0].endswith("/kb/quorum-qos/?lang=ko")


def test_atom_feed_lists_entries_newest_first(client, fixture_kb):
    root = ET.fromstring(client.get("/feed.atom").content)  # noqa: S314
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(fixture_kb.entries)
    dates = [e.find(f"{ATOM}updated").text for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert 'type="application/atom+xml" href="/feed.atom"' in client.get("/kb/").content.decode()


def test_raw_markdown_of_an_entry(client, fixture_kb, settings):
    from tests.kb_fixtures import FIXTURE_CONTENT

    settings.KB_CONTENT_DIR = FIXTURE_CONTENT
    response = client.get("/kb/quorum-qos.md")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    assert text.startswith("# Quorum queue refuses global QoS (540 NOT_IMPLEMENTED)\n")
    assert "## Fix" in text and "signatures:" not in text and "{{" not in text
    # the defaults are plain text here: the note names them as examples (review 2026-11-30)
    assert "\nExample values, not yours: `my.queue`, `/`. Replace them" in text
    assert response["Link"] == '<http://testserver/kb/quorum-qos/>; rel="canonical"'
    korean_response = client.get("/kb/quorum-qos.md?lang=ko")
    korean = korean_response.content.decode()
    assert "\n예시 값(자신의 값이 아님): `my.queue`." in korean
    # the Korean text's canonical is the Korean page, not the English one
    assert korean_response["Link"] == '<http://testserver/kb/quorum-qos/?lang=ko>; rel="canonical"'
    assert client.get("/kb/old-quorum-slug.md")["Location"] == "/kb/quorum-qos.md"
    assert client.get("/kb/nope.md").status_code == 404


def test_oembed_gives_a_summary_card(client, fixture_kb, settings):
    settings.KB_SITE_URL = "https://kb.example.com"
    page = client.get("/kb/quorum-qos/").content.decode()
    assert 'type="application/json+oembed"' in page
    data = client.get(
        "/oembed", {"url": "https://kb.example.com/kb/quorum-qos/", "format": "json"}
    ).json()
    assert data["type"] == "rich" and data["version"] == "1.0"
    assert 'href="https://kb.example.com/kb/quorum-qos/"' in data["html"]
    assert "<script" not in data["html"]
    assert client.get("/oembed", {"url": "https://kb.example.com/d/x/"}).status_code == 404


def test_previews_on_home_index_search_and_entries(client, fixture_kb):
    for url in ("/", "/kb/", "/search?q=deadlock", "/kb/quorum-qos/"):
        page = client.get(url).content.decode()
        assert 'property="og:title"' in page and 'property="og:image"' in page, url
        assert 'property="og:description"' in page, url


def test_opensearch_short_name_is_cut_between_words(client, settings):
    # review 2026-11-30: "Celery Troubleshooting KB" was offered as "Celery Troublesh"
    root = ET.fromstring(client.get("/opensearch.xml").content)  # noqa: S314
    short = root.find("{http://a9.com/-/spec/opensearch/1.1/}ShortName").text
    assert len(short) <= 16 and settings.KB_SITE_NAME.startswith(short)
    assert settings.KB_SITE_NAME[len(short) : len(short) + 1] in ("", " ")

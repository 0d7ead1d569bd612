"""The interface in English and Korean: Accept-Language, the switcher's cookie, ?lang=ko."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "ko" / "LC_MESSAGES"


def test_accept_language_picks_korean_and_the_url_stays(client, fixture_kb):
    page = client.get("/kb/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5")
    html = page.content.decode()
    assert '<html lang="ko">' in html and ">항목</a>" in html
    assert "Accept-Language" in page["Vary"] and page["Content-Language"] == "ko"
    english = client.get("/kb/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in english and ">Entries</a>" in english


def test_the_switcher_sets_a_cookie_and_returns_to_the_same_url(client, fixture_kb):
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/kb/quorum-qos/"})
    assert response.status_code == 302 and response["Location"] == "/kb/quorum-qos/"
    assert response.cookies["kb_language"].value == "ko"
    page = client.get("/kb/quorum-qos/").content.decode()
    assert '<h1 lang="ko">쿼럼 큐가 전역 QoS를 거부함</h1>' in page
    # ?lang=en still wins for a link that asks for English
    assert '<h1 lang="en">' in client.get("/kb/quorum-qos/?lang=en").content.decode()


def test_lang_query_keeps_working_and_links_keep_the_language(client, fixture_kb):
    page = client.get("/kb/quorum-qos/?lang=ko").content.decode()
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', page, re.S).group(0)
    assert 'href="/kb/?lang=ko"' in crumbs and "&amp;lang=ko" in crumbs
    related = re.search(r"<h2>관련 항목</h2><ul.*?</ul>", page, re.S).group(0)
    assert "?lang=ko" in related
    # the Korean page leads with the Korean summary
    summaries = re.findall(r'<p class="summary[^"]*" lang="(\w+)"', page)
    assert summaries[0] == "ko"


def test_the_compiled_catalogue_matches_the_po_file():
    """The .mo is committed (no GNU gettext needed to run); it must say what the .po says."""
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    pairs = re.findall(r'\nmsgid "((?:[^"\\]|\\.)+)"\nmsgstr "((?:[^"\\]|\\.)+)"', po)
    assert len(pairs) > 100
    for msgid, msgstr in pairs:
        assert catalogue.gettext(msgid.replace('\\"', '"')) == msgstr.replace('\\"', '"'), msgid

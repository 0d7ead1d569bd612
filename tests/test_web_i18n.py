"""The interface in English and Korean: Accept-Language, the switcher's cookie, ?lang=ko."""

import gettext
import re
from pathlib import Path

import pytest

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


COUNTDOWN = 'broker_url = "amqp://guest@rabbit//"\nreport.apply_async(countdown=7200)\n'


@pytest.mark.django_db
def test_a_korean_reader_gets_findings_and_check_results_in_korean(client):
    """The page language (Accept-Language here, no ?lang=) reaches the presenter."""
    from diagnostics.models import CheckRun

    korean = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}
    page = client.post("/diagnose/", {"text": COUNTDOWN}, **korean).content.decode()
    assert "countdown/ETA 7200초가" in page and "A countdown/ETA of 7200 s" not in page
    english = client.post("/diagnose/", {"text": COUNTDOWN}).content.decode()
    assert "A countdown/ETA of 7200 s" in english and "countdown/ETA 7200초가" not in english
    run = CheckRun.objects.create(
        status="done",
        target="amqp://h/",
        params={"timeout": 15},
        results=[
            {
                "check": "redis-visibility-timeout",
                "title": "Visibility timeout vs countdown/ETA",
                "status": "skipped",
                "entry": None,
                "rule": None,
                "outcome": "skip.no-countdown-no-acks-late",
                "message": "",
                "evidence": {"timeout_s": 10.0, "assumed": False},
                "duration_ms": 1,
            }
        ],
    )
    client.cookies["kb_language"] = "ko"
    run_page = client.get(f"/checks/{run.id}/").content.decode()
    assert "설정에 countdown/ETA도 acks_late도 없어 타임아웃과 비교할 것이 없다" in run_page
    # the script that polls the run asks the API for the same language
    assert f'data-api="/api/checks/{run.id}?lang=ko"' in run_page
    # and the words the script writes around the API's results are the page's, in Korean
    assert 'data-label-evidence="근거"' in run_page and 'data-label-pass="통과"' in run_page


def test_heading_links_inside_an_entry_body_are_labelled_in_the_readers_language(client):
    """Sub-headings get their `#` link at build time (one HTML for every language); a Korean
    reader must not get the English label on them."""
    korean = client.get("/kb/package-init-reexport/?lang=ko").content.decode()
    body_anchors = re.findall(r'<h[3-6] id="[^"]+">.*?aria-label="([^"]+)">#</a></h[3-6]>', korean)
    assert body_anchors and set(body_anchors) == {"이 절의 링크"}
    english = client.get("/kb/package-init-reexport/?lang=en").content.decode()
    assert 'aria-label="Link to this section">#</a></h3>' in english


REFUSED_NO_VHOST = (
    "[2026-11-30 07:01:02,345: ERROR/MainProcess] consumer: Cannot connect to "
    "amqp://user:**@rabbit.internal:5672: [Errno 111] Connection refused.\n"
)


@pytest.mark.django_db
def test_example_values_are_explained_on_the_diagnosis_page_in_the_readers_language(client):
    """review 2026-11-30: a default filled into the fix read as if it came from the paste."""
    english = client.post("/diagnose/", {"text": REFUSED_NO_VHOST}).content.decode()
    fix = english[
        english.index('<div class="fix">') : english.index(
            "</div>", english.index('class="example-note"')
        )
    ]
    assert '<span class="kb-default" title="example value: replace with yours">app</span>' in fix
    assert '<span class="kb-fact" title="from your paste">rabbit.internal</span>' in fix
    assert "Not in your paste, so shown as example values (dashed)" in fix
    assert "Virtual host <code>app</code>." in fix
    korean = client.post(
        "/diagnose/", {"text": REFUSED_NO_VHOST}, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9"
    ).content.decode()
    assert "붙여 넣은 내용에 없어 예시 값(점선 상자)으로 보여 준다" in korean
    assert "가상 호스트(vhost) <code>app</code>." in korean
    assert 'title="예시 값: 자신의 값으로 바꿔 쓴다">app</span>' in korean
    assert "example value" not in korean and "Not in your paste" not in korean


def test_example_values_are_explained_on_an_entry_page_in_the_readers_language(client):
    english = client.get("/kb/redis-visibility-timeout/?lang=en").content.decode()
    assert '<p class="example-note">' in english and "Values in a dashed box are example" in english
    assert 'title="example value: replace with yours">7200</span> s)' in english
    assert "s here)" not in english
    korean = client.get("/kb/redis-visibility-timeout/?lang=ko").content.decode()
    assert "점선 상자 안의 값은 예시 값이다" in korean
    assert 'title="예시 값: 자신의 값으로 바꿔 쓴다">7200</span>초)' in korean
    assert "example value" not in korean and "지연(여기서는" not in korean
    # an entry whose body has no placeholder has nothing to explain
    plain = client.get("/kb/chord-never-finishes/?lang=en").content.decode()
    assert ("example-note" in plain) == ("kb-default" in plain)

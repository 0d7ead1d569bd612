"""Every page type in a real Chromium, as a phone (390 px) and a desktop (1280 px), light and dark.

These run on the real content (the session's KB index), because the pages that
overflowed did so on real entries (long reference URLs, one-word headings).
Screenshots go to test-artifacts/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
QOS_PASTE = (
    "[2026-11-20 10:01:02,345: CRITICAL/MainProcess] Unrecoverable error: "
    "AMQPNotImplementedError(540, \"NOT_IMPLEMENTED - queue 'scan.vision' in vhost 'eco2' "
    "does not support global qos\", (60, 10), 'Basic.Qos')"
)
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def browse(chromium, live_server):
    """browse(width="phone", scheme="light", locale=None) → a page that records console errors."""
    contexts = []

    def open_page(width: str = "phone", scheme: str = "light", locale: str | None = None):
        w, h = WIDTHS[width]
        options = {"viewport": {"width": w, "height": h}, "color_scheme": scheme}
        if width == "phone":
            options.update(has_touch=True, is_mobile=True, device_scale_factor=2)
        if locale:
            options["locale"] = locale
            options["extra_http_headers"] = {"Accept-Language": locale}
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        page.console_errors = []
        page.on("console", lambda m: _console(page, m))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def _console(page, message) -> None:
    # The 404 page's own status is logged as an error: that one is expected.
    expected = "404" in message.text and "/no-such-entry/" in message.location.get("url", "")
    if message.type == "error" and not expected:
        page.console_errors.append(f"{message.text} ({message.location.get('url')})")


def saved_report_url() -> str:
    from diagnostics.engine import diagnose
    from diagnostics.reports import create_report

    report, _ = create_report(text=QOS_PASTE, result=diagnose(QOS_PASTE).as_dict())
    return f"/d/{report.id}/"


def page_types() -> dict[str, str]:
    return {
        "home": "/",
        "index": "/kb/",
        "entry-ack-timeout": "/kb/delivery-ack-timeout/",
        "entry-quorum": "/kb/quorum-queue-global-qos/",
        "entry-korean": "/kb/quorum-queue-global-qos/?lang=ko",
        "guide": "/guides/" + _guide_slug() + "/",
        "search": "/search?q=prefetch",
        "search-none": "/search?q=zzzzqqq",
        "diagnose": "/diagnose/",
        "checks": "/checks/",
        "not-found": "/kb/no-such-entry/",
    }


def _guide_slug() -> str:
    from kb.index import get_kb

    return get_kb().of_kind("guide")[0].slug


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    # A phone widens its layout viewport to the content, so compare with the device width.
    width = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    return width - page.viewport_size["width"]


def diagnose_in_browser(page) -> None:
    page.goto(page.base_url + "/diagnose/")
    page.fill("textarea[name=text]", QOS_PASTE)
    page.click("#diagnose-form button[type=submit]")
    page.wait_for_selector("#diagnosis")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_every_page_type_fits_the_screen_and_passes_axe(browse, width, scheme):
    """No sideways scrolling, no console error, and axe-core (shipped inside
    axe-playwright-python: nothing is downloaded) finds no serious or critical
    violation, on every page type, with the menus open too."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browse(width, scheme)
    wide, violations = {}, {}

    def check(name: str) -> None:
        if overflow(page) > 0:
            wide[name] = overflow(page)
        found = _serious(axe.run(page).response)
        if found:
            violations[name] = found
        shot(page, f"{name}-{width}-{scheme}")

    pages = dict(page_types(), report=saved_report_url())
    for name, path in pages.items():
        response = page.goto(page.base_url + path)
        assert response.status == (404 if name == "not-found" else 200), path
        page.wait_for_load_state("load")
        check(name)
    diagnose_in_browser(page)
    check("diagnosis")
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    page.locator("section#fix h2 button.copy-link").click()
    page.fill("header input[name=q]", "quor")
    page.locator("header ul.suggest li[role=option]").first.wait_for()
    check("menus-open")
    assert wide == {}
    assert violations == {}
    assert page.console_errors == []


def test_only_code_blocks_scroll_and_they_take_the_keyboard(browse):
    page = browse("phone")
    page.goto(page.base_url + "/kb/delivery-ack-timeout/")
    blocks = page.locator("main pre")
    assert blocks.count() > 0
    for i in range(blocks.count()):
        assert blocks.nth(i).get_attribute("tabindex") == "0"
    # a long heading word and a long URL wrap instead of widening the page
    widths = page.evaluate(
        "[...document.querySelectorAll('main h1, main h2, main p, main li')]"
        ".filter(e => !e.closest('pre')).map(e => e.getBoundingClientRect().right)"
    )
    assert max(widths) <= 390


def test_phone_header_is_compact_and_hides_the_keyboard_hint(browse):
    page = browse("phone")
    page.goto(page.base_url + "/diagnose/")
    assert page.locator("header.site").bounding_box()["height"] <= 100
    assert not page.locator("#diagnose-form kbd").first.is_visible()
    desktop = browse("desktop")
    desktop.goto(desktop.base_url + "/diagnose/")
    assert desktop.locator("#diagnose-form kbd").first.is_visible()


def test_references_are_links_named_by_their_titles(browse):
    page = browse("desktop")
    page.goto(page.base_url + "/kb/delivery-ack-timeout/")
    links = page.locator("section#references li a")
    assert links.count() >= 5
    texts = [links.nth(i).inner_text() for i in range(links.count())]
    assert "RabbitMQ consumers guide, delivery acknowledgement timeout" in texts
    assert not any(re.match(r"https?://", t) for t in texts)
    href = page.locator("section#references a", has_text="RabbitMQ consumers guide").first
    assert href.get_attribute("href") == (
        "https://www.rabbitmq.com/docs/consumers#acknowledgement-timeout"
    )


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_every_code_block_has_a_copy_button_that_copies_it(browse):
    page = browse("desktop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    blocks = page.locator("main pre")
    assert page.locator("main button.copy-code").count() == blocks.count() > 0
    page.locator("section#fix button.copy-code").first.click()
    expected = page.locator("section#fix pre").first.inner_text().rstrip("\n")
    assert clipboard(page) == expected
    assert "x-queue-type" in expected


def test_the_filled_in_fix_copies_with_the_users_names(browse):
    page = browse("desktop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    diagnose_in_browser(page)
    page.locator("#diagnosis .fix button.copy-code").first.click()
    assert '"scan.vision"' in clipboard(page)


def test_copy_link_offers_url_markdown_and_wiki_links(browse, settings):
    settings.KB_SITE_URL = "https://kb.example.com"
    page = browse("desktop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    title = page.locator("h1").inner_text()
    page.locator("section#fix h2 button.copy-link").click()
    forms = {}
    for name in ("URL", "Markdown", "Confluence", "MediaWiki"):
        page.locator(f".copy-menu button[data-form={name}]").click()
        forms[name] = clipboard(page)
    url = "https://kb.example.com/kb/quorum-queue-global-qos/#fix"
    assert forms["URL"] == url
    assert forms["Markdown"] == f"[{title} – Fix]({url})"
    assert forms["Confluence"] == f"[{title} – Fix|{url}]"
    assert forms["MediaWiki"] == f"[{url} {title} – Fix]"
    page.keyboard.press("Escape")
    assert page.locator(".copy-menu").count() == 0
    assert page.evaluate("document.activeElement.className") == "copy-link icon"


def test_section_anchors_are_reachable_by_keyboard_and_shown_on_touch(browse):
    page = browse("desktop")
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    anchor = page.locator("section#fix h2 a.anchor")
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "0"
    anchor.focus()
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "1"
    phone = browse("phone")
    phone.goto(phone.base_url + "/kb/quorum-queue-global-qos/")
    opacity = phone.locator("section#fix h2 a.anchor").evaluate("a => getComputedStyle(a).opacity")
    assert float(opacity) > 0.5


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_paste_then_the_answer_has_focus_with_the_fix_first(browse, width):
    page = browse(width)
    diagnose_in_browser(page)
    page.wait_for_selector("#diagnosis:focus")  # CSP forbids wait_for_function's string eval
    top = page.evaluate("document.querySelector('#diagnosis').getBoundingClientRect().top")
    assert 0 <= top < 60  # scrolled to the answer
    match = page.locator("#diagnosis article.match").first
    first_block = match.locator(":scope > *:not(h3)").first
    assert first_block.get_attribute("class") == "fix"
    assert "scan.vision" in first_block.inner_text()
    # after the fix, the one check that confirms this entry, with the user's queue in it
    confirm = match.locator("p.confirm")
    assert confirm.is_visible() and "scan.vision" in confirm.inner_text()
    # the user's own line, the matched part marked, a plain reason; the regex only on demand
    evidence = match.locator("ul.evidence li").first
    marks = evidence.locator("mark").all_inner_texts()
    assert any(m.startswith("NOT_IMPLEMENTED - queue 'scan.vision'") for m in marks), marks
    assert "CRITICAL/MainProcess" not in " ".join(marks)
    assert "scan.vision" in evidence.locator(".reason").inner_text()
    assert "(?P<" not in evidence.locator(".reason").inner_text()
    assert not evidence.locator("details.pattern code").first.is_visible()
    assert match.locator("ul.evidence li").count() == 1  # one line, said once
    labels = match.locator("dl.facts dt").all_inner_texts()
    assert "Virtual host" in labels and "vhost" not in labels
    shot(page, f"answer-focused-{width}")


def test_no_match_says_which_words_it_searched_for(browse):
    page = browse("desktop")
    page.goto(page.base_url + "/diagnose/")
    page.fill("textarea[name=text]", "Error: the frobnicator zorblaxed while quuxing")
    page.click("#diagnose-form button[type=submit]")
    page.wait_for_selector("#diagnosis")
    searched = page.locator("#diagnosis .searched code").all_inner_texts()
    assert "frobnicator" in searched and "zorblaxed" in searched


CONTRAST_JS = """
(selector) => {
  function rgb(text) { return text.match(/[\\d.]+/g).slice(0, 3).map(Number); }
  function lum(c) {
    const [r, g, b] = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      // transparent is rgba(r, g, b, 0); rgb(138, 90, 0) is an opaque colour with no blue
      const v = (getComputedStyle(el).backgroundColor.match(/[\\d.]+/g) || []).map(Number);
      if (v.length === 3 || (v.length === 4 && v[3] > 0)) return v.slice(0, 3);
    }
    return [255, 255, 255];
  }
  return [...document.querySelectorAll(selector)].filter(e => e.textContent.trim()).map(e => {
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
    return [e.className, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_colours_and_badges_pass_aa_in_both_themes(browse, scheme):
    page = browse("desktop", scheme)
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    tokens = page.evaluate(CONTRAST_JS, ".highlight pre span")
    assert len(tokens) > 20
    assert [t for t in tokens if t[1] < 4.5] == []
    diagnose_in_browser(page)
    badges = page.evaluate(CONTRAST_JS, ".badge")
    # a description answers `possible`: that badge is checked too
    page.goto(page.base_url + "/diagnose/")
    page.fill("textarea[name=text]", "our workers stop taking tasks after a broker restart")
    page.click("#diagnose-form button[type=submit]")
    page.wait_for_selector("#diagnosis")
    badges += page.evaluate(CONTRAST_JS, ".badge")
    assert {b[0] for b in badges} >= {"badge high", "badge possible"}
    assert [b for b in badges if b[1] < 4.5] == []


def test_dark_mode_follows_the_system_and_the_toggle_is_remembered(browse):
    page = browse("desktop", "dark")
    page.goto(page.base_url + "/kb/")
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_bg == "rgb(15, 19, 24)"
    toggle = page.locator("button.theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.reload()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.locator("button.theme-toggle").get_attribute("aria-pressed") == "false"
    light = browse("desktop", "light")
    light.goto(light.base_url + "/kb/")
    assert light.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


def test_language_switch_and_accept_language_in_the_browser(browse):
    page = browse("phone", locale="ko-KR")
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert page.locator("header nav a").first.inner_text() == "항목"
    summary = page.locator("p.summary").first
    assert summary.get_attribute("lang") == "ko"
    assert summary.evaluate("e => getComputedStyle(e).wordBreak") == "keep-all"
    shot(page, "entry-accept-language-ko-phone")
    english = browse("desktop")
    english.goto(english.base_url + "/kb/quorum-queue-global-qos/")
    assert english.evaluate("document.documentElement.lang") == "en"
    english.click("form.lang-switch button")
    english.wait_for_load_state("load")
    assert english.url.endswith("/kb/quorum-queue-global-qos/")  # same URL, now Korean
    assert english.evaluate("document.documentElement.lang") == "ko"
    english.goto(english.base_url + "/kb/")
    assert english.locator("h1").inner_text() == "항목"
    english.click("form.lang-switch button")
    english.wait_for_load_state("load")
    assert english.locator("h1").inner_text() == "Entries"


def test_long_pages_have_contents_that_follow_a_skip_link_and_back_to_top(browse):
    page = browse("desktop")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(page.base_url + "/kb/delivery-ack-timeout/")
    toc = page.locator("nav.toc")
    assert toc.evaluate("e => getComputedStyle(e).position") == "sticky"
    page.evaluate("document.getElementById('fix').scrollIntoView()")
    page.wait_for_selector("nav.toc a[aria-current=true][href$='#fix']")  # CSP: no string eval
    assert toc.is_visible()  # still on screen far down the page
    shot(page, "entry-toc-desktop")
    page.goto(page.base_url + "/kb/delivery-ack-timeout/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert skip.evaluate("e => e === document.activeElement") and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("p.back-to-top a").get_attribute("href") == "#top"


def test_the_entry_list_filters_on_the_page(browse):
    page = browse("phone")
    page.goto(page.base_url + "/kb/")
    total = page.locator("#entry-list > li").count()
    page.fill("#entry-filter", "redis")
    visible = page.locator("#entry-list > li:not([hidden])")
    assert 0 < visible.count() < total
    page.fill("#entry-filter", "redis visibility")
    assert page.locator("#entry-list > li:not([hidden])").count() >= 1
    assert "entries shown" in page.locator(".filter-count").inner_text()
    page.fill("#entry-filter", "")
    assert page.locator("#entry-list > li:not([hidden])").count() == total


def test_print_shows_the_content_and_whole_code_blocks(browse):
    page = browse("desktop")
    page.goto(page.base_url + "/kb/delivery-ack-timeout/")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.locator("nav.toc").is_visible()
    pre = page.locator("main pre").first
    assert pre.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert pre.evaluate("e => e.scrollWidth <= e.clientWidth")


def _serious(response: dict) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_was_this_helpful_answers_in_place(browse):
    from kb.models import Feedback

    page = browse("phone")
    page.goto(page.base_url + "/kb/quorum-queue-global-qos/")
    form = page.locator("form.feedback")
    form.locator("input[name=reason]").fill("needed the Helm values")
    form.locator("button[value=no]").click()
    page.locator(".feedback-thanks").wait_for()
    assert page.url.endswith("/kb/quorum-queue-global-qos/")
    item = Feedback.objects.get()
    assert (item.slug, item.helpful, item.reason) == (
        "quorum-queue-global-qos",
        False,
        "needed the Helm values",
    )
    diagnose_in_browser(page)
    page.locator("#diagnosis form.feedback button[value=yes]").click()
    page.locator("#diagnosis .feedback-thanks").wait_for()
    last = Feedback.objects.filter(kind="diagnosis").get()
    assert last.slug == "quorum-queue-global-qos" and last.helpful
    assert "NOT_IMPLEMENTED" in last.signature


def test_wrapped_lines_are_shown_once_with_their_line_range(browse):
    page = browse("desktop")
    page.goto(page.base_url + "/diagnose/")
    page.fill(
        "textarea[name=text]",
        "[2026-11-20 10:01:02,345: CRITICAL/MainProcess] Unrecoverable error:\n"
        'AMQPNotImplementedError(540, "NOT_IMPLEMENTED - queue\n'
        "'scan.vision' in vhost 'eco2' does not support global qos\", (60, 10), 'Basic.Qos')\n",
    )
    page.click("#diagnose-form button[type=submit]")
    rows = page.locator("#diagnosis article.match").first.locator("ul.evidence > li")
    assert rows.count() == 1
    assert rows.first.locator(".line").inner_text() == "lines 2–3"

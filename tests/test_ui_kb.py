"""The KB in a real headless Chromium: search as you type, anchors, paste box."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_as_you_type_then_follow_to_the_entry(page, fixture_kb):
    page.goto(page.base_url + "/")
    page.fill("header input[name=q]", "quor")
    suggestion = page.locator("header ul.suggest li[role=option]").first
    suggestion.wait_for(timeout=5000)
    assert suggestion.inner_text() == "Quorum queue refuses global QoS (540 NOT_IMPLEMENTED)"
    suggestion.click()
    page.wait_for_url("**/kb/quorum-qos/")
    assert (
        page.locator("h1").inner_text() == "Quorum queue refuses global QoS (540 NOT_IMPLEMENTED)"
    )


def test_suggestions_render_titles_as_text(page, fixture_kb, settings, tmp_path):
    page.goto(page.base_url + "/")
    page.fill("header input[name=q]", "<img src=x onerror=alert(1)> deadlock")
    page.locator("ul.suggest li[role=option]").first.wait_for(timeout=5000)
    assert page.locator("ul.suggest img").count() == 0


def test_section_anchor_link_lands_on_the_fix(page, fixture_kb):
    page.goto(page.base_url + "/kb/quorum-qos/#fix")
    fix = page.locator("section#fix")
    assert fix.is_visible()
    assert "my.queue" in fix.inner_text()
    assert page.evaluate("document.querySelector(':target').id") == "fix"


def test_enter_in_header_search_opens_results(page, fixture_kb):
    page.goto(page.base_url + "/kb/")
    page.fill("header input[name=q]", "deadlock")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=deadlock")
    assert (
        page.locator("ol.results a").first.inner_text() == "Never call result.get() within a task"
    )


def test_combobox_by_keyboard(page, fixture_kb):
    page.goto(page.base_url + "/kb/")
    page.keyboard.press("/")
    box = page.locator("header input[name=q]")
    assert page.evaluate("document.activeElement.name") == "q"
    box.press_sequentially("quor")
    page.locator("header ul.suggest li[role=option]").first.wait_for(timeout=5000)
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "true"
    options = page.locator("header ul.suggest li[role=option]")
    assert options.last.inner_text() == "See all results for “quor”"
    box.press("ArrowDown")
    first = options.first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("Escape")  # closes the list, keeps the query
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "quor"
    box.press("ArrowDown")  # opens again
    page.wait_for_function(
        "document.querySelector('header input[name=q]').getAttribute('aria-expanded') === 'true'"
    )
    box.press("ArrowUp")  # wraps to the last option: see all results
    box.press("Enter")
    page.wait_for_url("**/search?q=quor")
    shown = page.locator("ol.results > li").count()
    assert shown >= 1
    assert page.locator("p.count").inner_text() == f"{shown} result{'s' if shown > 1 else ''}"


def test_clicking_elsewhere_closes_the_list(page, fixture_kb):
    page.goto(page.base_url + "/")
    page.fill("header input[name=q]", "deadlock")
    page.locator("header ul.suggest li[role=option]").first.wait_for(timeout=5000)
    page.click("h1")
    page.wait_for_function("document.querySelector('header ul.suggest').hidden")


def test_korean_queries_suggest_korean_titles(page, fixture_kb):
    page.goto(page.base_url + "/")
    page.fill("main input[name=q]", "쿼럼")
    option = page.locator("main ul.suggest li[role=option]").first
    option.wait_for(timeout=5000)
    assert option.inner_text() == "쿼럼 큐가 전역 QoS를 거부함"
    assert option.get_attribute("lang") == "ko"


def test_a_corrected_search_says_what_it_searched_for(page, fixture_kb):
    page.goto(page.base_url + "/search?q=quorom")
    assert page.locator("p.corrected").inner_text() == "Showing results for quorum"
    page.fill("main input[name=q]", "quoru deadlok")
    page.locator("main ul.suggest li.corrected").wait_for(timeout=5000)

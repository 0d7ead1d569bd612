"""The KB in a real headless Chromium: search as you type, anchors, paste box."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_as_you_type_then_follow_to_the_entry(page, fixture_kb):
    page.goto(page.base_url + "/")
    page.fill("header input[name=q]", "quor")
    suggestion = page.locator("ul.suggest a").first
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
    page.locator("ul.suggest a").first.wait_for(timeout=5000)
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

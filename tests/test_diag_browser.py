"""Paste into /diagnose/, press Ctrl+Enter, see the entry (headless Chromium)."""

from __future__ import annotations

import pytest

from tests.test_diag_engine import QOS_MESSAGE, make_kb


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ctrl_enter_submits_and_shows_the_entry(page, monkeypatch):
    kb = make_kb("browser")
    monkeypatch.setattr("kb.index.get_kb", lambda: kb)
    page.goto(page.base_url + "/diagnose/")
    page.fill("textarea[name=text]", QOS_MESSAGE)
    page.press("textarea[name=text]", "Control+Enter")
    page.wait_for_selector("#diagnosis")
    assert "quorum queue global qos" in page.inner_text("#diagnosis")
    assert page.locator(".badge.high").count() >= 1

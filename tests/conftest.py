"""Test fixtures shared by the whole suite.

Real services, not mocks: tests that need RabbitMQ, its management API, Redis,
PostgreSQL or Chromium ask for the fixture below. On a laptop without the
service they skip with a line saying how to start it; in CI (CI=true) a missing
service fails the run instead, so a green CI always means they ran.

The KB index is built once per session from content/ into a temporary folder
(tests/settings.py points KB_INDEX_PATH there before Django reads its settings).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an event loop running in the test thread; Django
# would then refuse database work there (live_server flushes the test database).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

RABBITMQ_URL = os.environ.get("KB_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
RABBITMQ_MANAGEMENT_URL = os.environ.get(
    "KB_TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672"
)
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("KB_TEST_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

HOW_TO_START = {
    "RabbitMQ": "apt-get install rabbitmq-server && rabbitmq-server -detached (or run .ci/run)",
    "RabbitMQ management API": "rabbitmq-plugins enable rabbitmq_management (or run .ci/run)",
    "Redis": "apt-get install redis-server && redis-server --daemonize yes (or run .ci/run)",
    "Chromium": "apt-get install chromium (or run .ci/run)",
    "rabbitmqctl": "run the tests on the RabbitMQ host with rabbitmqctl on PATH (or run .ci/run)",
    "openssl": "apt-get install openssl (or run .ci/run)",
}


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def require(name: str, available: bool, where: str) -> None:
    """Skip (laptop) or fail (CI) when a service the test needs is missing."""
    if available:
        return
    message = f"{name} is not available at {where}; to enable these tests: {HOW_TO_START[name]}"
    if IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def kb_index(django_db_blocker) -> Path:
    """Build the KB index from content/ once for the session."""
    from django.conf import settings

    from kb.build import build_index

    with django_db_blocker.unblock():
        result = build_index(settings.KB_CONTENT_DIR, settings.KB_INDEX_PATH)
    assert result.written, "\n".join(str(error) for error in result.errors)
    return Path(settings.KB_INDEX_PATH)


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    require("RabbitMQ", _reachable(RABBITMQ_URL, 5672), RABBITMQ_URL.split("@")[-1])
    return RABBITMQ_URL


@pytest.fixture(scope="session")
def rabbitmq_management_url() -> str:
    require(
        "RabbitMQ management API",
        _reachable(RABBITMQ_MANAGEMENT_URL, 15672),
        RABBITMQ_MANAGEMENT_URL,
    )
    return RABBITMQ_MANAGEMENT_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    require("Redis", _reachable(REDIS_URL, 6379), REDIS_URL)
    return REDIS_URL


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    require("Chromium", Path(CHROMIUM).exists(), CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser page; `page.base_url` is the live server's address."""
    context = chromium.new_context()
    browser_page = context.new_page()
    browser_page.base_url = live_server.url
    yield browser_page
    context.close()


from tests.kb_fixtures import edited_kb, fixture_kb, shipped_kb  # noqa: E402,F401 - shared fixtures

"""/checks/ in a real browser: results appear one by one without a page reload."""

from __future__ import annotations

import pytest

from tests.hlc_support import amqp_connection, hlc_vhost

pytestmark = [pytest.mark.browser, pytest.mark.broker, pytest.mark.django_db(transaction=True)]
VHOST = "hlc_v5"


def test_run_page_fills_in_results_as_they_arrive(page, rabbitmq_url, rabbitmq_management_url):
    with hlc_vhost(rabbitmq_management_url, VHOST):
        # With the pidbox exchanges present and no worker, the workers check waits its 1 s
        # ping timeout: a window in which some results are in and the run is still going.
        setup = amqp_connection(rabbitmq_url, VHOST)
        setup.channel().exchange_declare(
            "celery.pidbox", "fanout", durable=False, auto_delete=False
        )
        setup.channel().exchange_declare(
            "reply.celery.pidbox", "direct", durable=False, auto_delete=False
        )
        setup.close()
        page.goto(page.base_url + "/checks/")
        page.fill("#id_broker_url", f"amqp://guest@127.0.0.1:5672/{VHOST}")
        page.fill("#id_password", "guest")
        page.fill("#id_management_url", rabbitmq_management_url)
        page.fill("#id_queues", "hlc_absent")
        page.click("#check-form button[type=submit]")
        page.wait_for_url("**/checks/*/")
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        assert page.get_attribute("#check-run", "data-status") in ("queued", "running")
        # a selector, not wait_for_function: the page's CSP forbids evaluating strings
        page.wait_for_selector(
            "#check-run[data-status=running]:has(#check-results > li)", timeout=10_000
        )
        page.wait_for_selector("#check-run[data-status=done]", timeout=20_000)
        assert navigations == []  # results came in through polling, not reloads
        assert page.locator("#check-results > li").count() >= 8
        assert page.locator("#check-pending > li").count() == 0
        connection = page.locator("#check-results > li[data-check=connection]")
        assert connection.locator(".badge").inner_text().lower() == "pass"
        missing = page.locator("#check-results > li[data-check=queue]")
        assert missing.locator(".entry a").get_attribute("href") == "/kb/queue-not-found/"
        assert missing.locator(".entry code").inner_text() == "queue-not-found"
        assert "guest:guest" not in page.content()

"""References become titled links; bare URLs link everywhere except in code."""

from kb.render import link_urls, render_body


def test_bare_urls_link_but_not_inside_code_or_existing_links():
    html = link_urls(
        "<p>See https://example.com/a_b). and <code>http://x/y</code> "
        '<a href="https://k/">https://k/</a></p><pre><code>curl https://z/</code></pre>'
    )
    assert '<a href="https://example.com/a_b">https://example.com/a_b</a>).' in html
    assert "<code>http://x/y</code>" in html
    assert html.count("<a ") == 2
    assert "curl https://z/</code>" in html


def test_reference_items_are_named_by_their_title():
    body = (
        "## Symptom\n\nx\n\n## Cause\n\ny\n\n## Fix\n\nz\n\n## References\n\n"
        "- RabbitMQ, Quorum queues: <https://www.rabbitmq.com/docs/quorum-queues#global-qos>\n"
        "- kombu issue #2469 and PR #2481: https://github.com/celery/kombu/issues/2469,\n"
        "  https://github.com/celery/kombu/pull/2481\n"
    )
    refs = next(s for s in render_body(body).sections if s["id"] == "references")["html"]
    assert (
        '<a href="https://www.rabbitmq.com/docs/quorum-queues#global-qos">RabbitMQ, Quorum queues</a>'
        in refs
    )
    assert '<span class="ref-host">rabbitmq.com</span>' in refs
    assert (
        '<a href="https://github.com/celery/kombu/issues/2469">kombu issue #2469 and PR #2481</a>'
        in refs
    )
    assert (
        '<a href="https://github.com/celery/kombu/pull/2481" class="ref-more">kombu/pull/2481</a>'
        in refs
    )
    assert ">https://" not in refs

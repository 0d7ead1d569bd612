"""Rendering: stable anchors, server-side highlighting, placeholders filled and escaped."""

import re
from pathlib import Path

from kb.render import (
    defaults_shown,
    fill_placeholders,
    render_body,
    slugify_heading,
    uses_defaults,
)

BODY = """## 증상
Text.

## Cause
Why.

## Fix
Run `{{queue}}`:

```python
Queue("{{queue}}", queue_arguments={"x-queue-type": "quorum"})
```

### Celery 5.5 and later
More.

## Extra notes {#custom-id}
"""


def test_fixed_anchors_whatever_the_heading_language():
    sections = render_body(BODY).sections
    assert [s["id"] for s in sections] == ["symptom", "cause", "fix", "custom-id"]
    assert sections[0]["title"] == "증상"


def test_subheadings_get_ascii_slug_anchors_with_links():
    fix = render_body(BODY).sections[2]["html"]
    assert '<h3 id="celery-5-5-and-later">' in fix
    assert 'href="#celery-5-5-and-later"' in fix


def test_code_is_highlighted_server_side():
    fix = render_body(BODY).sections[2]["html"]
    assert '<div class="highlight">' in fix and '<span class="n">Queue</span>' in fix


def test_placeholders_are_filled_escaped_even_inside_code():
    fix = render_body(BODY).sections[2]["html"]
    filled = fill_placeholders(fix, {"queue": "<script>alert(1)</script>"}, {"queue": "my.queue"})
    assert "<script>" not in filled
    assert filled.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    default = fill_placeholders(fix, {}, {"queue": "my.queue"})
    assert (
        default.count(
            '<span class="kb-default" title="example value: replace with yours">my.queue</span>'
        )
        == 2
    )


def test_headings_inside_code_fences_are_not_sections():
    sections = render_body("## Symptom\n```text\n## not a heading\n```\n").sections
    assert [s["id"] for s in sections] == ["symptom"]


def test_slugify_is_fixed_ascii():
    assert slugify_heading("Quorum queues (RabbitMQ 3.13+)") == "quorum-queues-rabbitmq-3-13"
    assert slugify_heading("`x-queue-type` drift") == "x-queue-type-drift"


def test_code_fences_inside_list_items_render_as_code():
    body = (
        "## Fix\n1. Set it:\n\n    ```python\n    a = 1\n\n    b = 2\n    ```\n\n2. Then restart.\n"
    )
    html = render_body(body).sections[0]["html"]
    assert "```" not in html
    assert '<span class="n">b</span>' in html and "<li>" in html


def test_the_tooltip_of_a_value_from_the_paste_follows_the_page_language():
    # review 2026-11-30: Korean diagnosis pages said "from your paste" on every filled value
    fix = render_body("## Symptom\n\nx\n\n## Cause\n\ny\n\n## Fix\n\nQueue `{{queue}}`.\n")
    html = next(s for s in fix.sections if s["id"] == "fix")["html"]
    assert 'title="from your paste"' in fill_placeholders(html, {"queue": "q"}, {})
    korean = fill_placeholders(html, {"queue": "q"}, {}, "ko")
    assert 'title="붙여 넣은 내용에서 찾은 값"' in korean and "from your paste" not in korean


def test_a_default_is_marked_as_an_example_never_like_a_value_from_the_paste():
    # review 2026-11-30: "the largest countdown/ETA/retry delay (7200 s here)" showed the
    # entry's default in an unstyled, unexplained span, as if it were the reader's own value
    fix = render_body("## Symptom\n\nx\n\n## Cause\n\ny\n\n## Fix\n\nQueue `{{queue}}`.\n")
    html = next(s for s in fix.sections if s["id"] == "fix")["html"]
    default = fill_placeholders(html, {}, {"queue": "my.queue"})
    assert (
        '<span class="kb-default" title="example value: replace with yours">my.queue</span>'
        in default
    )
    assert "kb-fact" not in default and "from your paste" not in default
    korean = fill_placeholders(html, {}, {"queue": "my.queue"}, "ko")
    assert 'title="예시 값: 자신의 값으로 바꿔 쓴다"' in korean and "example value" not in korean
    fact = fill_placeholders(html, {"queue": "q"}, {"queue": "my.queue"})
    assert "kb-default" not in fact and "example value" not in fact
    assert uses_defaults(default) and not uses_defaults(fact)
    assert defaults_shown(html, {}, {"queue": "my.queue"}) == {"queue": "my.queue"}
    assert defaults_shown(html, {"queue": "q"}, {"queue": "my.queue"}) == {}


def test_the_example_style_is_defined_and_not_colour_alone():
    css = (Path(__file__).resolve().parent.parent / "static" / "kb.css").read_text()
    rule = re.search(r"\.kb-default \{([^}]*)\}", css)
    assert rule and "dashed" in rule.group(1) and "italic" in rule.group(1)

"""Template filters for our own short texts (titles, summaries) written with `backticks`."""

from django import template
from django.utils.safestring import mark_safe

from kb.render import drop_backticks, inline_code_html

register = template.Library()


@register.filter
def inline_code(text: str) -> str:
    """Escape, then show `x` as <code>x</code>."""
    return mark_safe(inline_code_html(text))  # noqa: S308 - escaped first


@register.filter
def plain(text: str) -> str:
    """Drop the backticks (link previews and meta tags are plain text)."""
    return drop_backticks(text)

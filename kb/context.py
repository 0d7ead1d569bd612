"""Template context shared by every page."""

from django.conf import settings


def site_url(request) -> str:
    """The absolute base for links people copy: KB_SITE_URL, else this request's origin."""
    return settings.KB_SITE_URL or f"{request.scheme}://{request.get_host()}"


def site(request):
    return {"site_name": settings.KB_SITE_NAME, "site_url": site_url(request)}

"""URL map. Every public URL here is a promise: links to it live in wikis and tickets."""

from django.urls import include, path

urlpatterns = [
    path("", include("diagnostics.urls")),
    path("", include("diagnostics.check_urls")),
    path("", include("kb.urls")),
    # Sign-in for KB_REQUIRE_LOGIN_FOR_CHECKS (users: `manage.py createsuperuser`).
    path("accounts/", include("django.contrib.auth.urls")),
]

handler404 = "kb.views.not_found"

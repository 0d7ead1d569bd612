"""URL map. Every public URL here is a promise: links to it live in wikis and tickets."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("diagnostics.urls")),
    path("", include("diagnostics.check_urls")),
    path("", include("kb.urls")),
    # Sign-in for KB_REQUIRE_LOGIN_FOR_CHECKS (users: `manage.py createsuperuser`). Only
    # sign-in and sign-out: the site sends no mail, so no password-reset pages.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

handler404 = "kb.views.not_found"

"""URL map. Every public URL here is a promise: links to it live in wikis and tickets."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("diagnostics.urls")),
    path("", include("diagnostics.check_urls")),
    path("", include("kb.urls")),
]

handler404 = "kb.views.not_found"

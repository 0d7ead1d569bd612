"""KB URLs. Each is a promise: wikis, chats and tickets link here."""

from django.urls import path, re_path

from kb import views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("kb/", views.entry_index, name="entry-index"),
    re_path(r"^kb/(?P<slug>[a-z0-9][a-z0-9\-]*)/$", views.entry_page, name="entry"),
    re_path(r"^guides/(?P<slug>[a-z0-9][a-z0-9\-]*)/$", views.guide_page, name="guide"),
    path("search", views.search_page, name="search"),
    path("api/entries", views.api_entries, name="api-entries"),
    re_path(r"^api/entries/(?P<slug>[a-z0-9][a-z0-9\-]*)$", views.api_entry, name="api-entry"),
    path("api/search", views.api_search, name="api-search"),
]

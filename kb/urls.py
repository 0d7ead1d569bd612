"""KB URLs. Each is a promise: wikis, chats and tickets link here."""

from django.urls import path, re_path

from kb import extras, feedback, views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("kb/", views.entry_index, name="entry-index"),
    # Slugs are lowercase; any other case (or _ for -) redirects to the canonical URL.
    re_path(r"^kb/(?P<slug>[A-Za-z0-9][A-Za-z0-9\-_]*)/$", views.entry_page, name="entry"),
    re_path(r"^guides/(?P<slug>[A-Za-z0-9][A-Za-z0-9\-_]*)/$", views.guide_page, name="guide"),
    path("favicon.ico", views.favicon, name="favicon"),
    re_path(r"^kb/(?P<slug>[A-Za-z0-9][A-Za-z0-9\-_]*)\.md$", extras.raw_markdown, name="entry-md"),
    path("robots.txt", extras.robots_txt, name="robots"),
    path("sitemap.xml", extras.sitemap_xml, name="sitemap"),
    path("opensearch.xml", extras.opensearch_xml, name="opensearch"),
    path("api/search/suggest", extras.search_suggest, name="search-suggest"),
    path("feed.atom", extras.atom_feed, name="feed"),
    path("oembed", extras.oembed, name="oembed"),
    path("feedback", feedback.feedback, name="feedback"),
    path("search", views.search_page, name="search"),
    path("api/entries", views.api_entries, name="api-entries"),
    re_path(r"^api/entries/(?P<slug>[a-z0-9][a-z0-9\-]*)$", views.api_entry, name="api-entry"),
    path("api/search", views.api_search, name="api-search"),
]

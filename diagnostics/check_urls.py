"""Live-check URLs (public: run links are pasted into incident channels)."""

from django.urls import path

from diagnostics import check_views

app_name = "checks"
urlpatterns = [
    path("checks/", check_views.check_form, name="form"),
    path("checks/<str:run_id>/", check_views.check_run_page, name="run"),
    path("api/checks", check_views.api_start_check, name="api-start"),
    path("api/checks/<str:run_id>", check_views.api_check_status, name="api-status"),
]

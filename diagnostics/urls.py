"""Diagnostics URLs: the paste page, the JSON API, saved reports (links live in tickets)."""

from django.urls import path

from diagnostics import api, views

app_name = "diagnostics"
urlpatterns = [
    path("diagnose/", views.diagnose_page, name="diagnose"),
    path("api/diagnose", api.api_diagnose, name="api-diagnose"),
    path("d/<str:report_id>/", views.report_page, name="report"),
    path("d/<str:report_id>/delete", views.report_delete, name="report-delete"),
]

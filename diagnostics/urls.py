"""Placeholder until the owning module lands."""

urlpatterns: list = []

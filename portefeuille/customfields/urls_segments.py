"""Segments of the contacts, opportunities and invoices lists (mounted under /segments/)."""

from django.urls import URLPattern, path

from . import views_segments

urlpatterns: list[URLPattern] = [
    path("<int:segment_id>/delete/", views_segments.segment_delete, name="segment_delete"),
    path("<slug:area>/", views_segments.segment_save, name="segment_save"),
]

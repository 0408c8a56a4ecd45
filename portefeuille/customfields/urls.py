"""The settings page « Champs personnalisés » (mounted under /settings/custom-fields/)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.custom_field_list, name="custom_field_list"),
    path("new/", views.custom_field_new, name="custom_field_new"),
    path("<int:field_id>/", views.custom_field_edit, name="custom_field_edit"),
    path("<int:field_id>/move/", views.custom_field_move, name="custom_field_move"),
    path("<int:field_id>/delete/", views.custom_field_delete, name="custom_field_delete"),
]

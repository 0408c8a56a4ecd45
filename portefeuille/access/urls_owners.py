"""The owner roster pages (admins), mounted at /settings/owners/ (portefeuille/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_owners

app_name = "owners"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_owners.owner_list, name="owner_list"),
    path("add/", views_owners.owner_add, name="owner_add"),
    path("<int:pk>/remove/", views_owners.owner_remove, name="owner_remove"),
    path("<int:pk>/transfer/", views_owners.owner_transfer, name="owner_transfer"),
]

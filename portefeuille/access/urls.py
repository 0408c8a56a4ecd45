"""The portfolio pages (admins), mounted at /portfolios/. The client team & access page is
part of the contact area: its routes are in contacts/urls.py (/contacts/<id>/team/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "access"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.portfolio_list, name="portfolio_list"),
    path("new/", views.portfolio_create, name="portfolio_create"),
    path("<int:pk>/", views.portfolio_edit, name="portfolio_edit"),
    path("<int:pk>/delete/", views.portfolio_delete, name="portfolio_delete"),
    path("<int:pk>/change/<slug:action>/", views.portfolio_change, name="portfolio_change"),
]

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "access"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.client_list, name="client_list"),
    path("new/", views.client_create, name="client_create"),
    path("<int:pk>/", views.client_detail, name="client_detail"),
    path("<int:pk>/edit/<slug:action>/", views.client_edit, name="client_edit"),
    path("portfolios/", views.portfolio_list, name="portfolio_list"),
    path("portfolios/new/", views.portfolio_create, name="portfolio_create"),
    path("portfolios/<int:pk>/", views.portfolio_edit, name="portfolio_edit"),
    path("portfolios/<int:pk>/delete/", views.portfolio_delete, name="portfolio_delete"),
    path(
        "portfolios/<int:pk>/change/<slug:action>/",
        views.portfolio_change,
        name="portfolio_change",
    ),
]

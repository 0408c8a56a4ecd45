from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.firm_history, name="firm_history"),
]

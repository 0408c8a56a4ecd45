"""The offboarding pages (admins), mounted at /offboarding/ (docs/offboarding.md)."""

from django.urls import URLPattern, URLResolver, path

from . import views_offboarding as views

app_name = "offboarding"

urlpatterns: list[URLPattern | URLResolver] = [
    path("colleague/<int:pk>/<slug:action>/", views.offboarding_start, name="start"),
    path("<int:pk>/", views.offboarding_plan, name="plan"),
    path("<int:pk>/assign/", views.offboarding_assign, name="assign"),
    path("<int:pk>/preview/", views.offboarding_preview, name="preview"),
    path("<int:pk>/apply/", views.offboarding_apply, name="apply"),
]

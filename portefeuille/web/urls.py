from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.switch_language, name="switch_language"),
    path("healthz", views.healthz, name="healthz"),
]

"""The URL map: each app owns its own urls module."""

from django.urls import include, path

from portefeuille.api.api import api

urlpatterns = [
    path("", include("portefeuille.web.urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("portefeuille.firms.urls")),
    path("clients/", include("portefeuille.access.urls")),
    path("contacts/", include("portefeuille.contacts.urls")),
    path("history/", include("portefeuille.audit.urls")),
    path("api/v1/", api.urls),
]

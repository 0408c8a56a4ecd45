from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portefeuille.api"
    label = "api"

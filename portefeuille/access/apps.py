from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "portefeuille.access"
    label = "access"

from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "portefeuille.firms"
    label = "firms"

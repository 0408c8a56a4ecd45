from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "portefeuille.sales"
    label = "sales"

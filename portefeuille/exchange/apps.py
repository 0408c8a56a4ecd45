from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "portefeuille.exchange"
    label = "exchange"

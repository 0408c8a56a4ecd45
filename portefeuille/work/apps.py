from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "portefeuille.work"
    label = "work"

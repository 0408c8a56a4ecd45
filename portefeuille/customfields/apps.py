from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "portefeuille.customfields"
    label = "customfields"

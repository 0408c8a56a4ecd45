from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portefeuille.audit"
    label = "audit"

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "portefeuille.inbox"
    label = "inbox"

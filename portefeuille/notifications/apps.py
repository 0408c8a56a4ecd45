from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "portefeuille.notifications"
    label = "notifications"

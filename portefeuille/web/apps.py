from django.apps import AppConfig


class WebConfig(AppConfig):
    """The UI shell: base layout, navigation, language switch, health check."""

    name = "portefeuille.web"
    label = "web"

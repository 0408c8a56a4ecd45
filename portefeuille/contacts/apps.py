from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "portefeuille.contacts"
    label = "contacts"

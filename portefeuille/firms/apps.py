from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FirmsConfig(AppConfig):
    name = "portefeuille.firms"
    label = "firms"

    def ready(self) -> None:
        from .shared_cache import create_cache_table

        # Once per `migrate` (sender: this app), whatever the cache settings of the day.
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="firms.cache_table")

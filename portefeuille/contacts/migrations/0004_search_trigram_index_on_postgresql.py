"""On PostgreSQL, a trigram index makes "name contains …" searches fast at 100,000 contacts.

The search column is already lower-case and accent-free (`normalise_for_search`), so one
query serves both databases; SQLite scans the firm's rows of the (firm, search_name) index.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS contact_search_trgm "
        "ON contacts_contact USING gin (search_name gin_trgm_ops)"
    )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contact_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_contact_details_cards_groups_timeline_documents")]

    operations = [migrations.RunPython(create, drop)]

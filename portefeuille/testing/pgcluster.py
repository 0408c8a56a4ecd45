"""pytest plugin loaded with `-p` (before Django reads its settings).

Sets the development environment of the suite. The throwaway PostgreSQL cluster for
PORTEFEUILLE_TEST_DB=postgresql is started here too (see the foundation issue).
"""

import os

os.environ.setdefault("PORTEFEUILLE_DEV", "1")
# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

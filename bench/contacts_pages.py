"""`python -m bench.contacts_pages` (part of `make bench`): the contacts page and its search
on the demo firm (about 2,000 contacts), on a fresh SQLite file, as `make run` serves it.

Each page is requested through Django's test client (the whole stack: middleware, access
rules, template) by an admin, a full-scope staff colleague and the limited colleague; medians
of `--repeat` runs after warm-up, and ratios against two baselines measured in the same run:
`/healthz` (the cost of a request) and a plain, unfiltered read of the first 50 contacts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def median_ms(action: Callable[[], object], repeat: int) -> float:
    for _ in range(2):
        action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.contacts_pages")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="portefeuille-bench-contacts-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'demo.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ.setdefault("PORTEFEUILLE_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portefeuille.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from portefeuille.contacts.models import Contact
    from portefeuille.firms.demo import build_demo
    from portefeuille.firms.models import Colleague

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    firm = build_demo().firm
    print(f"demo built in {time.perf_counter() - started:.1f} s", flush=True)
    total = Contact.objects.filter(firm=firm).count()
    active = Colleague.objects.filter(firm=firm, is_active=True)
    cast = {
        "admin": active.filter(profile=Colleague.Profile.ADMIN).first(),
        "staff": active.filter(profile=Colleague.Profile.STAFF, scope=Colleague.Scope.FULL).first(),
        "limited": active.filter(scope=Colleague.Scope.LIMITED).first(),
    }
    pages = {
        "contacts page, Tous": "/contacts/?view=all",
        "contacts page, Mes contacts": "/contacts/",
        "search 'martin' (page)": "/contacts/?view=all&q=martin",
        "search 'elodie lefevre' (page)": "/contacts/?view=all&q=elodie+lefevre",
        "search 'mar' (live fragment)": "/contacts/?view=all&q=mar",
        "duplicate suggestions 'martin'": "/contacts/suggestions/?display_name=martin",
    }
    print(
        f"\nContacts pages on the demo firm: {total} contacts, SQLite, medians of "
        f"{args.repeat} runs (ms), ratios to /healthz and to a plain read of 50 contacts"
    )
    for name, colleague in cast.items():
        assert colleague is not None, name
        client = Client(HTTP_HOST="localhost")
        client.force_login(colleague)
        healthz = median_ms(lambda c=client: c.get("/healthz"), args.repeat)  # type: ignore[misc]
        plain = median_ms(
            lambda: list(Contact.objects.filter(firm=firm).order_by("search_name", "id")[:50]),
            args.repeat,
        )
        print(
            f"\n{name} ({colleague.full_name}): /healthz {healthz:.2f} ms, "
            f"plain read {plain:.2f} ms"
        )
        for label, url in pages.items():
            headers = (
                {"HX-Request": "true", "HX-Target": "contact-results"}
                if "fragment" in label
                else {}
            )

            def get(
                url: str = url, headers: dict[str, str] = headers, client: Client = client
            ) -> None:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.status_code)

            ms = median_ms(get, args.repeat)
            print(f"  {label:34} {ms:8.2f}  x{ms / healthz:5.1f} healthz  x{ms / plain:6.1f} plain")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

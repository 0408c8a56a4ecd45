"""`portefeuille export --as <email> [--format xlsx|csv|csv_semicolon] [--query QS]
[-o PATH]`: the client monitor's selection (docs/exchange.md) written to a file, with the
rights of the colleague given, recorded in the firm's history like an export from the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import override

from portefeuille.audit.services import record_event
from portefeuille.exchange import monitor, selection, writers
from portefeuille.firms.models import Colleague

from ._progress import progress_bar


class Command(BaseCommand):
    help = (
        "Exports the clients a colleague sees, as the client monitor would (its filters, "
        "columns and sort given by --query, e.g. 'type=3&col=name,code,manager'), to .xlsx or "
        "CSV. Only rows the colleague sees; a client seen by name only, by its name alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="actor", required=True, help="The colleague's e-mail.")
        parser.add_argument(
            "--format", choices=list(selection.EXTENSIONS), default="xlsx", help="File format."
        )
        parser.add_argument("--query", default="", help="The monitor's query string.")
        parser.add_argument("-o", "--output", default=None, help="The file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Colleague.objects.filter(email__iexact=options["actor"].strip()).first()
        if actor is None or not actor.is_active:
            raise CommandError(f"No active colleague with the e-mail {options['actor']}.")
        chosen = options["format"]
        extension = selection.EXTENSIONS[chosen]
        output = Path(options["output"] or f"clients.{extension}")
        get = QueryDict(options["query"])
        with override(actor.language or None):
            query, shown = selection.query_from(actor, get)
            total = monitor.selection(actor, query, None).order_by().count()
            tell = progress_bar("Export", total, self.stderr)
            columns = selection.export_columns(shown)
            written = 0

            def cells() -> Any:
                nonlocal written
                for row in monitor.export_rows(actor, query, None):
                    written += 1
                    if written % 1000 == 0:
                        tell(written)
                    yield [row.value(column.key) for column in shown]

            if extension == "xlsx":
                count = writers.write_xlsx(columns, cells(), output, sheet_name=_("Clients"))
            else:
                delimiter = ";" if chosen == "csv_semicolon" else ","
                with output.open("wb") as handle:
                    count = writers.write_csv(columns, cells(), handle, delimiter=delimiter)
            tell(total)
            with transaction.atomic():
                record_event(
                    actor=actor,
                    action="clients.exported",
                    after={
                        "count": count,
                        "format": extension,
                        "columns": list(query.columns),
                        "filters": dict(selection.filter_pairs(get)),
                        "selected": False,
                        "command": True,
                    },
                )
        self.stdout.write(f"Clients written to {output}: {count}.")

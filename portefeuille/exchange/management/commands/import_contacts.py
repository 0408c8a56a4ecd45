"""`portefeuille import FILE --as <email> [--duplicates skip|merge|create] [--dry-run]
[--report PATH]`: imports a contacts file (CSV, .xlsx, .vcf) as a colleague, with the
same analysis, rules and history as the import pages (docs/imports.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import override

from portefeuille.exchange import imports, readers
from portefeuille.exchange.models import ImportRow
from portefeuille.firms.models import Colleague

from ._progress import progress_bar


class Command(BaseCommand):
    help = (
        "Imports contacts from a CSV (Google Contacts, Outlook, Excel), .xlsx or vCard file as "
        "the colleague given by --as: columns recognised from their headers, every row checked, "
        "likely duplicates skipped (or merged, or created anyway with --duplicates), then the "
        "valid rows written. Prints the summary; --dry-run stops after the analysis."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to import.")
        parser.add_argument("--as", dest="actor", required=True, help="The colleague's e-mail.")
        parser.add_argument(
            "--duplicates",
            choices=["skip", "merge", "create"],
            default="skip",
            help="What to do with likely duplicates, where possible (default: skip).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Analyse only.")
        parser.add_argument("--report", default=None, help="Where to write the report (CSV).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Colleague.objects.filter(email__iexact=options["actor"].strip()).first()
        if actor is None or not actor.is_active:
            raise CommandError(f"No active colleague with the e-mail {options['actor']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        with override(actor.language or None), path.open("rb") as handle:
            try:
                job = imports.start(actor=actor, upload=File(handle, name=path.name))
                imports.set_mapping(actor=actor, job=job, chosen=job.mapping)
            except imports.ImportRefused as refused:
                raise CommandError(refused.message) from None
            self._columns(job)
            total = sum(1 for _row in readers.read_table(path, job.format).rows())
            imports.analyse(job, progress=progress_bar("Analyse", total, self.stderr))
            if options["duplicates"] != "skip":
                imports.decide_all(actor=actor, job=job, decision=options["duplicates"])
            summary = imports.summary(job)
            self.stdout.write(
                f"{summary.to_create} to create, {summary.to_merge} to merge, "
                f"{summary.to_skip} to skip, {summary.invalid} with errors "
                f"({summary.duplicates} likely duplicates)."
            )
            if options["dry_run"]:
                self._errors(job)
                return
            job.refresh_from_db()
            imports.queue(actor=actor, job=job)
            imports.run(job, progress=progress_bar("Import", job.rows_total, self.stderr))
            job.refresh_from_db()
            self.stdout.write(
                f"Import {job.pk}: {job.created_count} created, {job.merged_count} merged, "
                f"{job.skipped_count} skipped, {job.rejected_count} rejected."
            )
            if job.rejected_count or job.skipped_count:
                report = Path(options["report"] or f"import-{job.pk}-report.csv")
                with report.open("w", encoding="utf-8", newline="") as out:
                    out.writelines(imports.report_csv(job))
                self.stdout.write(f"Report of the rows not imported: {report}")

    def _columns(self, job: Any) -> None:
        for header, key in zip(job.headers, job.mapping, strict=False):
            self.stdout.write(f"  {header} -> {key or '(ignored)'}")

    def _errors(self, job: Any) -> None:
        rows = ImportRow.objects.filter(job=job).exclude(errors=[]).order_by("number")[:50]
        for row in rows:
            self.stdout.write(f"  line {row.number}: {' '.join(row.errors)}")

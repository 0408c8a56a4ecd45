"""`portefeuille offboard <email> [--to <email>] [--deactivate | --delete] [--dry-run]
[--as <admin email>]`: the offboarding plan of docs/offboarding.md from the command line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.http import Http404

from portefeuille.access import offboarding
from portefeuille.firms.models import Colleague


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Hands over everything a colleague holds (owner, manager, role slots, client teams, "
        "portfolios, teams), then deactivates (default) or deletes them. Without --to, each "
        "place goes to its proposed successor (the client's manager, else a colleague of its "
        "portfolio, else nobody). Prints the preview; --dry-run stops there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The colleague who leaves.")
        parser.add_argument("--to", default=None, help="The colleague who takes every place.")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--deactivate", action="store_true", help="Deactivate (default).")
        group.add_argument("--delete", action="store_true", help="Delete the colleague.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only.")
        parser.add_argument(
            "--as",
            dest="actor",
            default=None,
            help="The admin who acts (default: the first active admin of the firm).",
        )

    def _colleague(self, email: str, firm_id: int | None = None) -> Colleague:
        colleagues = Colleague.objects.filter(email__iexact=email.strip())
        if firm_id is not None:
            colleagues = colleagues.filter(firm_id=firm_id)
        found = colleagues.first()
        if found is None:
            raise CommandError(f"No colleague with the e-mail {email}.")
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        leaver = self._colleague(options["email"])
        actor: Colleague | None
        if options["actor"]:
            actor = self._colleague(options["actor"], leaver.firm_id)
        else:
            actor = (
                Colleague.objects.filter(
                    firm_id=leaver.firm_id, is_active=True, profile=Colleague.Profile.ADMIN
                )
                .exclude(pk=leaver.pk)
                .order_by("pk")
                .first()
            )
            if actor is None:
                raise CommandError("No other active admin in this firm to act.")
        successor = self._colleague(options["to"], leaver.firm_id) if options["to"] else None
        action = "delete" if options["delete"] else "deactivate"
        try:
            with transaction.atomic():
                self._run(actor, leaver, successor, action, dry_run=options["dry_run"])
        except _DryRun:
            self.stdout.write("Dry run: nothing was changed.")
        except (ValidationError, PermissionDenied, Http404) as error:
            messages = getattr(error, "messages", None) or [str(error) or "Not found."]
            raise CommandError("\n".join(str(m) for m in messages)) from None

    def _run(
        self,
        actor: Colleague,
        leaver: Colleague,
        successor: Colleague | None,
        action: str,
        *,
        dry_run: bool,
    ) -> None:
        plan = offboarding.create_offboarding_plan(actor=actor, colleague=leaver, action=action)
        if successor is not None:
            offboarding.set_offboarding_successors(actor=actor, plan=plan, successor=successor)
        preview = offboarding.preview_offboarding(actor=actor, plan=plan)
        self.stdout.write(
            f"Offboarding {plan.colleague_name} ({action}): {len(preview.rows)} places"
        )
        for row in preview.rows:
            line = f"  {row.client_name or '-'} | {row.role} | {row.before} -> {row.after or '-'}"
            for issue in row.issues:
                line += f"  [{'refused' if issue.blocking else 'warning'}: {issue.message}]"
            self.stdout.write(line)
        for name, count in preview.by_successor():
            self.stdout.write(f"  {name}: {count}")
        if dry_run:
            raise _DryRun
        applied = offboarding.apply_offboarding(actor=actor, plan=plan)
        self.stdout.write(
            f"Applied: {applied.changed} changes, {applied.notified} notifications; "
            f"{plan.colleague_name} {'deleted' if action == 'delete' else 'deactivated'}."
        )

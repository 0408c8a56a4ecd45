"""`portefeuille createfirm --name … --admin-email … [--admin-password …]`."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from portefeuille.firms.models import Colleague
from portefeuille.firms.services import create_firm


class Command(BaseCommand):
    help = (
        "Creates a firm with its default settings and its first admin. Without "
        "--admin-password, a random password is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The firm's name.")
        parser.add_argument("--admin-email", required=True, help="The first admin's e-mail.")
        parser.add_argument("--admin-password", default=None, help="The first admin's password.")
        parser.add_argument("--admin-first-name", default="")
        parser.add_argument("--admin-last-name", default="")

    def handle(
        self,
        *args: Any,
        name: str,
        admin_email: str,
        admin_password: str | None,
        admin_first_name: str,
        admin_last_name: str,
        **options: Any,
    ) -> None:
        name = name.strip()
        email = admin_email.strip().lower()
        if not name:
            raise CommandError("--name must not be empty.")
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{admin_email!r} is not a valid e-mail address.") from None
        if Colleague.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A colleague with the e-mail {email} already exists.")
        generated = admin_password is None
        password = admin_password if admin_password is not None else secrets.token_urlsafe(12)
        try:
            validate_password(
                password,
                user=Colleague(email=email, first_name=admin_first_name, last_name=admin_last_name),
            )
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        try:
            with transaction.atomic():
                firm, admin = create_firm(
                    name=name,
                    admin_email=email,
                    admin_password=password,
                    admin_first_name=admin_first_name.strip(),
                    admin_last_name=admin_last_name.strip(),
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Created firm {firm.name!r} (id {firm.pk})."))
        if generated:
            self.stdout.write(
                f"Admin {admin.email} can sign in with the password {password} "
                "(shown once: ask them to change it)."
            )
        else:
            self.stdout.write(f"Admin {admin.email} can sign in with the given password.")

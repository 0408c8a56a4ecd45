"""Portfolios (admins only): creating, renaming and deleting them, moving a client into one,
and staffing them with colleagues or teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from portefeuille.access.guards import lock_client, require_admin_on_client
from portefeuille.access.models import Portfolio, PortfolioStaff
from portefeuille.audit.services import audit_ref, new_event, record_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import clean_text, field_error, require_admin, same_firm
from portefeuille.firms.models import Colleague, Team
from portefeuille.notifications import kinds as notification_kinds
from portefeuille.notifications.services import holders, notify

from .checks import (
    bulk_record,
    copy_back,
    holder_name,
    holder_of,
    holder_ref,
    one_of,
    touch,
    update_clients,
)

PORTFOLIO_NAME_MAX = Portfolio._meta.get_field("name").max_length or 200


def _validated_portfolio(
    actor: Colleague, name: str, email: str, exclude: Portfolio | None = None
) -> tuple[str, str]:
    errors: dict[str, list[ValidationError]] = {}
    try:
        clean_name = clean_text(name, "name", PORTFOLIO_NAME_MAX)
    except ValidationError as error:
        errors.update(error.error_dict)
        clean_name = ""
    clean_email = (email or "").strip().lower()
    if clean_email:
        try:
            validate_email(clean_email)
        except ValidationError:
            errors["email"] = [
                ValidationError(_("Saisissez une adresse e-mail valide."), code="email")
            ]
    if clean_name:
        same = Portfolio.objects.filter(firm_id=actor.firm_id, name__iexact=clean_name)
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors["name"] = [
                ValidationError(_("Un portefeuille porte déjà ce nom."), code="duplicate_name")
            ]
    if errors:
        raise ValidationError(errors)
    return clean_name, clean_email


@transaction.atomic
def create_portfolio(*, actor: Colleague, name: str, email: str = "") -> Portfolio:
    require_admin(actor)
    clean_name, clean_email = _validated_portfolio(actor, name, email)
    portfolio = Portfolio.objects.create(firm_id=actor.firm_id, name=clean_name, email=clean_email)
    record_event(
        actor=actor,
        action="portfolio.created",
        after={"portfolio": audit_ref(portfolio), "email": clean_email},
    )
    return portfolio


def _lock_portfolio(actor: Colleague, portfolio: Portfolio) -> Portfolio:
    same_firm(actor, portfolio)
    try:
        return Portfolio.objects.select_for_update().get(pk=portfolio.pk, firm_id=actor.firm_id)
    except Portfolio.DoesNotExist:
        raise Http404 from None


@transaction.atomic
def update_portfolio(*, actor: Colleague, portfolio: Portfolio, name: str, email: str) -> Portfolio:
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    clean_name, clean_email = _validated_portfolio(actor, name, email, exclude=locked)
    if (clean_name, clean_email) == (locked.name, locked.email):
        return locked
    before = {"name": locked.name, "email": locked.email}
    locked.name, locked.email = clean_name, clean_email
    locked.save(update_fields=["name", "email"])
    record_event(
        actor=actor,
        action="portfolio.updated",
        before={"portfolio": {"id": locked.pk, **before}},
        after={"portfolio": {"id": locked.pk, "name": clean_name, "email": clean_email}},
    )
    portfolio.name, portfolio.email = clean_name, clean_email
    return locked


@transaction.atomic
def delete_portfolio(*, actor: Colleague, portfolio: Portfolio) -> int:
    """Deletes a portfolio; its clients leave it (one audit event each). Returns their count."""
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    clients = list(
        Contact.objects.select_for_update()
        .filter(firm_id=actor.firm_id, portfolio_id=locked.pk)
        .only("id", "firm_id", "display_name")
    )
    bulk_record(
        new_event(
            actor=actor,
            action="client.portfolio_changed",
            client=client,
            before={"portfolio": audit_ref(locked)},
            after={"portfolio": None},
        )
        for client in clients
    )
    update_clients(clients, portfolio=None)
    record_event(
        actor=actor,
        action="portfolio.deleted",
        before={"portfolio": audit_ref(locked), "clients": len(clients)},
    )
    locked.delete()
    return len(clients)


@transaction.atomic
def move_client_to_portfolio(
    *, actor: Colleague, client: Contact, portfolio: Portfolio | None
) -> Portfolio | None:
    """Puts a client in a portfolio (or in none), taking it out of its previous one.

    Returns the previous portfolio so the caller can say "moved from X". The client row is
    locked, so two concurrent moves serialise and each records the true previous portfolio.
    """
    locked = lock_client(actor, client, None)
    require_admin_on_client(actor, locked)
    same_firm(actor, portfolio)
    previous = locked.portfolio
    if (portfolio.pk if portfolio else None) == locked.portfolio_id:
        return previous
    locked.portfolio = portfolio
    touch(locked, "portfolio")
    record_event(
        actor=actor,
        action="client.portfolio_changed",
        client=locked,
        before={"portfolio": audit_ref(previous)},
        after={"portfolio": audit_ref(portfolio)},
    )
    copy_back(client, locked, "portfolio_id")
    return previous


@transaction.atomic
def staff_portfolio(
    *,
    actor: Colleague,
    portfolio: Portfolio,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> PortfolioStaff:
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    holder = holder_of(actor, colleague, team)
    if PortfolioStaff.objects.filter(
        portfolio_id=locked.pk, colleague=colleague, team=team
    ).exists():
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s fait déjà partie du portefeuille « %(portfolio)s ».")
            % {"name": holder_name(colleague, team), "portfolio": locked.name},
            "already_staffed",
        )
    staff = PortfolioStaff.objects.create(
        firm_id=actor.firm_id, portfolio=locked, colleague=colleague, team=team
    )
    record_event(
        actor=actor,
        action="portfolio.staffed",
        after={"portfolio": audit_ref(locked), **holder},
    )
    # One notification naming the portfolio (not one per client): its name is read when
    # the notification is read; the clients are a click away.
    notify(
        kind=notification_kinds.PORTFOLIO_STAFF_GIVEN,
        recipients=holders(colleague, team),
        client=None,
        actor=actor,
        params={"portfolio_id": locked.pk, "team_id": team.pk if team is not None else None},
    )
    return staff


@transaction.atomic
def unstaff_portfolio(
    *,
    actor: Colleague,
    portfolio: Portfolio,
    colleague: Colleague | None = None,
    team: Team | None = None,
) -> None:
    require_admin(actor)
    locked = _lock_portfolio(actor, portfolio)
    one_of(colleague, team)
    same_firm(actor, colleague, team)
    deleted, _rows = PortfolioStaff.objects.filter(
        portfolio_id=locked.pk, colleague=colleague, team=team
    ).delete()
    if not deleted:
        raise field_error(
            "team" if team is not None else "colleague",
            _("%(name)s ne fait pas partie du portefeuille « %(portfolio)s ».")
            % {"name": holder_name(colleague, team), "portfolio": locked.name},
            "not_staffed",
        )
    record_event(
        actor=actor,
        action="portfolio.unstaffed",
        before={
            "portfolio": audit_ref(locked),
            **holder_ref(colleague, team),
        },
    )

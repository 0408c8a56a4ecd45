"""Bulk edit of the monitor's selection (docs/exchange.md, "Bulk edit"): a preview that says
what changes and what is refused, then one transaction with one history event per client
changed, and a summary."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from pytest_django import Settings

from portefeuille.access import services as access
from portefeuille.access.models import ClientMember, RoleAssignment
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts.models import Contact
from portefeuille.exchange import services
from portefeuille.exchange.services import BulkChange
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.firms.services import set_role_slot_titles
from portefeuille.notifications.models import Notification
from portefeuille.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def firm() -> Firm:
    return f.FirmFactory.create()


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return f.AdminFactory.create(firm=firm)


@pytest.fixture
def sacha(firm: Firm) -> Colleague:
    """Staff, manager of the « Sacha » clients only."""
    return f.ColleagueFactory.create(firm=firm, first_name="Sacha", last_name="Staff")


@pytest.fixture
def nina(firm: Firm) -> Colleague:
    return f.ColleagueFactory.create(firm=firm, first_name="Nina", last_name="Nouvelle")


def _clients(firm: Firm, sacha: Colleague) -> dict[str, Contact]:
    return {
        "mine 1": f.OrganizationFactory.create(firm=firm, display_name="A mine 1", manager=sacha),
        "mine 2": f.OrganizationFactory.create(firm=firm, display_name="B mine 2", manager=sacha),
        "public": f.OrganizationFactory.create(firm=firm, display_name="C public"),
        "private": f.OrganizationFactory.create(
            firm=firm, display_name="D private", privacy=Privacy.PRIVATE
        ),
    }


def test_the_preview_tells_what_changes_and_what_is_refused_and_writes_nothing(
    firm: Firm, sacha: Colleague, nina: Colleague
) -> None:
    clients = _clients(firm, sacha)
    f.ClientMemberFactory.create(client=clients["mine 2"], colleague=nina)
    ids = [c.pk for c in clients.values()]

    preview = services.preview_bulk_edit(
        actor=sacha, client_ids=ids, change=BulkChange("add_member", nina)
    )
    assert preview.changed == [clients["mine 1"]]
    assert preview.unchanged == [clients["mine 2"]]
    # The public client: seen in full, but Sacha is neither its admin, owner nor manager.
    assert [r.client for r in preview.refused] == [clients["public"]]
    assert "gestionnaire" in preview.refused[0].reason
    # The private client is not seen in full: it does not exist here.
    assert not AuditEvent.objects.filter(action="client.member_added").exists()
    assert not ClientMember.objects.filter(client=clients["mine 1"]).exists()


def test_applying_changes_each_client_with_its_own_event_and_says_what_was_done(
    firm: Firm, sacha: Colleague, nina: Colleague
) -> None:
    clients = _clients(firm, sacha)
    ids = [c.pk for c in clients.values()]
    change = BulkChange("add_member", nina)
    preview = services.preview_bulk_edit(actor=sacha, client_ids=ids, change=change)

    done = services.apply_bulk_edit(actor=sacha, seen=preview.seen, change=change)

    assert done.changed == [clients["mine 1"], clients["mine 2"]]
    assert done.refused == []  # the preview's refusals were never confirmed
    assert set(ClientMember.objects.filter(colleague=nina).values_list("client", flat=True)) == {
        clients["mine 1"].pk,
        clients["mine 2"].pk,
    }
    events = AuditEvent.objects.filter(action="client.member_added", actor=sacha)
    assert {e.client_id for e in events} == {clients["mine 1"].pk, clients["mine 2"].pk}
    assert events.count() == 2


def test_a_client_changed_since_the_preview_is_refused_not_overwritten(
    firm: Firm, admin: Colleague, sacha: Colleague, nina: Colleague
) -> None:
    clients = _clients(firm, sacha)
    change = BulkChange("privacy", Privacy.PRIVATE)
    preview = services.preview_bulk_edit(
        actor=admin, client_ids=[clients["mine 1"].pk, clients["mine 2"].pk], change=change
    )
    # Meanwhile someone else gives « mine 2 » another manager.
    access.set_manager(actor=admin, client=clients["mine 2"], manager=nina)

    done = services.apply_bulk_edit(actor=admin, seen=preview.seen, change=change)
    assert done.changed == [clients["mine 1"]]
    assert [r.client.pk for r in done.refused] == [clients["mine 2"].pk]
    assert "modifié depuis l'aperçu" in done.refused[0].reason
    assert Contact.objects.get(pk=clients["mine 2"].pk).privacy == Privacy.PUBLIC


def test_a_deactivated_colleague_is_refused_before_any_client(
    firm: Firm, admin: Colleague, sacha: Colleague
) -> None:
    clients = _clients(firm, sacha)
    gone = f.ColleagueFactory.create(firm=firm, is_active=False)
    ids = [clients["mine 1"].pk, clients["public"].pk]
    for change in (BulkChange("manager", gone), BulkChange("add_member", gone)):
        with pytest.raises(ValidationError, match="désactivé"):
            services.preview_bulk_edit(actor=admin, client_ids=ids, change=change)
    assert not AuditEvent.objects.filter(action="client.manager_changed").exists()


def test_a_role_given_meanwhile_is_not_overwritten(
    firm: Firm, admin: Colleague, sacha: Colleague, nina: Colleague
) -> None:
    set_role_slot_titles(actor=admin, titles={1: "Associé signataire"})
    clients = _clients(firm, sacha)
    change = BulkChange("role", nina, slot=1)
    preview = services.preview_bulk_edit(
        actor=admin, client_ids=[clients["mine 1"].pk], change=change
    )
    # Meanwhile someone gives the role to Sacha (the client's version does not move).
    access.set_role_holder(actor=admin, client=clients["mine 1"], slot=1, colleague=sacha)

    done = services.apply_bulk_edit(actor=admin, seen=preview.seen, change=change)
    assert done.changed == []
    assert "modifié depuis l'aperçu" in done.refused[0].reason
    assert RoleAssignment.objects.get(client=clients["mine 1"], slot=1).colleague_id == sacha.pk


def test_one_manager_for_many_clients_is_told_once(
    firm: Firm, admin: Colleague, sacha: Colleague, nina: Colleague
) -> None:
    clients = _clients(firm, sacha)
    ids = [c.pk for c in clients.values()]
    change = BulkChange("manager", nina)
    preview = services.preview_bulk_edit(actor=admin, client_ids=ids, change=change)
    done = services.apply_bulk_edit(actor=admin, seen=preview.seen, change=change)
    assert len(done.changed) == 4
    assert AuditEvent.objects.filter(action="client.manager_changed").count() == 4
    assert Notification.objects.filter(recipient=nina).count() == 1


def test_owners_are_not_changed_when_the_firm_does_not_use_them(
    firm: Firm, admin: Colleague, sacha: Colleague
) -> None:
    clients = _clients(firm, sacha)
    Firm.objects.filter(pk=firm.pk).update(ownership_enabled=False)
    with pytest.raises(ValidationError, match="responsables clients"):
        services.preview_bulk_edit(
            actor=admin, client_ids=[clients["mine 1"].pk], change=BulkChange("owner", None)
        )


def test_moving_to_a_portfolio_is_for_admins_and_another_firms_value_is_refused(
    firm: Firm, admin: Colleague, sacha: Colleague
) -> None:
    clients = _clients(firm, sacha)
    portfolio = f.PortfolioFactory.create(firm=firm)
    ids = [c.pk for c in clients.values()]
    with pytest.raises(PermissionDenied):
        services.preview_bulk_edit(
            actor=sacha, client_ids=ids, change=BulkChange("portfolio", portfolio)
        )
    foreign = f.PortfolioFactory.create()
    with pytest.raises(ValidationError):
        services.preview_bulk_edit(
            actor=admin, client_ids=ids, change=BulkChange("portfolio", foreign)
        )
    change = BulkChange("portfolio", portfolio)
    preview = services.preview_bulk_edit(actor=admin, client_ids=ids, change=change)
    done = services.apply_bulk_edit(actor=admin, seen=preview.seen, change=change)
    assert len(done.changed) == 4
    assert Contact.objects.filter(portfolio=portfolio).count() == 4
    assert AuditEvent.objects.filter(action="client.portfolio_changed").count() == 4


def test_the_pages_walk_from_the_monitor_to_the_summary(
    firm: Firm, sacha: Colleague, nina: Colleague
) -> None:
    clients = _clients(firm, sacha)
    http = Client()
    http.force_login(sacha)
    selection = {"state": "", "scope": "all"}
    choose = http.post("/monitor/bulk/", selection)
    assert choose.status_code == 200
    # The private client, seen by name only, is not in the selection.
    assert "Pour les 3 clients sélectionnés." in choose.content.decode()

    preview = http.post(
        "/monitor/bulk/", {**selection, "field": "manager", "value_manager": str(nina.pk)}
    )
    text = html.unescape(preview.content.decode())
    assert "2 clients seront modifiés." in text
    assert "1 client que vous ne pouvez pas modifier." in text
    versions = re.search(r'name="versions" value="([^"]*)"', text)
    assert versions is not None

    summary = http.post(
        "/monitor/bulk/apply/",
        {"field": "manager", "value_manager": str(nina.pk), "versions": versions.group(1)},
    )
    assert "2 clients modifiés." in summary.content.decode()
    assert set(Contact.objects.filter(manager=nina).values_list("pk", flat=True)) == {
        clients["mine 1"].pk,
        clients["mine 2"].pk,
    }
    assert http.get("/monitor/bulk/").status_code == 405


def test_a_value_of_another_firm_is_refused_on_the_page(firm: Firm, sacha: Colleague) -> None:
    _clients(firm, sacha)
    stranger = f.ColleagueFactory.create()
    http = Client()
    http.force_login(sacha)
    answer = http.post(
        "/monitor/bulk/",
        {"state": "", "scope": "all", "field": "manager", "value_manager": str(stranger.pk)},
    )
    assert answer.status_code == 422
    assert "Ce choix n'est pas disponible." in html.unescape(answer.content.decode())

"""Colleagues: creation (password or invitation), edits, deactivation, deletion."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from portefeuille.access.models import OwnerEntry
from portefeuille.audit.models import AuditEvent
from portefeuille.audit.services import record_event
from portefeuille.firms import services, tokens
from portefeuille.firms.guards import StaleVersionError
from portefeuille.firms.models import Colleague, PersonalAccessToken
from portefeuille.firms.versions import colleague_version
from portefeuille.testing.factories import (
    PASSWORD,
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    TeamMembershipFactory,
)

STRONG = "Plume-de-Bourgogne-47"

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


def new_colleague(admin: Colleague, **overrides: Any) -> Colleague:
    values: dict[str, Any] = {
        "email": "jean.dupont@example.com",
        "first_name": "Jean",
        "last_name": "Dupont",
        "profile": Colleague.Profile.STAFF,
        "scope": Colleague.Scope.FULL,
    }
    values.update(overrides)
    return services.create_colleague(actor=admin, **values)


def field_codes(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


# Creation ---------------------------------------------------------------------------------


def test_created_with_a_password_the_colleague_can_sign_in(admin: Colleague, client: Any) -> None:
    colleague = new_colleague(admin, email="Jean.Dupont@Example.com", password=STRONG)

    assert colleague.email == "jean.dupont@example.com"
    assert colleague.firm_id == admin.firm_id
    response = client.post(
        reverse("account_login"), {"login": "jean.dupont@example.com", "password": STRONG}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)
    event = AuditEvent.objects.get(action="colleague.created")
    assert event.actor == admin
    assert event.after is not None
    assert event.after["email"] == "jean.dupont@example.com"


def test_duplicate_email_is_refused_on_the_email_field_in_the_callers_language(
    admin: Colleague,
) -> None:
    ColleagueFactory.create(email="taken@example.com")  # in another firm: addresses are global

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        new_colleague(admin, email="TAKEN@example.com")

    assert field_codes(caught.value) == {"email": ["duplicate_email"]}
    assert "already used" in caught.value.message_dict["email"][0]
    assert Colleague.objects.filter(email="taken@example.com").count() == 1


def test_weak_password_is_refused_with_djangos_validators(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        new_colleague(admin, password="dupont")

    assert "password" in caught.value.message_dict
    assert not Colleague.objects.filter(email="jean.dupont@example.com").exists()


def test_every_bad_field_is_reported_at_once(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        new_colleague(admin, email="not-an-address", profile="boss", scope="everything")

    assert set(caught.value.message_dict) == {"email", "profile", "scope"}


def test_staff_cannot_create_colleagues(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)

    with pytest.raises(PermissionDenied):
        new_colleague(staff)
    assert not Colleague.objects.filter(email="jean.dupont@example.com").exists()


def test_invitation_email_lets_the_colleague_choose_a_password_and_sign_in(
    admin: Colleague,
    client: Any,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        colleague = new_colleague(admin, send_invitation=True, language="en")

    assert not colleague.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jean.dupont@example.com"]
    assert message.subject == f"Invitation to join {admin.firm.name} on Portefeuille"
    assert "Alice Martin invites you" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(message.body))
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"password1": STRONG, "password2": STRONG})
    assert done.status_code == 302

    client.logout()
    signed_in = client.post(
        reverse("account_login"), {"login": "jean.dupont@example.com", "password": STRONG}
    )
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)
    # The link works once: the password it set changed the token.
    assert "token_fail" in client.get(link.group(1)).context


def test_invitation_is_in_french_when_the_colleague_has_no_language(
    admin: Colleague, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        new_colleague(admin, send_invitation=True)

    assert mail.outbox[0].subject.startswith("Invitation à rejoindre")


def test_invitation_is_queued_as_a_background_task(
    admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        colleague = new_colleague(admin, send_invitation=True)

    task = DBTaskResult.objects.get()
    assert task.task_path == "portefeuille.firms.tasks.send_invitation_email"
    assert task.args_kwargs["kwargs"] == {"colleague_id": colleague.pk, "inviter_id": admin.pk}
    assert mail.outbox == []


def test_no_invitation_goes_out_when_the_creation_is_rolled_back(
    admin: Colleague, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    def create_then_fail() -> None:
        with transaction.atomic():
            new_colleague(admin, send_invitation=True)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        create_then_fail()

    assert mail.outbox == []
    assert not Colleague.objects.filter(email="jean.dupont@example.com").exists()


# Edits -------------------------------------------------------------------------------------


def test_admin_changes_profile_scope_and_email(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)

    services.update_colleague(
        actor=admin,
        colleague=staff,
        profile="admin",
        scope="limited",
        email="New@Example.com",
    )

    staff.refresh_from_db()
    assert (staff.profile, staff.scope, staff.email) == ("admin", "limited", "new@example.com")
    event = AuditEvent.objects.get(action="colleague.updated")
    assert event.after == {"email": "new@example.com", "profile": "admin", "scope": "limited"}


def test_colleague_changes_own_names_and_language_only(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)

    services.update_colleague(actor=staff, colleague=staff, first_name="Zoé", language="en")
    with pytest.raises(PermissionDenied):
        services.update_colleague(actor=staff, colleague=staff, scope="limited")
    with pytest.raises(PermissionDenied):
        services.update_colleague(actor=staff, colleague=admin, first_name="Hacked")

    staff.refresh_from_db()
    admin.refresh_from_db()
    assert (staff.first_name, staff.language, staff.scope) == ("Zoé", "en", "full")
    assert admin.first_name == "Alice"


def test_a_change_from_a_stale_copy_is_refused_and_writes_nothing(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm, first_name="Sam")
    loaded = colleague_version(staff)
    services.update_colleague(actor=admin, colleague=staff, first_name="Première")

    with pytest.raises(StaleVersionError):
        services.update_colleague(
            actor=admin, colleague=staff, first_name="Seconde", expected_version=loaded
        )

    staff.refresh_from_db()
    assert staff.first_name == "Première"
    assert AuditEvent.objects.filter(action="colleague.updated").count() == 1


def test_a_change_from_the_current_version_goes_through(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm, first_name="Sam")

    services.update_colleague(
        actor=admin,
        colleague=staff,
        first_name="Léo",
        expected_version=["not-a-version", colleague_version(staff)],
    )

    staff.refresh_from_db()
    assert staff.first_name == "Léo"


def test_last_active_admin_cannot_be_made_staff(admin: Colleague) -> None:
    with pytest.raises(ValidationError) as caught:
        services.update_colleague(actor=admin, colleague=admin, profile="staff")
    assert field_codes(caught.value) == {"profile": ["last_admin"]}

    second = AdminFactory.create(firm=admin.firm)
    services.update_colleague(actor=admin, colleague=second, profile="staff")
    second.refresh_from_db()
    assert second.profile == "staff"


def test_an_inactive_admin_does_not_count_as_the_remaining_admin(admin: Colleague) -> None:
    AdminFactory.create(firm=admin.firm, is_active=False)

    with pytest.raises(ValidationError):
        services.update_colleague(actor=admin, colleague=admin, profile="staff")


def test_colleague_of_another_firm_is_not_found(admin: Colleague) -> None:
    stranger = ColleagueFactory.create()

    with pytest.raises(Http404):
        services.update_colleague(actor=admin, colleague=stranger, first_name="X")
    with pytest.raises(Http404):
        services.deactivate_colleague(actor=admin, colleague=stranger)
    with pytest.raises(Http404):
        services.delete_colleague(actor=admin, colleague=stranger)
    stranger.refresh_from_db()
    assert stranger.is_active


# Deactivation, reactivation, deletion ------------------------------------------------------


def test_deactivation_revokes_tokens_and_keeps_teams(admin: Colleague) -> None:
    membership = TeamMembershipFactory.create(team__firm=admin.firm, colleague__firm=admin.firm)
    leaving = membership.colleague
    token, secret = services.create_api_token(actor=leaving, name="Script")
    assert tokens.authenticate_token(secret) == leaving

    services.deactivate_colleague(actor=admin, colleague=leaving)

    leaving.refresh_from_db()
    token.refresh_from_db()
    assert not leaving.is_active
    assert token.revoked_at is not None
    assert tokens.authenticate_token(secret) is None
    assert list(leaving.teams.all()) == [membership.team]
    assert AuditEvent.objects.filter(action="colleague.deactivated").count() == 1


def test_deactivated_colleague_session_stops_at_once(admin: Colleague, client: Any) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)
    client.force_login(staff)
    assert client.get(reverse("home")).status_code == 200

    services.deactivate_colleague(actor=admin, colleague=staff)

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_cannot_deactivate_or_delete_themselves(admin: Colleague) -> None:
    AdminFactory.create(firm=admin.firm)

    with pytest.raises(ValidationError):
        services.deactivate_colleague(actor=admin, colleague=admin)
    with pytest.raises(ValidationError):
        services.delete_colleague(actor=admin, colleague=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_staff_cannot_deactivate_anyone(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)

    with pytest.raises(PermissionDenied):
        services.deactivate_colleague(actor=staff, colleague=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_reactivated_colleague_signs_in_again_but_tokens_stay_revoked(
    admin: Colleague, client: Any
) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)
    _token, secret = services.create_api_token(actor=staff, name="Script")
    services.deactivate_colleague(actor=admin, colleague=staff)

    services.reactivate_colleague(actor=admin, colleague=staff)

    assert client.login(username=staff.email, password=PASSWORD)
    assert tokens.authenticate_token(secret) is None
    with pytest.raises(ValidationError):
        services.reactivate_colleague(actor=admin, colleague=staff)


def test_deleted_colleague_stays_in_history_by_name(admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm, first_name="Paul", last_name="Girard")
    record_event(actor=staff, action="client.created")

    services.delete_colleague(actor=admin, colleague=staff)

    assert not Colleague.objects.filter(pk=staff.pk).exists()
    old = AuditEvent.objects.get(action="client.created")
    assert old.actor is None
    assert old.actor_name == "Paul Girard"
    deleted = AuditEvent.objects.get(action="colleague.deleted")
    assert deleted.before is not None
    assert deleted.before["email"] == staff.email


def test_leaving_colleagues_clients_can_be_handed_over(admin: Colleague) -> None:
    leaving = ColleagueFactory.create(firm=admin.firm)
    successor = ColleagueFactory.create(firm=admin.firm)
    leaving_entry = OwnerEntry.objects.create(firm=admin.firm, colleague=leaving)
    successor_entry = OwnerEntry.objects.create(firm=admin.firm, colleague=successor)
    owned = ClientFactory.create(firm=admin.firm, owner=leaving_entry)
    managed = ClientFactory.create(firm=admin.firm, manager=leaving)

    services.deactivate_colleague(
        actor=admin,
        colleague=leaving,
        reassign_clients=True,
        owner_to=successor_entry,
        manager_to=successor,
    )

    owned.refresh_from_db()
    managed.refresh_from_db()
    assert owned.owner == successor_entry
    assert managed.manager == successor


def test_refused_handover_leaves_the_colleague_active(admin: Colleague) -> None:
    leaving = ColleagueFactory.create(firm=admin.firm)
    ClientFactory.create(firm=admin.firm, manager=leaving)

    with pytest.raises(ValidationError):
        services.deactivate_colleague(
            actor=admin, colleague=leaving, reassign_clients=True, manager_to=leaving
        )

    leaving.refresh_from_db()
    assert leaving.is_active
    assert not PersonalAccessToken.objects.filter(revoked_at__isnull=False).exists()

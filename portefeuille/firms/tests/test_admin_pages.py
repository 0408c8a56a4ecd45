"""The administration pages: admins only (403 for others), other firms' ids are 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from portefeuille.firms.models import Colleague, ContactType, PersonalAccessToken, Team, WorkStatus
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


@pytest.fixture
def admin_client(client: Any, admin: Colleague) -> Any:
    client.force_login(admin)
    return client


def admin_urls(colleague: Colleague, team: Team) -> list[str]:
    contact_type = ContactType.objects.filter(firm_id=team.firm_id).first()
    assert contact_type is not None
    return [
        reverse("firms:colleague_list"),
        reverse("firms:colleague_create"),
        reverse("firms:colleague_edit", args=[colleague.pk]),
        reverse("firms:colleague_action", args=[colleague.pk, "deactivate"]),
        reverse("firms:colleague_action", args=[colleague.pk, "delete"]),
        reverse("firms:team_list"),
        reverse("firms:team_create"),
        reverse("firms:team_edit", args=[team.pk]),
        reverse("firms:team_delete", args=[team.pk]),
        reverse("firms:firm_settings"),
    ]


def test_staff_get_403_on_every_admin_page(client: Any, admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)
    team = TeamFactory.create(firm=admin.firm)
    client.force_login(staff)

    for url in admin_urls(admin, team):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("firms:team_create"), {"name": "Pirates"}).status_code == 403
    assert not Team.objects.filter(name="Pirates").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client: Any, admin: Colleague) -> None:
    response = client.get(reverse("firms:colleague_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_other_firms_ids_are_404_like_unknown_ones(admin_client: Any) -> None:
    stranger = ColleagueFactory.create()
    foreign_team = TeamFactory.create(firm=stranger.firm)
    foreign_type = ContactType.objects.filter(firm=stranger.firm).first()
    assert foreign_type is not None

    urls = [url for url in admin_urls(stranger, foreign_team) if str(stranger.pk) in url]
    urls += [reverse("firms:team_edit", args=[foreign_team.pk])]
    for url in urls:
        assert admin_client.get(url).status_code == 404, url
    for url in [
        reverse("firms:colleague_action", args=[stranger.pk, "deactivate"]),
        reverse("firms:team_delete", args=[foreign_team.pk]),
        reverse("firms:settings_list_action", args=["contact-types", foreign_type.pk, "delete"]),
    ]:
        assert admin_client.post(url).status_code == 404, url
    stranger.refresh_from_db()
    assert stranger.is_active
    assert Team.objects.filter(pk=foreign_team.pk).exists()
    assert ContactType.objects.filter(pk=foreign_type.pk).exists()


def test_colleague_list_filters_and_searches(admin_client: Any, admin: Colleague) -> None:
    ColleagueFactory.create(firm=admin.firm, first_name="Bruno", last_name="Petit")
    ColleagueFactory.create(firm=admin.firm, first_name="Chloé", last_name="Roux", is_active=False)
    ColleagueFactory.create(first_name="Bruno", last_name="Étranger")  # another firm

    def listed(query: str) -> set[str]:
        response = admin_client.get(reverse("firms:colleague_list") + query)
        return {person.full_name for person in response.context["page"].object_list}

    assert listed("") == {"Alice Martin", "Bruno Petit"}
    assert listed("?status=inactive") == {"Chloé Roux"}
    assert listed("?status=all") == {"Alice Martin", "Bruno Petit", "Chloé Roux"}
    assert listed("?q=bruno") == {"Bruno Petit"}
    assert listed("?q=martin+ali") == {"Alice Martin"}


def test_colleague_search_answers_htmx_with_the_results_only(admin_client: Any) -> None:
    response = admin_client.get(
        reverse("firms:colleague_list") + "?q=alice",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="colleague-results",
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="colleague-results">')
    assert "Alice Martin" in body
    assert "<html" not in body


def test_admin_creates_a_colleague_with_an_initial_password(admin_client: Any) -> None:
    response = admin_client.post(
        reverse("firms:colleague_create"),
        {
            "first_name": "Jean",
            "last_name": "Dupont",
            "email": "jean@example.com",
            "profile": "staff",
            "scope": "limited",
            "language": "",
            "access": "password",
            "password": "Plume-de-Bourgogne-47",
        },
    )

    colleague = Colleague.objects.get(email="jean@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("firms:colleague_edit", args=[colleague.pk])
    assert colleague.is_limited
    assert colleague.check_password("Plume-de-Bourgogne-47")


def test_create_form_shows_duplicate_email_next_to_the_field(
    admin_client: Any, admin: Colleague
) -> None:
    response = admin_client.post(
        reverse("firms:colleague_create"),
        {
            "email": admin.email,
            "profile": "staff",
            "scope": "full",
            "access": "invitation",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 200
    assert "déjà utilisée" in str(response.context["form"].errors["email"])
    assert mail.outbox == []


def test_password_is_required_when_chosen(admin_client: Any) -> None:
    response = admin_client.post(
        reverse("firms:colleague_create"),
        {"email": "x@example.com", "profile": "staff", "scope": "full", "access": "password"},
    )

    assert "password" in response.context["form"].errors
    assert not Colleague.objects.filter(email="x@example.com").exists()


def test_admin_edits_a_colleague(admin_client: Any, admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)

    admin_client.post(
        reverse("firms:colleague_edit", args=[staff.pk]),
        {
            "first_name": "Zoé",
            "last_name": "Blanc",
            "email": staff.email,
            "profile": "admin",
            "scope": "full",
            "language": "en",
        },
    )

    staff.refresh_from_db()
    assert (staff.first_name, staff.profile, staff.language) == ("Zoé", "admin", "en")


def test_deactivation_goes_through_a_confirmation_page(admin_client: Any, admin: Colleague) -> None:
    staff = ColleagueFactory.create(firm=admin.firm)
    url = reverse("firms:colleague_action", args=[staff.pk, "deactivate"])

    page = admin_client.get(url)
    staff.refresh_from_db()
    assert page.status_code == 200
    assert staff.is_active

    admin_client.post(url)
    staff.refresh_from_db()
    assert not staff.is_active

    admin_client.post(reverse("firms:colleague_action", args=[staff.pk, "reactivate"]))
    staff.refresh_from_db()
    assert staff.is_active


def test_deactivation_page_asks_where_the_clients_go(admin_client: Any, admin: Colleague) -> None:
    leaving = ColleagueFactory.create(firm=admin.firm)
    successor = ColleagueFactory.create(firm=admin.firm, first_name="Hugo", last_name="Lemoine")
    client_record = ClientFactory.create(firm=admin.firm, manager=leaving)
    url = reverse("firms:colleague_action", args=[leaving.pk, "deactivate"])

    page = admin_client.get(url).content.decode()
    assert "Hugo Lemoine" in page

    admin_client.post(url, {"what": "reassign", "manager_to": successor.pk, "owner_to": ""})
    client_record.refresh_from_db()
    leaving.refresh_from_db()
    assert client_record.manager == successor
    assert not leaving.is_active


def test_admin_cannot_delete_themselves_from_the_page(admin_client: Any, admin: Colleague) -> None:
    AdminFactory.create(firm=admin.firm)

    response = admin_client.post(reverse("firms:colleague_action", args=[admin.pk, "delete"]))

    assert response.status_code == 200
    assert Colleague.objects.filter(pk=admin.pk).exists()


def test_team_is_created_from_the_page_with_active_members_only(
    admin_client: Any, admin: Colleague
) -> None:
    alice = ColleagueFactory.create(firm=admin.firm, first_name="Anne", last_name="Aubert")
    gone = ColleagueFactory.create(
        firm=admin.firm, first_name="Gaston", last_name="Parti", is_active=False
    )

    form_page = admin_client.get(reverse("firms:team_create")).content.decode()
    assert "Anne Aubert" in form_page
    assert "Gaston Parti" not in form_page

    response = admin_client.post(
        reverse("firms:team_create"), {"name": "Audit", "members": [alice.pk, gone.pk]}
    )
    assert response.status_code == 200  # the inactive one is not a valid choice
    assert not Team.objects.filter(name="Audit").exists()

    admin_client.post(reverse("firms:team_create"), {"name": "Audit", "members": [alice.pk]})
    team = Team.objects.get(firm=admin.firm, name="Audit")
    assert list(team.members.all()) == [alice]
    listing = admin_client.get(reverse("firms:team_list")).content.decode()
    assert "Audit" in listing
    assert "Anne Aubert" in listing


def test_team_rename_with_a_taken_name_shows_the_error(admin_client: Any, admin: Colleague) -> None:
    TeamFactory.create(firm=admin.firm, name="Paie")
    team = TeamFactory.create(firm=admin.firm, name="Audit")

    response = admin_client.post(reverse("firms:team_edit", args=[team.pk]), {"name": "paie"})

    assert "name" in response.context["form"].errors
    team.refresh_from_db()
    assert team.name == "Audit"


def test_team_edit_page_offers_removal_of_deactivated_members(
    admin_client: Any, admin: Colleague
) -> None:
    membership = TeamMembershipFactory.create(
        team__firm=admin.firm, colleague__firm=admin.firm, colleague__is_active=False
    )
    team, gone = membership.team, membership.colleague

    page = admin_client.get(reverse("firms:team_edit", args=[team.pk])).content.decode()
    assert gone.full_name in page

    admin_client.post(reverse("firms:team_remove_member", args=[team.pk, gone.pk]))
    assert not team.members.exists()


def test_team_is_deleted_after_confirmation(admin_client: Any, admin: Colleague) -> None:
    team = TeamFactory.create(firm=admin.firm)

    assert admin_client.get(reverse("firms:team_delete", args=[team.pk])).status_code == 200
    admin_client.post(reverse("firms:team_delete", args=[team.pk]))

    assert not Team.objects.filter(pk=team.pk).exists()


def test_firm_settings_page_saves_general_settings(admin_client: Any, admin: Colleague) -> None:
    admin_client.post(
        reverse("firms:firm_settings"),
        {
            "name": "Cabinet Rivière",
            "general_email": "contact@riviere.fr",
            "default_privacy": "hidden",
            "ownership_enabled": "on",
        },
    )

    admin.firm.refresh_from_db()
    assert admin.firm.name == "Cabinet Rivière"
    assert admin.firm.default_privacy == "hidden"
    assert not admin.firm.owner_required


def test_role_titles_are_saved_from_the_settings_page(admin_client: Any, admin: Colleague) -> None:
    data = {f"title_{n}": "" for n in range(1, 11)}
    data["title_1"] = "Associé"
    admin_client.post(reverse("firms:role_slots"), data)

    page = admin_client.get(reverse("firms:firm_settings")).content.decode()
    assert 'value="Associé"' in page


def test_contact_type_in_use_refusal_is_shown_in_the_section(
    admin_client: Any, admin: Colleague
) -> None:
    client_type = ContactType.objects.get(firm=admin.firm, name="Client")
    ClientFactory.create_batch(2, firm=admin.firm, contact_type=client_type)
    url = reverse("firms:settings_list_action", args=["contact-types", client_type.pk, "delete"])

    response = admin_client.post(url, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="contact-types"')
    assert "2 contacts" in body
    assert ContactType.objects.filter(pk=client_type.pk).exists()


def test_settings_lists_add_move_and_delete(admin_client: Any, admin: Colleague) -> None:
    create = reverse("firms:settings_list_create", args=["work-statuses"])
    admin_client.post(create, {"name": "Relance client", "primary_state": "waiting"})
    status = WorkStatus.objects.get(firm=admin.firm, name="Relance client")
    assert status.primary_state == "waiting"

    admin_client.post(
        reverse("firms:settings_list_action", args=["work-statuses", status.pk, "up"])
    )
    names = list(
        WorkStatus.objects.filter(firm=admin.firm)
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert names[-2:] == ["Relance client", "Terminé"]

    admin_client.post(
        reverse("firms:settings_list_action", args=["work-statuses", status.pk, "delete"])
    )
    assert not WorkStatus.objects.filter(pk=status.pk).exists()


def test_profile_page_changes_own_name_and_language(client: Any) -> None:
    staff = ColleagueFactory.create()
    client.force_login(staff)

    response = client.post(
        reverse("firms:profile"), {"first_name": "Zoé", "last_name": "Blanc", "language": "en"}
    )

    staff.refresh_from_db()
    assert (staff.first_name, staff.language) == ("Zoé", "en")
    page = client.get(response["Location"]).content.decode()
    assert "My profile" in page
    assert reverse("account_change_password") in page
    assert reverse("mfa_index") in page


def test_token_page_shows_the_secret_once_and_revokes(client: Any) -> None:
    staff = ColleagueFactory.create()
    client.force_login(staff)

    created = client.post(reverse("firms:api_tokens"), {"name": "Export"})
    secret = created.context["new_secret"]
    assert secret in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert secret not in client.get(reverse("firms:api_tokens")).content.decode()

    token = PersonalAccessToken.objects.get(colleague=staff)
    client.post(reverse("firms:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_someone_elses_token_from_the_page(client: Any) -> None:
    owner = ColleagueFactory.create()
    token = PersonalAccessToken.objects.create(
        firm=owner.firm, colleague=owner, name="X", prefix="abcdefgh", key_hash="0" * 64
    )
    client.force_login(AdminFactory.create(firm=owner.firm))

    response = client.post(reverse("firms:api_token_revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_sends_the_invitation_again(
    admin_client: Any, admin: Colleague, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    invited = ColleagueFactory.create(firm=admin.firm, password=None)
    invited.set_unusable_password()
    invited.save()

    page = admin_client.get(reverse("firms:colleague_edit", args=[invited.pk])).content.decode()
    assert reverse("firms:colleague_invite", args=[invited.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("firms:colleague_invite", args=[invited.pk]))

    assert [message.to for message in mail.outbox] == [[invited.email]]

"""The client pages of the one Contacts area: what the contacts page shows of clients
(padlocks, nothing for hidden), the "Équipe et accès" tab's 404s (hidden = unknown = other
firm) and its in-place editing of the client team, and the old /clients/ addresses, which
redirect permanently without telling whether a client exists."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portefeuille.access.models import AccessGrant, ClientMember, OwnerEntry, Portfolio
from portefeuille.audit.models import AuditEvent
from portefeuille.contacts import queries
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy, RoleSlot
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ClientMemberFactory,
    ColleagueFactory,
    FirmFactory,
    OwnerEntryFactory,
    PortfolioFactory,
    RoleAssignmentFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def outsider(firm: Firm) -> Colleague:
    """Full scope, on no client team."""
    return ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")


@pytest.fixture
def limited(firm: Firm) -> Colleague:
    return ColleagueFactory.create(
        firm=firm, first_name="Louis", last_name="Limité", scope=Colleague.Scope.LIMITED
    )


def browse(colleague: Colleague) -> Client:
    client = Client()
    client.force_login(colleague)
    return client


def list_html(colleague: Colleague, **params: str) -> str:
    response = browse(colleague).get(reverse("contacts:list"), {"view": "all", **params})
    assert response.status_code == 200
    return response.content.decode()


# --- The list ------------------------------------------------------------------------


def test_hidden_client_is_absent_from_the_list_and_its_page_is_the_unknown_404(
    firm: Firm, outsider: Colleague
) -> None:
    hidden = ClientFactory.create(firm=firm, display_name="Secret SARL", privacy=Privacy.HIDDEN)
    ClientFactory.create(firm=firm, display_name="Ouvert SA")
    html = list_html(outsider)
    assert "Ouvert SA" in html
    assert "Secret SARL" not in html

    browser = browse(outsider)
    hidden_response = browser.get(reverse("contacts:team", args=[hidden.pk]))
    unknown_response = browser.get(reverse("contacts:team", args=[hidden.pk + 1000]))
    assert hidden_response.status_code == unknown_response.status_code == 404
    assert hidden_response.content == unknown_response.content


def test_private_client_shows_name_only_with_padlock_to_a_full_scope_outsider(
    firm: Firm, outsider: Colleague, limited: Colleague
) -> None:
    private = ClientFactory.create(firm=firm, display_name="Discret SAS", privacy=Privacy.PRIVATE)
    html = list_html(outsider)
    row = html[html.index("Discret SAS") - 600 : html.index("Discret SAS")]
    assert "Privé" in row
    assert "<svg" in row
    assert reverse("contacts:detail", args=[private.pk]) not in html
    assert reverse("contacts:team", args=[private.pk]) not in html
    response = browse(outsider).get(reverse("contacts:team", args=[private.pk]))
    assert response.status_code == 404

    assert "Discret SAS" not in list_html(limited)


def test_public_client_links_to_its_page_without_padlock(firm: Firm, outsider: Colleague) -> None:
    public = ClientFactory.create(firm=firm, display_name="Ouvert SA")
    html = list_html(outsider)
    assert reverse("contacts:detail", args=[public.pk]) in html
    results = html.split('id="contact-results"')[1]  # not the privacy filter's options
    assert "Privé" not in results


def test_my_clients_lists_only_clients_whose_team_i_am_on(firm: Firm, outsider: Colleague) -> None:
    team = TeamFactory.create(firm=firm)
    TeamMembershipFactory.create(team=team, colleague=outsider, firm=firm)
    managed = ClientFactory.create(firm=firm, display_name="Géré SA", manager=outsider)
    owned = ClientFactory.create(
        firm=firm,
        display_name="Possédé SA",
        owner=OwnerEntryFactory.create(firm=firm, colleague=outsider),
    )
    by_team = ClientFactory.create(firm=firm, display_name="Par équipe SA")
    ClientMemberFactory.create(client=by_team, team=team)
    ClientFactory.create(firm=firm, display_name="Étranger SA")
    response = browse(outsider).get(reverse("contacts:list"))
    names = [row.contact.display_name for row in response.context["page"].rows]
    assert sorted(names) == sorted([managed.display_name, owned.display_name, by_team.display_name])
    assert "Étranger SA" not in response.content.decode()


def test_search_ignores_accents_and_case(firm: Firm, outsider: Colleague) -> None:
    ClientFactory.create(firm=firm, display_name="Élodie Lefèvre")
    ClientFactory.create(firm=firm, display_name="Bernard Durand")
    html = list_html(outsider, q="elodie LEFEVRE")
    assert "Élodie Lefèvre" in html
    assert "Bernard Durand" not in html
    assert "Aucun contact ne correspond" in list_html(outsider, q="zzz")


def test_keyset_paging_walks_every_client_once(
    firm: Firm, outsider: Colleague, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    names = ["Dupont", "dupont", "Dupont", "Arnaud", "Zoé", "Émile", "Bob"]
    for name in names:
        ClientFactory.create(firm=firm, display_name=name)
    seen: list[int] = []
    params = {"view": "all"}
    browser = browse(outsider)
    for _ in range(10):
        response = browser.get(reverse("contacts:list"), params)
        page = response.context["page"]
        seen += [row.contact.pk for row in page.rows]
        if page.next_cursor is None:
            break
        params = {"view": "all", "after": page.next_cursor}
    expected = list(
        Contact.objects.filter(firm=firm).order_by("search_name", "id").values_list("pk", flat=True)
    )
    assert seen == expected


@pytest.mark.parametrize("role", ["admin", "outsider"])
def test_list_runs_the_same_number_of_queries_for_10_and_40_rows(
    firm: Firm,
    admin: Colleague,
    outsider: Colleague,
    role: str,
    django_assert_max_num_queries: Any,
) -> None:
    colleague = admin if role == "admin" else outsider
    browser = browse(colleague)
    for i in range(10):
        ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE if i % 2 else Privacy.PUBLIC)
    # The contacts page's own figure (contacts/tests/test_list.py pins it exactly), with
    # the one query of the work counts, the custom fields and the segments.
    with django_assert_max_num_queries(16) as few:
        browser.get(reverse("contacts:list"), {"view": "all"})
    for i in range(30):
        ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE if i % 2 else Privacy.PUBLIC)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser.get(reverse("contacts:list"), {"view": "all"})
    assert len(response.context["page"].rows) == 40


def test_other_firm_client_is_a_404_and_absent_from_the_list(firm: Firm, admin: Colleague) -> None:
    foreign = ClientFactory.create(firm=FirmFactory.create(), display_name="Ailleurs SA")
    assert "Ailleurs SA" not in list_html(admin)
    response = browse(admin).get(reverse("contacts:team", args=[foreign.pk]))
    assert response.status_code == 404
    post = browse(admin).post(
        reverse("contacts:team_change", args=[foreign.pk, "manager"]), {"manager": admin.pk}
    )
    assert post.status_code == 404


# --- Creating a client -----------------------------------------------------------------


def test_new_client_form_defaults_to_firm_privacy_and_creates_through_the_service(
    firm: Firm, admin: Colleague
) -> None:
    firm.default_privacy = Privacy.PRIVATE
    firm.save()
    entry = OwnerEntryFactory.create(firm=firm, colleague=admin)
    browser = browse(admin)
    create = reverse("contacts:create", args=["organization"])
    form = browser.get(create).context["form"]
    assert form["privacy"].value() == Privacy.PRIVATE
    response = browser.post(
        create, {"display_name": "Neuf SA", "privacy": "private", "owner": entry.pk}
    )
    client = Contact.objects.get(firm=firm, display_name="Neuf SA")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[client.pk])
    assert client.owner == entry
    assert client.privacy == Privacy.PRIVATE
    assert AuditEvent.objects.filter(client=client).exists()


def test_owner_is_required_when_the_firm_says_so_and_absent_when_ownership_is_off(
    firm: Firm, admin: Colleague
) -> None:
    firm.owner_required = True
    firm.save()
    browser = browse(admin)
    create = reverse("contacts:create", args=["person"])
    response = browser.post(create, {"last_name": "Sans Responsable", "privacy": "public"})
    assert response.status_code == 422
    assert response.context["form"].errors["owner"]
    assert not Contact.objects.filter(display_name="Sans Responsable").exists()

    firm.ownership_enabled = False
    firm.owner_required = False
    firm.save()
    assert "owner" not in browser.get(create).context["form"].fields


# --- The client page ---------------------------------------------------------------------


def test_client_page_shows_team_titled_roles_only_and_who_has_access(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    RoleSlot.objects.filter(firm=firm, number=1).update(title="Associé")
    RoleSlot.objects.filter(firm=firm, number=2).update(title="")
    client = ClientFactory.create(
        firm=firm, display_name="Fiche SA", privacy=Privacy.PRIVATE, manager=outsider
    )
    html = browse(admin).get(reverse("contacts:team", args=[client.pk])).content.decode()
    assert "Associé" in html
    assert "#2" not in html
    assert "Aucun responsable assigné" in html
    access_panel = html[html.index("Qui a accès ?") :]
    assert "Fanny Dehors" in access_panel
    assert "Gestionnaire" in access_panel
    assert "Alice Admin" in access_panel


def test_who_has_access_names_a_slot_whose_title_was_removed(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    # The slot shows nowhere (not in the team section), but an admin must always see why
    # someone has access: "Qui a accès ?" names it by its number.
    RoleSlot.objects.filter(firm=firm, number=3).update(title="Expert-comptable")
    client = ClientFactory.create(firm=firm, display_name="Fiche SA", privacy=Privacy.HIDDEN)
    RoleAssignmentFactory.create(client=client, slot=3, colleague=outsider)
    RoleSlot.objects.filter(firm=firm, number=3).update(title="")

    for language, label in (("fr", "Poste nº 3 (sans intitulé)"), ("en", "Role no. 3 (untitled)")):
        admin.language = language
        admin.save(update_fields=["language"])
        html = browse(admin).get(reverse("contacts:team", args=[client.pk])).content
        team, _sep, access_panel = html.decode().partition('id="who-has-access"')
        assert label not in team
        row = access_panel[access_panel.index("Fanny Dehors") :].split("</tr>")[0]
        assert label in row


def test_owner_row_is_hidden_when_ownership_is_off(firm: Firm, admin: Colleague) -> None:
    firm.ownership_enabled = False
    firm.save()
    client = ClientFactory.create(firm=firm)
    html = browse(admin).get(reverse("contacts:team", args=[client.pk])).content.decode()
    assert "Aucun responsable assigné" not in html
    assert "Responsable client" not in html


def test_editor_sets_manager_and_adds_a_team_member_in_place(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    team = TeamFactory.create(firm=firm, name="Pôle paie")
    browser = browse(admin)
    response = browser.post(
        reverse("contacts:team_change", args=[client.pk, "manager"]),
        {"manager": outsider.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'id="client-sections"' in response.content
    assert b"<html" not in response.content
    response = browser.post(
        reverse("contacts:team_change", args=[client.pk, "add_member"]),
        {"team": team.pk},
        HTTP_HX_REQUEST="true",
    )
    assert "Équipe « Pôle paie »" in response.content.decode()
    client.refresh_from_db()
    assert client.manager == outsider
    assert ClientMember.objects.filter(client=client, team=team).exists()


def test_refused_change_shows_the_message_next_to_the_field(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    ClientMemberFactory.create(client=client, colleague=outsider)
    response = browse(admin).post(
        reverse("contacts:team_change", args=[client.pk, "add_member"]),
        {"colleague": outsider.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
    assert ClientMember.objects.filter(client=client).count() == 1


def test_non_editor_post_is_403_and_changes_nothing(
    firm: Firm, outsider: Colleague, admin: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)  # public: the outsider sees it fully
    browser = browse(outsider)
    page = browser.get(reverse("contacts:team", args=[client.pk]))
    assert page.status_code == 200
    assert "Ajouter un membre" not in page.content.decode()
    for action, data in [
        ("manager", {"manager": outsider.pk}),
        ("add_member", {"colleague": outsider.pk}),
        ("privacy", {"privacy": "hidden"}),
        ("grant", {"colleague": outsider.pk}),
    ]:
        response = browser.post(reverse("contacts:team_change", args=[client.pk, action]), data)
        assert response.status_code == 403
    client.refresh_from_db()
    assert client.manager is None
    assert client.privacy == Privacy.PUBLIC
    assert not ClientMember.objects.filter(client=client).exists()
    assert not AccessGrant.objects.filter(client=client).exists()


def test_limited_colleague_without_access_cannot_post_either(
    firm: Firm, limited: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    response = browse(limited).post(
        reverse("contacts:team_change", args=[client.pk, "manager"]), {"manager": limited.pk}
    )
    assert response.status_code == 404
    client.refresh_from_db()
    assert client.manager is None


def test_admin_moves_client_between_portfolios(firm: Firm, admin: Colleague) -> None:
    first = PortfolioFactory.create(firm=firm, name="Nord")
    second = PortfolioFactory.create(firm=firm, name="Sud")
    client = ClientFactory.create(firm=firm, portfolio=first)
    browser = browse(admin)
    html = browser.get(reverse("contacts:team", args=[client.pk])).content.decode()
    assert "Le client quittera le portefeuille « Nord »" in html
    browser.post(
        reverse("contacts:team_change", args=[client.pk, "portfolio"]), {"portfolio": second.pk}
    )
    client.refresh_from_db()
    assert client.portfolio == second


def test_manager_but_not_admin_gets_no_portfolio_picker(firm: Firm, outsider: Colleague) -> None:
    PortfolioFactory.create(firm=firm, name="Nord")
    client = ClientFactory.create(firm=firm, manager=outsider)
    browser = browse(outsider)
    html = browser.get(reverse("contacts:team", args=[client.pk])).content.decode()
    assert "Déplacer vers" not in html
    assert "Ajouter un membre" in html
    portfolio = Portfolio.objects.get(firm=firm)
    response = browser.post(
        reverse("contacts:team_change", args=[client.pk, "portfolio"]), {"portfolio": portfolio.pk}
    )
    assert response.status_code == 403
    client.refresh_from_db()
    assert client.portfolio is None


def test_client_history_lists_this_clients_events_newest_first(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    browser = browse(admin)
    browser.post(
        reverse("contacts:team_change", args=[client.pk, "manager"]), {"manager": outsider.pk}
    )
    browser.post(
        reverse("contacts:team_change", args=[client.pk, "privacy"]), {"privacy": "private"}
    )
    events = list(browser.get(reverse("contacts:team", args=[client.pk])).context["events"])
    assert len(events) >= 2
    assert events[0].created_at >= events[-1].created_at
    assert all(event.client_id == client.pk for event in events)


def test_owner_picker_lists_the_roster(firm: Firm, admin: Colleague) -> None:
    entry = OwnerEntry.objects.create(firm=firm, name="Me Durand")
    client = ClientFactory.create(firm=firm)
    browser = browse(admin)
    browser.post(reverse("contacts:team_change", args=[client.pk, "owner"]), {"owner": entry.pk})
    client.refresh_from_db()
    assert client.owner == entry


def test_who_has_access_is_shown_to_editors_only(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    html = browse(outsider).get(reverse("contacts:team", args=[client.pk])).content.decode()
    assert "Qui a accès ?" not in html
    client.manager = outsider
    client.save()
    html = browse(outsider).get(reverse("contacts:team", args=[client.pk])).content.decode()
    assert "Qui a accès ?" in html


# --- The team & access tab in the contact page ---------------------------------------------


def test_team_tab_is_a_tab_of_the_contact_page(firm: Firm, admin: Colleague) -> None:
    client = ClientFactory.create(firm=firm, display_name="Fiche SA")
    html = browse(admin).get(reverse("contacts:team", args=[client.pk])).content.decode()
    header = html.split('class="contact-header"')[1].split("</header>")[0]
    assert "Fiche SA" in header
    tabs = html.split('aria-label="Onglets du contact"')[1].split("</nav>")[0]
    assert f'href="{reverse("contacts:detail", args=[client.pk])}"' in tabs
    current = tabs.split('aria-current="page"')[1].split("</a>")[0]
    assert current == ">Équipe et accès"
    assert 'id="client-sections"' in html.split('class="tab-panel"')[1]
    # The contact page's summary of the client team leads here.
    detail = browse(admin).get(reverse("contacts:detail", args=[client.pk])).content.decode()
    summary = detail.split('id="client-team"')[1].split("</section>")[0]
    assert f'href="{reverse("contacts:team", args=[client.pk])}"' in summary


def test_a_change_that_removes_ones_own_access_sends_htmx_to_the_contacts_page(
    firm: Firm, outsider: Colleague
) -> None:
    client = ClientFactory.create(firm=firm, manager=outsider, privacy=Privacy.HIDDEN)
    response = browse(outsider).post(
        reverse("contacts:team_change", args=[client.pk, "manager"]),
        {"manager": ""},
        HTTP_HX_REQUEST="true",
    )
    client.refresh_from_db()
    assert client.manager is None
    # No longer on the team of a hidden client: nothing more to show on its page.
    assert response.status_code == 204
    assert response["HX-Redirect"] == "http://testserver/contacts/"


# --- The old addresses -------------------------------------------------------------------


def test_old_client_list_redirects_permanently_to_the_contacts_page_with_its_filters(
    firm: Firm, outsider: Colleague
) -> None:
    browser = browse(outsider)
    response = browser.get("/clients/?view=all&q=dupont")
    assert response.status_code == 301
    assert response["Location"] == "/contacts/?view=all&q=dupont"
    mine = browser.get("/clients/", {"view": "mine"})
    assert mine.status_code == 301
    assert mine["Location"] == "/contacts/?view=mine"
    assert browser.get("/clients/")["Location"] == "/contacts/"
    # Filters the old page did not have are kept as they are.
    assert browser.get("/clients/?view=all&privacy=private")["Location"] == (
        "/contacts/?view=all&privacy=private"
    )


def test_old_client_list_search_finds_what_the_contacts_page_finds(
    firm: Firm, outsider: Colleague
) -> None:
    ClientFactory.create(firm=firm, display_name="Élodie Lefèvre")
    ClientFactory.create(firm=firm, display_name="Bernard Durand")
    response = browse(outsider).get("/clients/", {"view": "all", "q": "elodie"}, follow=True)
    assert response.redirect_chain == [("/contacts/?view=all&q=elodie", 301)]
    names = [row.contact.display_name for row in response.context["page"].rows]
    assert names == ["Élodie Lefèvre"]


def test_old_cursor_continues_on_the_contacts_page_after_the_same_row(
    firm: Firm, outsider: Colleague
) -> None:
    for name in ["Arnaud", "Bob", "Dupont", "Dupont", "Zoé"]:
        ClientFactory.create(firm=firm, display_name=name)
    ordered = list(Contact.objects.filter(firm=firm).order_by("search_name", "id"))
    last = ordered[2]  # the first "Dupont"
    response = browse(outsider).get(
        "/clients/",
        {"view": "all", "after_name": last.search_name, "after": str(last.pk)},
        follow=True,
    )
    assert [row.contact.pk for row in response.context["page"].rows] == [c.pk for c in ordered[3:]]
    assert response.context["is_continuation"]
    # A broken old cursor starts from the top, like a broken new one.
    broken = browse(outsider).get(
        "/clients/", {"view": "all", "after_name": "x", "after": "abc"}, follow=True
    )
    assert [row.contact.pk for row in broken.context["page"].rows] == [c.pk for c in ordered]


def test_old_client_page_redirects_to_the_team_tab_whatever_the_id(
    firm: Firm, outsider: Colleague
) -> None:
    visible = ClientFactory.create(firm=firm)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    foreign = ClientFactory.create(firm=FirmFactory.create())
    unknown = foreign.pk + 1000
    answers = {}
    for who, http in (("outsider", browse(outsider)), ("signed out", Client())):
        for pk in (visible.pk, hidden.pk, foreign.pk, unknown):
            response = http.get(f"/clients/{pk}/", {"tab": "x"})
            assert response.status_code == 301
            assert response["Location"] == f"/contacts/{pk}/team/?tab=x"
            answers[(who, pk)] = response.content
    # SECURITY: the redirect reads nothing: the same answer for every id, signed in or not.
    assert len(set(answers.values())) == 1
    http = browse(outsider)
    assert http.get(f"/clients/{visible.pk}/", follow=True).status_code == 200
    pages = [http.get(f"/clients/{pk}/", follow=True) for pk in (hidden.pk, foreign.pk, unknown)]
    assert {page.status_code for page in pages} == {404}
    assert len({page.content for page in pages}) == 1


def test_old_team_change_keeps_its_method_and_the_change_is_made(
    firm: Firm, admin: Colleague, outsider: Colleague
) -> None:
    client = ClientFactory.create(firm=firm)
    http = browse(admin)
    response = http.post(f"/clients/{client.pk}/edit/manager/", {"manager": outsider.pk})
    assert response.status_code == 308  # a form post stays a post
    assert response["Location"] == f"/contacts/{client.pk}/team/manager/"
    http.post(response["Location"], {"manager": outsider.pk})
    client.refresh_from_db()
    assert client.manager == outsider
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    assert browse(outsider).post(f"/clients/{hidden.pk}/edit/manager/").status_code == 308


def test_old_new_client_and_portfolio_addresses_redirect(firm: Firm, admin: Colleague) -> None:
    http = browse(admin)
    portfolio = PortfolioFactory.create(firm=firm)
    expected = {
        "/clients/new/": "/contacts/new/person/",
        "/clients/portfolios/": "/portfolios/",
        "/clients/portfolios/new/": "/portfolios/new/",
        f"/clients/portfolios/{portfolio.pk}/?client_q=nord": (
            f"/portfolios/{portfolio.pk}/?client_q=nord"
        ),
        f"/clients/portfolios/{portfolio.pk}/delete/": f"/portfolios/{portfolio.pk}/delete/",
    }
    for old, new in expected.items():
        response = http.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
        assert http.get(new).status_code == 200, new
    change = http.post(f"/clients/portfolios/{portfolio.pk}/change/staff/", {"colleague": 1})
    assert change.status_code == 308
    assert change["Location"] == f"/portfolios/{portfolio.pk}/change/staff/"

"""Notifications about opportunities, projects and invoices (docs/sales.md,
docs/notifications.md): the sentence names the record as it is now and its client at the
reader's level — by name only, without a link, for who sees the record through their own
place on it — and leads to the record's page; a record taken away or deleted is not read
any more, in the centre, the count, the API or the e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from portefeuille.api.testing import token_headers
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.notifications import kinds
from portefeuille.notifications.models import Notification
from portefeuille.notifications.reading import (
    ShownNotification,
    readable,
    show,
    unread_count,
    with_level,
)
from portefeuille.sales import services
from portefeuille.sales.models import Invoice, Opportunity, Project
from portefeuille.testing.factories import (
    AdminFactory,
    ClientFactory,
    ColleagueFactory,
    OwnerEntryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create(first_name="Alice", last_name="Martin")


@pytest.fixture
def lea(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm, first_name="Léa", last_name="Bernard")


def client_of(admin: Colleague, privacy: str = Privacy.PUBLIC, **values: Any) -> Contact:
    return ClientFactory.create(
        firm=admin.firm, privacy=privacy, display_name="Boulangerie Dupain", **values
    )


def read(reader: Colleague, language: str = "fr") -> list[ShownNotification]:
    with translation.override(language):
        return show(reader, with_level(reader, readable(reader)))


def signed_in(colleague: Colleague) -> HttpClient:
    browser = HttpClient()
    browser.force_login(colleague)
    return browser


def opportunity_page(opportunity: Opportunity) -> str:
    return reverse("opportunity_detail", args=[opportunity.pk])


# --- the sentences ---------------------------------------------------------------------------


def test_the_assignee_reads_the_opportunity_by_its_title_now_and_is_led_to_it(
    admin: Colleague, lea: Colleague
) -> None:
    client = client_of(admin)
    opportunity = services.create_opportunity(
        actor=admin, client=client, title="Audit 2027", assignee=lea
    )

    (shown,) = read(lea)

    assert shown.kind == kinds.OPPORTUNITY_ASSIGNED
    assert shown.text == "L'opportunité « Audit 2027 » (Boulangerie Dupain) vous a été affectée."
    assert shown.client_level == "full"
    assert shown.client_url == reverse("contacts:detail", args=[client.pk])
    assert f'<a href="{shown.client_url}">Boulangerie Dupain</a>' in shown.html
    assert shown.url == opportunity_page(opportunity)
    assert shown.url_label == "Ouvrir l'opportunité"
    assert shown.actor_name == "Alice Martin"
    Opportunity.objects.filter(pk=opportunity.pk).update(title="Audit 2027 (révisé)")
    assert "« Audit 2027 (révisé) »" in read(lea)[0].text


def test_an_assignee_who_does_not_see_the_client_reads_its_name_without_a_link(
    admin: Colleague, lea: Colleague
) -> None:
    hidden = client_of(admin, Privacy.HIDDEN)
    opportunity = services.create_opportunity(
        actor=admin, client=hidden, title="Rachat <b>", assignee=admin, second_assignee=lea
    )

    (shown,) = read(lea)

    assert shown.text == "L'opportunité « Rachat <b> » (Boulangerie Dupain) vous a été affectée."
    assert shown.client_level == "name"
    assert shown.client_url is None
    assert reverse("contacts:detail", args=[hidden.pk]) not in shown.html
    assert "<strong>Boulangerie Dupain</strong>" in shown.html
    assert "Rachat &lt;b&gt;" in shown.html
    assert shown.url == opportunity_page(opportunity)
    page = signed_in(lea).get("/notifications/").content.decode()
    assert "Ouvrir l&#x27;opportunité" in page or "Ouvrir l'opportunité" in page
    assert reverse("contacts:detail", args=[hidden.pk]) not in page


def test_a_change_is_told_to_the_assignees_who_stay(admin: Colleague, lea: Colleague) -> None:
    client = client_of(admin)
    opportunity = services.create_opportunity(
        actor=admin, client=client, title="Audit", assignee=lea
    )
    Notification.objects.all().delete()

    services.update_opportunity(actor=admin, opportunity=opportunity, value="100")

    (shown,) = read(lea)
    assert shown.kind == kinds.OPPORTUNITY_CHANGED
    assert shown.text == "L'opportunité « Audit » (Boulangerie Dupain) a été modifiée."


def test_project_people_and_account_managers_read_what_joined_or_was_added(
    admin: Colleague, lea: Colleague
) -> None:
    owner = ColleagueFactory.create(firm=admin.firm)
    manager = ColleagueFactory.create(firm=admin.firm)
    client = client_of(
        admin, owner=OwnerEntryFactory.create(firm=admin.firm, colleague=owner), manager=manager
    )
    project = services.create_project(
        actor=admin, client=client, name="Migration paie", collaborators=[lea.pk]
    )
    opportunity = services.create_opportunity(
        actor=admin, client=client, title="Audit", assignee=admin
    )
    invoice = services.create_invoice(
        actor=admin, client=client, number="F-2026-007", date="2026-03-01", amount="10"
    )

    (joined,) = read(lea)
    assert joined.kind == kinds.PROJECT_JOINED
    assert joined.text == "Vous avez été ajouté au projet « Migration paie » (Boulangerie Dupain)."
    assert joined.url == reverse("project_detail", args=[project.pk])
    for reader in (owner, manager):
        shown = read(reader)
        assert [s.text for s in shown] == [
            "La facture F-2026-007 a été ajoutée à Boulangerie Dupain.",
            "L'opportunité « Audit » a été ajoutée à Boulangerie Dupain.",
            "Le projet « Migration paie » a été ajouté à Boulangerie Dupain.",
        ]
        assert [s.url for s in shown] == [
            reverse("invoice_detail", args=[invoice.pk]),
            opportunity_page(opportunity),
            reverse("project_detail", args=[project.pk]),
        ]
        assert [s.url_label for s in shown] == [
            "Ouvrir la facture",
            "Ouvrir l'opportunité",
            "Ouvrir le projet",
        ]


def test_the_sentences_in_english(admin: Colleague, lea: Colleague) -> None:
    client = client_of(admin, manager=lea)
    opportunity = services.create_opportunity(
        actor=admin, client=client, title="Audit", assignee=lea
    )
    services.update_opportunity(
        actor=admin, opportunity=opportunity, second_assignee=admin, title="Audit 2027"
    )
    services.create_project(actor=admin, client=client, name="Payroll", collaborators=[lea.pk])
    services.create_invoice(
        actor=admin, client=client, number="F-1", date="2026-03-01", amount="10"
    )

    texts = [shown.text for shown in read(lea, "en")]

    assert texts == [
        "Invoice F-1 was added to Boulangerie Dupain.",
        "You were added to the project “Payroll” (Boulangerie Dupain).",
        "The opportunity “Audit 2027” (Boulangerie Dupain) was changed.",
        "The opportunity “Audit 2027” (Boulangerie Dupain) was assigned to you.",
    ]
    assert read(lea, "en")[0].url_label == "Open the invoice"


# --- taken away, deleted ---------------------------------------------------------------------


def test_reassigned_away_the_notification_leaves_the_centre_the_count_and_the_api(
    admin: Colleague, lea: Colleague
) -> None:
    hidden = client_of(admin, Privacy.HIDDEN)
    opportunity = services.create_opportunity(
        actor=admin, client=hidden, title="Fusion secrète", assignee=lea
    )
    assert unread_count(lea) == 1
    assert 'data-unread-count="1"' in signed_in(lea).get("/notifications/").content.decode()
    api = HttpClient().get("/api/v1/notifications", headers=token_headers(lea)).json()
    assert api["items"][0]["url"] == opportunity_page(opportunity)
    assert api["items"][0]["client"]["level"] == "name"

    services.update_opportunity(actor=admin, opportunity=opportunity, assignee=admin)

    assert unread_count(lea) == 0
    assert read(lea) == []
    page = signed_in(lea).get("/notifications/").content.decode()
    assert "Fusion" not in page
    assert "data-unread-count" not in page
    api = HttpClient().get("/api/v1/notifications", headers=token_headers(lea))
    assert api.json()["items"] == []


def test_a_record_deleted_since_is_not_named_and_nothing_breaks(
    admin: Colleague, lea: Colleague
) -> None:
    client = client_of(admin, manager=lea)
    opportunity = services.create_opportunity(
        actor=admin, client=client, title="Audit confidentiel", assignee=lea
    )
    project = services.create_project(actor=admin, client=client, name="Projet secret")
    invoice = services.create_invoice(
        actor=admin, client=client, number="F-SECRET", date="2026-03-01", amount="10"
    )
    Opportunity.objects.filter(pk=opportunity.pk).delete()
    Project.objects.filter(pk=project.pk).delete()
    Invoice.objects.filter(pk=invoice.pk).delete()

    assert read(lea) == []  # readable() leaves them out
    # show() given the rows all the same (a second door) names none of them.
    with translation.override("fr"):
        shown = show(lea, with_level(lea, Notification.objects.filter(recipient=lea)))
    assert [s.text for s in shown] == [
        "Une facture, supprimée depuis, a été ajoutée à Boulangerie Dupain.",
        "Un projet, supprimé depuis, a été ajouté à Boulangerie Dupain.",
        "Une opportunité de Boulangerie Dupain, supprimée depuis, vous a été affectée.",
    ]
    assert {s.url for s in shown} == {reverse("contacts:detail", args=[client.pk])}
    assert {s.url_label for s in shown} == {""}


def test_show_does_not_name_a_record_the_reader_no_longer_sees(
    admin: Colleague, lea: Colleague
) -> None:
    hidden = client_of(admin, Privacy.HIDDEN)
    opportunity = services.create_opportunity(
        actor=admin, client=hidden, title="Fusion secrète", assignee=lea
    )
    services.update_opportunity(actor=admin, opportunity=opportunity, assignee=admin)

    rows = with_level(lea, Notification.objects.filter(recipient=lea))

    # Handed the row all the same, show() reads nothing of the record nor of its client.
    assert len(rows) == 1
    assert show(lea, rows) == []


# --- e-mail ----------------------------------------------------------------------------------


def test_the_email_words_it_as_the_centre_and_links_to_the_record(
    admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    hidden = client_of(admin, Privacy.HIDDEN)
    lea = ColleagueFactory.create(firm=admin.firm, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        opportunity = services.create_opportunity(
            actor=admin, client=hidden, title="Audit 2027", assignee=lea
        )

    (message,) = mail.outbox
    assert message.to == [lea.email]
    assert message.subject == read(lea)[0].text
    assert f"/sales/opportunities/{opportunity.pk}/" in message.body
    assert f"/contacts/{hidden.pk}/" not in message.body


def test_the_email_speaks_the_recipients_language(
    admin: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_of(admin)
    lea = ColleagueFactory.create(firm=admin.firm, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_project(actor=admin, client=client, name="Payroll", manager=lea)

    (message,) = mail.outbox
    assert message.subject == "You were added to the project “Payroll” (Boulangerie Dupain)."


def test_no_email_about_a_record_deleted_or_taken_away_before_the_worker_ran(
    admin: Colleague, lea: Colleague, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_of(admin, Privacy.HIDDEN)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        opportunity = services.create_opportunity(
            actor=admin, client=client, title="Audit", assignee=lea
        )
        project = services.create_project(actor=admin, client=client, name="Migration", manager=lea)
    assert len(callbacks) == 2
    Opportunity.objects.filter(pk=opportunity.pk).delete()
    services.update_project(actor=admin, project=project, manager=admin)

    for callback in callbacks:
        callback()

    assert mail.outbox == []


# --- preferences, counts, queries ------------------------------------------------------------


def test_the_preferences_page_lists_the_sales_kinds(lea: Colleague) -> None:
    page = signed_in(lea).get("/notifications/preferences/").content.decode()

    for code in (
        kinds.OPPORTUNITY_ASSIGNED,
        kinds.OPPORTUNITY_CHANGED,
        kinds.PROJECT_JOINED,
        kinds.SALES_RECORD_ADDED,
    ):
        assert f'name="{code}.in_app"' in page
        assert f'name="{code}.email"' in page
    assert "Une opportunité vous est affectée" in page


def test_a_batch_names_its_records_in_one_query_per_record_type(
    admin: Colleague, lea: Colleague, django_assert_num_queries: Any
) -> None:
    client = client_of(admin, manager=lea)

    def add(count: int) -> None:
        for i in range(count):
            services.create_opportunity(actor=admin, client=client, title=f"A{i}", assignee=lea)
            services.create_project(actor=admin, client=client, name=f"P{i}", manager=lea)
            services.create_invoice(
                actor=admin,
                client=client,
                number=f"F-{Invoice.objects.count()}",
                date="2026-03-01",
                amount="1",
            )

    add(1)
    rows = list(with_level(lea, readable(lea)))
    with django_assert_num_queries(3):  # one per record type
        assert len(show(lea, rows)) == 3
    add(10)
    rows = list(with_level(lea, readable(lea)))
    with django_assert_num_queries(3):
        assert len(show(lea, rows)) == 33

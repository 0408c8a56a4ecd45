"""A work type or status that work items use cannot vanish (docs/work.md): deleting it is
refused with how many items use it, and nothing changes; the settings page says it too."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portefeuille.audit.models import AuditEvent
from portefeuille.firms import services
from portefeuille.firms.models import Colleague, Privacy, WorkStatus, WorkType
from portefeuille.testing.factories import AdminFactory, ClientFactory, WorkItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


def signed_in(colleague: Colleague) -> Client:
    browser = Client()
    browser.force_login(colleague)
    return browser


def extra_status(admin: Colleague) -> WorkStatus:
    """A second status of the "in progress" state: deleting it leaves the state one."""
    return services.create_work_status(
        actor=admin, name="Révision", primary_state=WorkStatus.PrimaryState.IN_PROGRESS
    )


def test_a_status_work_items_use_is_not_deleted_and_the_refusal_says_how_many(
    admin: Colleague,
) -> None:
    review = extra_status(admin)
    hidden = ClientFactory.create(firm=admin.firm, privacy=Privacy.HIDDEN)
    WorkItemFactory.create_batch(2, client=ClientFactory.create(firm=admin.firm), status=review)
    WorkItemFactory.create(client=hidden, status=review)

    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.delete_work_status(actor=admin, work_status=review)

    assert caught.value.code == "in_use"
    assert caught.value.messages == [
        "« Révision » est utilisé par 3 éléments de travail : renommez-le, ou changez-le "
        "d'abord sur ces éléments."
    ]
    assert WorkStatus.objects.filter(pk=review.pk).exists()
    assert not AuditEvent.objects.filter(action="work_status.deleted").exists()


def test_a_work_type_one_item_uses_is_not_deleted(admin: Colleague) -> None:
    payroll = WorkType.objects.get(firm=admin.firm, name="Paie")
    WorkItemFactory.create(client=ClientFactory.create(firm=admin.firm), work_type=payroll)

    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.delete_work_type(actor=admin, work_type=payroll)

    assert caught.value.messages == [
        "« Paie » est utilisé par 1 élément de travail : renommez-le, ou changez-le d'abord "
        "sur cet élément."
    ]
    assert WorkType.objects.filter(pk=payroll.pk).exists()


def test_once_no_item_uses_them_the_type_and_status_are_deleted(admin: Colleague) -> None:
    review = extra_status(admin)
    payroll = WorkType.objects.get(firm=admin.firm, name="Paie")
    item = WorkItemFactory.create(
        client=ClientFactory.create(firm=admin.firm), status=review, work_type=payroll
    )
    item.status = WorkStatus.objects.get(firm=admin.firm, name="En cours")
    item.work_type = None
    item.save()

    services.delete_work_status(actor=admin, work_status=review)
    services.delete_work_type(actor=admin, work_type=payroll)

    assert not WorkStatus.objects.filter(pk=review.pk).exists()
    assert not WorkType.objects.filter(pk=payroll.pk).exists()


def test_the_settings_page_counts_the_items_and_shows_the_refusal(admin: Colleague) -> None:
    review = extra_status(admin)
    WorkItemFactory.create_batch(2, client=ClientFactory.create(firm=admin.firm), status=review)
    browser = signed_in(admin)

    page = browser.get(reverse("firms:firm_settings"), headers={"Accept-Language": "fr"})
    assert "2 éléments de travail" in page.content.decode()

    url = reverse("firms:settings_list_action", args=["work-statuses", review.pk, "delete"])
    response: Any = browser.post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="work-statuses"')
    assert "est utilisé par 2 éléments de travail" in body
    assert WorkStatus.objects.filter(pk=review.pk).exists()

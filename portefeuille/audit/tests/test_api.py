"""/api/v1/audit-events: admins read the firm's history, others only that of clients they
see in full."""

import pytest
from django.test import Client

from portefeuille.api.testing import assert_problem, fast_password_hashing, token_headers  # noqa: F401
from portefeuille.audit.services import record_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Privacy
from portefeuille.testing.factories import AdminFactory, ClientFactory, ColleagueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/audit-events"


@pytest.fixture
def admin() -> Colleague:
    return AdminFactory.create()


@pytest.fixture
def staff(admin: Colleague) -> Colleague:
    return ColleagueFactory.create(firm=admin.firm)


def summaries(client: Client, colleague: Colleague, query: str = "") -> list[str]:
    response = client.get(f"{URL}?limit=200{query}", headers=token_headers(colleague))
    assert response.status_code == 200, response.content
    # Creating the token is in the history too; keep the events this test recorded.
    events = response.json()["items"]
    return [e["after"]["tag"] for e in events if e["action"] in {"client.updated", "firm.updated"}]


@pytest.fixture
def history(admin: Colleague) -> dict[str, Contact]:
    firm = admin.firm
    public = ClientFactory.create(firm=firm, privacy=Privacy.PUBLIC)
    private = ClientFactory.create(firm=firm, privacy=Privacy.PRIVATE)
    hidden = ClientFactory.create(firm=firm, privacy=Privacy.HIDDEN)
    foreign = ClientFactory.create()
    record_event(actor=admin, action="client.updated", client=public, after={"tag": "public"})
    record_event(actor=admin, action="client.updated", client=private, after={"tag": "private"})
    record_event(actor=admin, action="client.updated", client=hidden, after={"tag": "hidden"})
    record_event(actor=admin, action="firm.updated", after={"tag": "firm"})
    record_event(actor=None, action="client.updated", client=foreign, after={"tag": "foreign"})
    return {"public": public, "private": private, "hidden": hidden, "foreign": foreign}


def test_admin_reads_every_event_of_the_firm_newest_first(
    client: Client, admin: Colleague, history: dict[str, Contact]
) -> None:
    assert summaries(client, admin) == ["firm", "hidden", "private", "public"]


def test_staff_reads_only_events_of_clients_seen_in_full(
    client: Client, staff: Colleague, history: dict[str, Contact]
) -> None:
    assert summaries(client, staff) == ["public"]


def test_filter_by_client_never_reveals_a_hidden_or_foreign_client(
    client: Client, admin: Colleague, staff: Colleague, history: dict[str, Contact]
) -> None:
    assert summaries(client, staff, f"&client={history['hidden'].pk}") == []
    assert summaries(client, staff, f"&client={history['private'].pk}") == []
    assert summaries(client, admin, f"&client={history['foreign'].pk}") == []
    assert summaries(client, admin, f"&client={history['hidden'].pk}") == ["hidden"]


def test_events_need_authentication(client: Client) -> None:
    assert_problem(client.get(URL), 401)

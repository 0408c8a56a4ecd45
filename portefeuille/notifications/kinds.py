"""The kinds of notification (docs/notifications.md): each code, its label on the
preferences page, and which parameters it carries. The sentence a reader sees is written at
read time (notifications/reading.py), never stored."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise
    # Whether the notification is about one client (else about a portfolio or a batch). A
    # kind about a client also tells of a batch — several clients given at once, by a bulk
    # change or an offboarding — as one notification with no client and their `count`
    # (services.notify_many; docs/notifications.md).
    about_client: bool


OWNER_GIVEN = "client.owner_given"
MANAGER_GIVEN = "client.manager_given"
ROLE_GIVEN = "client.role_given"
MEMBER_GIVEN = "client.member_given"
PORTFOLIO_STAFF_GIVEN = "portfolio.staff_given"
TRANSFERRED_TO = "clients.transferred_to"
TRANSFERRED_FROM = "clients.transferred_from"
CLIENT_NOTE_ADDED = "client.note_added"
DOCUMENT_ADDED = "client.document_added"
WORK_ASSIGNED = "work.assigned"
TASK_ASSIGNED = "work.task_assigned"
WORK_STATUS_CHANGED = "work.status_changed"
WORK_NOTE_ADDED = "work.note_added"
OPPORTUNITY_ASSIGNED = "sales.opportunity_assigned"
OPPORTUNITY_CHANGED = "sales.opportunity_changed"
PROJECT_JOINED = "sales.project_joined"
SALES_RECORD_ADDED = "sales.record_added"
TICKET_ASSIGNED = "inbox.ticket_assigned"
TICKET_NOTE_ADDED = "inbox.note_added"
TICKET_CLIENT_REPLIED = "inbox.client_replied"
TICKET_CLOSED = "inbox.ticket_closed"
TICKET_RECEIVED = "inbox.ticket_received"

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(OWNER_GIVEN, _("Vous êtes désigné responsable d'un client"), True),
        Kind(MANAGER_GIVEN, _("Vous êtes désigné gestionnaire d'un client"), True),
        Kind(ROLE_GIVEN, _("Un rôle vous est confié sur un client"), True),
        Kind(MEMBER_GIVEN, _("Vous êtes ajouté à l'équipe d'un client"), True),
        Kind(PORTFOLIO_STAFF_GIVEN, _("Un portefeuille vous est confié"), False),
        Kind(TRANSFERRED_TO, _("Des clients vous sont transférés"), False),
        Kind(TRANSFERRED_FROM, _("Vos clients sont transférés à un autre responsable"), False),
        Kind(CLIENT_NOTE_ADDED, _("Une note est ajoutée à votre client"), True),
        Kind(DOCUMENT_ADDED, _("Un document est ajouté à votre client"), True),
        Kind(WORK_ASSIGNED, _("Un élément de travail vous est assigné"), True),
        Kind(TASK_ASSIGNED, _("Une tâche vous est assignée"), True),
        Kind(WORK_STATUS_CHANGED, _("Le travail de votre client change de statut"), True),
        Kind(WORK_NOTE_ADDED, _("Une note est ajoutée au travail de votre client"), True),
        Kind(OPPORTUNITY_ASSIGNED, _("Une opportunité vous est affectée"), True),
        Kind(OPPORTUNITY_CHANGED, _("Une de vos opportunités est modifiée"), True),
        Kind(PROJECT_JOINED, _("Vous êtes ajouté à un projet"), True),
        Kind(
            SALES_RECORD_ADDED,
            _("Une opportunité, un projet ou une facture est ajouté à votre client"),
            True,
        ),
        Kind(TICKET_ASSIGNED, _("Un ticket vous est affecté"), True),
        Kind(TICKET_NOTE_ADDED, _("Une note interne est ajoutée à votre ticket"), True),
        Kind(TICKET_CLIENT_REPLIED, _("Le client répond à votre ticket"), True),
        Kind(TICKET_CLOSED, _("Votre ticket est fermé"), True),
        Kind(TICKET_RECEIVED, _("Votre client écrit à la boîte partagée"), True),
    )
}

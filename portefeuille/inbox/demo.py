"""The demo firm's shared inbox: some 800 tickets over the last months, most from its
clients' addresses (so matched to them), some from strangers (the inbox's own), with their
threads of e-mails, replies and internal notes.

A step of `portefeuille.firms.demo.build_demo`, after the contacts. Rows are written in bulk,
but every value is one the services would write: a ticket's client is the contact whose
address wrote it, its requester that address; an assignee is an active colleague; the
first response is the first reply's time; a closed ticket has its closing time.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from portefeuille.contacts.models import EmailAddress

from .models import Ticket, TicketMessage

if TYPE_CHECKING:
    from portefeuille.firms.demo import DemoContext

TICKETS = 800
UNMATCHED_SHARE = 0.15

SUBJECTS = (
    "Question sur ma déclaration de TVA",
    "Relance : pièces justificatives du mois",
    "Demande de rendez-vous pour le bilan",
    "Changement d'adresse du siège",
    "Bulletin de paie à corriger",
    "Facture en double",
    "Attestation pour la banque",
    "Accès au portail client",
    "Embauche d'un salarié",
    "Prélèvement de la CFE",
    "Liasse fiscale : délai",
    "Note de frais refusée",
)
QUESTIONS = (
    "Bonjour,\n\nPourriez-vous me dire où en est ce dossier ?\n\nCordialement",
    "Bonjour,\n\nVous trouverez ci-joint les éléments demandés.\n\nBien à vous",
    "Bonjour,\n\nJe n'ai pas reçu de réponse à mon précédent message.\n\nMerci",
)
REPLIES = (
    "Bonjour,\n\nC'est bien noté, nous revenons vers vous d'ici la fin de la semaine.",
    "Bonjour,\n\nMerci pour ces éléments, le dossier est complet.",
    "Bonjour,\n\nPouvez-vous nous envoyer le relevé bancaire du mois ?",
)
NOTES = (
    "Client appelé ce matin : il attend le document pour vendredi.",
    "Voir avec le service paie avant de répondre.",
    "Dossier prioritaire.",
)


def add_inbox(context: DemoContext) -> None:
    firm, rng, fake = context.firm, context.rng, context.fake
    now = timezone.now()
    agents = [c for c in context.colleagues if c.is_active and not c.is_limited]
    if context.admin not in agents:
        agents.append(context.admin)
    addresses = list(
        EmailAddress.objects.filter(firm=firm).order_by("pk").values_list("address", "contact_id")
    )
    tickets: list[Ticket] = []
    for _i in range(TICKETS):
        created = now - datetime.timedelta(minutes=rng.randint(30, 120 * 24 * 60))
        if addresses and rng.random() > UNMATCHED_SHARE:
            address, client_id = rng.choice(addresses)
        else:
            address, client_id = fake.unique.email(), None
        closed = rng.random() < 0.6
        replied = closed or rng.random() < 0.5
        first_response = (
            created + datetime.timedelta(minutes=rng.randint(10, 3 * 24 * 60)) if replied else None
        )
        if first_response is not None and first_response > now:
            first_response = now
        closed_at = None
        if closed:
            closed_at = min(
                now, (first_response or created) + datetime.timedelta(hours=rng.randint(1, 96))
            )
        assignee = rng.choice(agents) if rng.random() < 0.75 else None
        tickets.append(
            Ticket(
                firm=firm,
                subject=rng.choice(SUBJECTS),
                client_id=client_id,
                status=Ticket.Status.CLOSED if closed else Ticket.Status.OPEN,
                assignee=assignee,
                requester_email=address,
                requester_name=fake.name(),
                created_at=created,
                updated_at=closed_at or first_response or created,
                first_response_at=first_response,
                closed_at=closed_at,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=500)
    messages: list[TicketMessage] = []
    for n, ticket in enumerate(tickets):
        messages.append(
            TicketMessage(
                firm=firm,
                ticket=ticket,
                kind=TicketMessage.Kind.INBOUND,
                from_address=ticket.requester_email,
                from_name=ticket.requester_name,
                subject=ticket.subject,
                body=rng.choice(QUESTIONS),
                message_id=f"<demo-{n}@clients.example>",
                created_at=ticket.created_at,
            )
        )
        if rng.random() < 0.3:
            author = ticket.assignee or context.admin
            messages.append(
                TicketMessage(
                    firm=firm,
                    ticket=ticket,
                    kind=TicketMessage.Kind.NOTE,
                    author=author,
                    from_name=author.full_name,
                    body=rng.choice(NOTES),
                    created_at=ticket.created_at + datetime.timedelta(minutes=5),
                )
            )
        if ticket.first_response_at is not None:
            author = ticket.assignee or context.admin
            messages.append(
                TicketMessage(
                    firm=firm,
                    ticket=ticket,
                    kind=TicketMessage.Kind.REPLY,
                    author=author,
                    from_name=author.full_name,
                    to_addresses=ticket.requester_email,
                    subject=f"Re: [#{ticket.pk}] {ticket.subject}",
                    body=rng.choice(REPLIES),
                    message_id=f"<demo-reply-{n}@portefeuille.local>",
                    in_reply_to=f"<demo-{n}@clients.example>",
                    created_at=ticket.first_response_at,
                )
            )
    TicketMessage.objects.bulk_create(messages, batch_size=1000)

"""Every write on opportunities, projects and invoices (docs/sales.md).

Creating one needs FULL access to its client. Changing or deleting one needs to see it
through its door (`visible_to`, access/scopes.py): its client in full, or — an opportunity,
a project — a place on it (assignee, second assignee, manager, collaborator). Each service
validates everything before writing anything, writes in one transaction, records the
history event on the client, and notifies. A stale `expected_version` is refused with
StaleVersionError and changes nothing.

Who is told (docs/notifications.md): an opportunity's assignees when it is given to them and
when someone else changes it; a project's manager and collaborators when they join it; the
client's account managers (its owner's colleague and its manager) when an opportunity, a
project or an invoice is added to their client. Each only if they see the record then.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portefeuille.access.guards import lock_client
from portefeuille.audit.services import audit_ref, record_event
from portefeuille.contacts.models import Contact
from portefeuille.firms.guards import (
    UNSET,
    ExpectedVersion,
    FieldErrors,
    Unset,
    check_colleague,
    check_version,
    clean_text,
    field_error,
    firm_row,
    require_active,
)
from portefeuille.firms.models import Colleague, OpportunityStage
from portefeuille.notifications import kinds
from portefeuille.notifications.services import account_managers, notify

from .models import CURRENCIES, Invoice, Opportunity, Project, ProjectCollaborator, SalesRecord

R = TypeVar("R", bound=SalesRecord)

TITLE_MAX = 200
NUMBER_MAX = 40
DESCRIPTION_MAX = 20_000
COLLABORATORS_MAX = 50
AMOUNT_MAX = Decimal("999999999999.99")

STALE_RECORD = gettext_lazy(
    "Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez chargée : "
    "rechargez la page, puis refaites votre modification."
)


# ---------------------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------------------


def clean_amount(value: Any, field: str, *, required: bool = True) -> Decimal:
    """A positive amount with at most two decimals ("1 234,50" and "1234.5" both read)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_error(field, _("Ce champ est obligatoire."), "required")
        return Decimal(0)
    if isinstance(value, bool):
        raise field_error(field, _("Saisissez un montant, par exemple 1250,50."), "invalid")
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise field_error(
            field, _("Saisissez un montant, par exemple 1250,50."), "invalid"
        ) from None
    if not amount.is_finite():
        raise field_error(field, _("Saisissez un montant, par exemple 1250,50."), "invalid")
    if amount < 0:
        raise field_error(field, _("Le montant ne peut pas être négatif."), "min_value")
    if amount > AMOUNT_MAX:
        raise field_error(field, _("Ce montant est trop élevé."), "max_value")
    if amount != amount.quantize(Decimal("0.01")):
        raise field_error(field, _("Deux décimales au plus."), "max_decimal_places")
    return amount.quantize(Decimal("0.01"))


def clean_currency(value: Any, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if code not in CURRENCIES:
        raise field_error(
            field,
            _("Choisissez une devise parmi : %(codes)s.") % {"codes": ", ".join(CURRENCIES)},
            "invalid_choice",
        )
    return code


def clean_date(value: Any, field: str, *, required: bool = False) -> datetime.date | None:
    if value is None or value == "":
        if required:
            raise field_error(field, _("Ce champ est obligatoire."), "required")
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("Saisissez une date valide (AAAA-MM-JJ)."), "invalid") from None


def _clean_long(value: str | None, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise field_error(
            field, _("%(max)s caractères au plus.") % {"max": max_length}, "max_length"
        )
    return text


def _required_colleague(actor: Colleague, value: Colleague | int | None, field: str) -> Colleague:
    found = check_colleague(actor, value, field)
    if found is None:
        raise field_error(
            field, _("Choisissez un collègue : ce champ est obligatoire."), "required"
        )
    return found


def _check_stage(actor: Colleague, stage: OpportunityStage | int | None) -> OpportunityStage:
    if stage is None:
        first = (
            OpportunityStage.objects.filter(
                firm_id=actor.firm_id, outcome=OpportunityStage.Outcome.OPEN
            )
            .order_by("position", "pk")
            .first()
        )
        if first is None:
            raise field_error("stage", _("Choisissez une étape."), "required")
        return first
    found = firm_row(actor, OpportunityStage, stage)
    if not isinstance(found, OpportunityStage):
        raise field_error("stage", _("Choisissez une étape du cabinet."), "invalid_choice")
    return found


def _check_order(
    start: datetime.date | None, end: datetime.date | None, field: str, message: str
) -> None:
    if start is not None and end is not None and end < start:
        raise field_error(field, message, "before_start")


def _check_number(actor: Colleague, number: str, invoice_id: int | None = None) -> None:
    taken = Invoice.objects.filter(firm_id=actor.firm_id, number=number)
    if invoice_id is not None:
        taken = taken.exclude(pk=invoice_id)
    # The number is the firm's: a used one is refused whoever may see its invoice, and the
    # refusal names nothing of it.
    if taken.exists():
        raise field_error(
            "number",
            _("Le numéro %(number)s est déjà utilisé par une autre facture du cabinet.")
            % {"number": number},
            "unique",
        )


def _check_status(status: Any) -> str:
    code = str(status or "")
    if code not in Invoice.Status.values:
        raise field_error("status", _("Choisissez un statut de facture."), "invalid_choice")
    return code


def _clean_collaborators(
    actor: Colleague,
    values: Iterable[Colleague | int] | None,
    keep: frozenset[int] = frozenset(),
) -> list[Colleague]:
    """Active colleagues of the firm; those in `keep` (already on the project) stay even if
    deactivated since, so changing the list from a page that shows them does not refuse it
    (a deactivated collaborator leaves only when taken off)."""
    chosen: dict[int, Colleague] = {}
    for value in values or ():
        pk = value.pk if isinstance(value, Colleague) else value
        if pk in keep:
            kept = firm_row(actor, Colleague, pk)
            if isinstance(kept, Colleague):
                chosen[kept.pk] = kept
                continue
        found = check_colleague(actor, value, "collaborators")
        if found is not None:
            chosen[found.pk] = found
    if len(chosen) > COLLABORATORS_MAX:
        raise field_error(
            "collaborators",
            _("%(max)s collaborateurs au plus.") % {"max": COLLABORATORS_MAX},
            "max_length",
        )
    return list(chosen.values())


# ---------------------------------------------------------------------------------------
# Locks, versions, notifications.
# ---------------------------------------------------------------------------------------


def lock_record(actor: Colleague, model: type[R], record: R | int) -> R:
    """The record re-read in the actor's firm and locked, its client locked first (the
    order a client's deletion takes), once the actor is checked to see it through its door:
    not seen (unknown, of another firm, hidden) is a 404."""
    require_active(actor)
    pk = record.pk if isinstance(record, SalesRecord) else record
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise Http404
    client_id = (
        model._default_manager.filter(pk=pk, firm_id=actor.firm_id)
        .values_list("client_id", flat=True)
        .first()
    )
    if client_id is None:
        raise Http404
    locked_client = lock_client(actor, Contact(pk=client_id, firm_id=actor.firm_id), minimum=None)
    found = (
        model._default_manager.visible_to(actor)  # type: ignore[attr-defined]
        .select_for_update(of=("self",))
        .filter(pk=pk, client_id=locked_client.pk)
        .first()
    )
    if found is None:
        raise Http404
    found.client = locked_client
    return found  # type: ignore[no-any-return]


def _bump(record: SalesRecord, fields: Sequence[str]) -> None:
    now = timezone.now()
    record.updated_at = now
    type(record)._default_manager.filter(pk=record.pk).update(
        version=F("version") + 1, updated_at=now, **{name: getattr(record, name) for name in fields}
    )
    record.version += 1


def _tell(
    actor: Colleague,
    kind: str,
    record: SalesRecord,
    recipients: Iterable[Colleague | None],
    params: dict[str, Any],
) -> set[int]:
    """Notifies each recipient once; returns their ids (to leave them out of a second
    notification about the same change)."""
    chosen = [colleague for colleague in recipients if colleague is not None]
    if chosen:
        notify(
            kind=kind,
            recipients=chosen,
            client=record.client,
            actor=actor,
            params=params,
            record=record,
        )
    return {colleague.pk for colleague in chosen}


def _tell_added(
    actor: Colleague, record: SalesRecord, params: dict[str, Any], told: set[int]
) -> None:
    managers = [c for c in account_managers(record.client) if c.pk not in told]
    _tell(actor, kinds.SALES_RECORD_ADDED, record, managers, params)


# ---------------------------------------------------------------------------------------
# Opportunities.
# ---------------------------------------------------------------------------------------


def _opportunity_facts(opportunity: Opportunity) -> dict[str, Any]:
    return {"opportunity_id": opportunity.pk, "stage_id": opportunity.stage_id}


def _opportunity_history(opportunity: Opportunity) -> dict[str, Any]:
    return {
        "opportunity": audit_ref(opportunity),
        "title": opportunity.title,
        "value": str(opportunity.value),
        "currency": opportunity.currency,
        "stage": audit_ref(opportunity.stage),
        "expected_close": opportunity.expected_close.isoformat()
        if opportunity.expected_close
        else None,
        "assignee": audit_ref(opportunity.assignee),
        "second_assignee": audit_ref(opportunity.second_assignee),
    }


def _check_second(first: Colleague | None, second: Colleague | None) -> None:
    if first is not None and second is not None and first.pk == second.pk:
        raise field_error(
            "second_assignee",
            _("Le second commercial doit être un autre collègue que le premier."),
            "same_as_assignee",
        )


@transaction.atomic
def create_opportunity(
    *,
    actor: Colleague,
    client: Contact,
    title: str,
    assignee: Colleague | int | None,
    value: Any = None,
    currency: str = "EUR",
    stage: OpportunityStage | int | None = None,
    expected_close: datetime.date | str | None = None,
    second_assignee: Colleague | int | None = None,
) -> Opportunity:
    """An opportunity on a client the actor sees in full. "Affectée à" is required; the
    stage is the firm's first open one by default."""
    locked = lock_client(actor, client)
    errors = FieldErrors()
    clean_title = errors.run(clean_text, title, "title", TITLE_MAX)
    amount = errors.run(clean_amount, value, "value", required=False)
    code = errors.run(clean_currency, currency)
    chosen_stage = errors.run(_check_stage, actor, stage)
    close = errors.run(clean_date, expected_close, "expected_close")
    first = errors.run(_required_colleague, actor, assignee, "assignee")
    second = errors.run(check_colleague, actor, second_assignee, "second_assignee")
    errors.run(_check_second, first, second)
    errors.raise_if_any()
    now = timezone.now()
    opportunity = Opportunity.objects.create(
        firm_id=actor.firm_id,
        client=locked,
        title=clean_title,
        value=amount,
        currency=code,
        stage=chosen_stage,
        expected_close=close,
        assignee=first,
        second_assignee=second,
        closed_at=None if chosen_stage.outcome == OpportunityStage.Outcome.OPEN else now,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    record_event(
        actor=actor,
        action="opportunity.created",
        client=locked,
        after=_opportunity_history(opportunity),
    )
    facts = _opportunity_facts(opportunity)
    told = _tell(actor, kinds.OPPORTUNITY_ASSIGNED, opportunity, [first, second], facts)
    _tell_added(actor, opportunity, facts, told)
    return opportunity


@transaction.atomic
def update_opportunity(
    *,
    actor: Colleague,
    opportunity: Opportunity | int,
    title: str | Unset = UNSET,
    value: Any = UNSET,
    currency: str | Unset = UNSET,
    stage: OpportunityStage | int | Unset = UNSET,
    expected_close: datetime.date | str | Unset | None = UNSET,
    assignee: Colleague | int | Unset | None = UNSET,
    second_assignee: Colleague | int | Unset | None = UNSET,
    expected_version: ExpectedVersion = None,
) -> Opportunity:
    """Changes the fields given (UNSET: left as they are). A new assignee is told they were
    given it; the assignees who stay are told it changed."""
    found = lock_record(actor, Opportunity, opportunity)
    check_version(found, expected_version, message=str(STALE_RECORD))
    before = _opportunity_history(found)
    old_people = {found.assignee_id, found.second_assignee_id}
    errors = FieldErrors()
    changed: list[str] = []

    def keep(field: str, function: Any, *args: Any, **kwargs: Any) -> None:
        ok, new = errors.take(function, *args, **kwargs)
        if ok and getattr(found, field) != new:
            setattr(found, field, new)
            changed.append(field)

    if not isinstance(title, Unset):
        keep("title", clean_text, title, "title", TITLE_MAX)
    if not isinstance(value, Unset):
        keep("value", clean_amount, value, "value", required=False)
    if not isinstance(currency, Unset):
        keep("currency", clean_currency, currency)
    if not isinstance(stage, Unset):
        if stage is None:
            errors.run(_required_stage)
        else:
            keep("stage", _check_stage, actor, stage)
    if not isinstance(expected_close, Unset):
        keep("expected_close", clean_date, expected_close, "expected_close")
    if not isinstance(assignee, Unset):
        keep("assignee", _required_colleague, actor, assignee, "assignee")
    if not isinstance(second_assignee, Unset):
        keep("second_assignee", check_colleague, actor, second_assignee, "second_assignee")
    if "second_assignee" in changed or "assignee" in changed:
        errors.run(_check_second, found.assignee, found.second_assignee)
    errors.raise_if_any()
    if not changed:
        return found
    if "stage" in changed:
        open_now = found.stage.outcome == OpportunityStage.Outcome.OPEN
        if open_now and found.closed_at is not None:
            found.closed_at = None
            changed.append("closed_at")
        elif not open_now and found.closed_at is None:
            found.closed_at = timezone.now()
            changed.append("closed_at")
    _bump(found, changed)
    record_event(
        actor=actor,
        action="opportunity.changed",
        client=found.client,
        before=before,
        after=_opportunity_history(found),
    )
    facts = _opportunity_facts(found)
    newcomers = [
        person
        for person in (found.assignee, found.second_assignee)
        if person is not None and person.pk not in old_people
    ]
    told = _tell(actor, kinds.OPPORTUNITY_ASSIGNED, found, newcomers, facts)
    staying = [
        person
        for person in (found.assignee, found.second_assignee)
        if person is not None and person.pk not in told
    ]
    _tell(actor, kinds.OPPORTUNITY_CHANGED, found, staying, facts)
    return found


def _required_stage() -> None:
    raise field_error("stage", _("Choisissez une étape."), "required")


@transaction.atomic
def delete_opportunity(
    *, actor: Colleague, opportunity: Opportunity | int, expected_version: ExpectedVersion = None
) -> None:
    found = lock_record(actor, Opportunity, opportunity)
    check_version(found, expected_version, message=str(STALE_RECORD))
    record_event(
        actor=actor,
        action="opportunity.deleted",
        client=found.client,
        before=_opportunity_history(found),
    )
    found.delete()


# ---------------------------------------------------------------------------------------
# Projects.
# ---------------------------------------------------------------------------------------


def _project_facts(project: Project) -> dict[str, Any]:
    return {"project_id": project.pk}


def _project_history(project: Project, collaborators: Sequence[Colleague]) -> dict[str, Any]:
    return {
        "project": audit_ref(project),
        "name": project.name,
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "manager": audit_ref(project.manager),
        "collaborators": [audit_ref(colleague) for colleague in collaborators],
    }


def project_collaborators(project: Project) -> list[Colleague]:
    return [
        row.colleague
        for row in ProjectCollaborator.objects.filter(project_id=project.pk)
        .select_related("colleague")
        .order_by("colleague__last_name", "colleague__first_name", "colleague_id")
    ]


END_BEFORE_START = gettext_lazy("La date de fin ne peut pas précéder la date de début.")


@transaction.atomic
def create_project(
    *,
    actor: Colleague,
    client: Contact,
    name: str,
    manager: Colleague | int | None = None,
    start_date: datetime.date | str | None = None,
    end_date: datetime.date | str | None = None,
    description: str = "",
    collaborators: Iterable[Colleague | int] | None = None,
) -> Project:
    """A project on a client the actor sees in full; its manager is the actor unless
    another is chosen."""
    locked = lock_client(actor, client)
    errors = FieldErrors()
    clean_name = errors.run(clean_text, name, "name", TITLE_MAX)
    chosen_manager = errors.run(
        _required_colleague, actor, manager if manager is not None else actor, "manager"
    )
    start = errors.run(clean_date, start_date, "start_date")
    end = errors.run(clean_date, end_date, "end_date")
    errors.run(_check_order, start, end, "end_date", str(END_BEFORE_START))
    text = errors.run(_clean_long, description, "description", DESCRIPTION_MAX)
    people = errors.run(_clean_collaborators, actor, collaborators) or []
    errors.raise_if_any()
    now = timezone.now()
    project = Project.objects.create(
        firm_id=actor.firm_id,
        client=locked,
        name=clean_name,
        manager=chosen_manager,
        start_date=start,
        end_date=end,
        description=text,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    people = [person for person in people if person.pk != chosen_manager.pk]
    ProjectCollaborator.objects.bulk_create(
        ProjectCollaborator(firm_id=actor.firm_id, project=project, colleague=person)
        for person in people
    )
    record_event(
        actor=actor,
        action="project.created",
        client=locked,
        after=_project_history(project, people),
    )
    facts = _project_facts(project)
    told = _tell(actor, kinds.PROJECT_JOINED, project, [chosen_manager, *people], facts)
    _tell_added(actor, project, facts, told)
    return project


@transaction.atomic
def update_project(
    *,
    actor: Colleague,
    project: Project | int,
    name: str | Unset = UNSET,
    manager: Colleague | int | Unset | None = UNSET,
    start_date: datetime.date | str | Unset | None = UNSET,
    end_date: datetime.date | str | Unset | None = UNSET,
    description: str | Unset = UNSET,
    collaborators: Iterable[Colleague | int] | Unset | None = UNSET,
    expected_version: ExpectedVersion = None,
) -> Project:
    """Changes the fields given; `collaborators` replaces the whole list. Whoever joins the
    project (as its manager or a collaborator) is told."""
    found = lock_record(actor, Project, project)
    check_version(found, expected_version, message=str(STALE_RECORD))
    old_people = project_collaborators(found)
    before = _project_history(found, old_people)
    old_ids = {person.pk for person in old_people} | {found.manager_id}
    errors = FieldErrors()
    changed: list[str] = []

    def keep(field: str, function: Any, *args: Any, **kwargs: Any) -> None:
        ok, new = errors.take(function, *args, **kwargs)
        if ok and getattr(found, field) != new:
            setattr(found, field, new)
            changed.append(field)

    if not isinstance(name, Unset):
        keep("name", clean_text, name, "name", TITLE_MAX)
    if not isinstance(manager, Unset):
        keep("manager", _required_colleague, actor, manager, "manager")
    if not isinstance(start_date, Unset):
        keep("start_date", clean_date, start_date, "start_date")
    if not isinstance(end_date, Unset):
        keep("end_date", clean_date, end_date, "end_date")
    errors.run(_check_order, found.start_date, found.end_date, "end_date", str(END_BEFORE_START))
    if not isinstance(description, Unset):
        keep("description", _clean_long, description, "description", DESCRIPTION_MAX)
    new_people: list[Colleague] | None = None
    if not isinstance(collaborators, Unset):
        new_people = errors.run(
            _clean_collaborators, actor, collaborators, frozenset(p.pk for p in old_people)
        )
    errors.raise_if_any()
    people = old_people
    if new_people is not None:
        people = [person for person in new_people if person.pk != found.manager_id]
    elif "manager" in changed:
        people = [person for person in old_people if person.pk != found.manager_id]
    people_changed = {p.pk for p in people} != {p.pk for p in old_people}
    if not changed and not people_changed:
        return found
    _bump(found, changed)
    if people_changed:
        ProjectCollaborator.objects.filter(project_id=found.pk).exclude(
            colleague_id__in=[p.pk for p in people]
        ).delete()
        kept = set(
            ProjectCollaborator.objects.filter(project_id=found.pk).values_list(
                "colleague_id", flat=True
            )
        )
        ProjectCollaborator.objects.bulk_create(
            ProjectCollaborator(firm_id=actor.firm_id, project=found, colleague=person)
            for person in people
            if person.pk not in kept
        )
    record_event(
        actor=actor,
        action="project.changed",
        client=found.client,
        before=before,
        after=_project_history(found, people),
    )
    joined = [
        person
        for person in [found.manager, *people]
        if person is not None and person.pk not in old_ids
    ]
    _tell(actor, kinds.PROJECT_JOINED, found, joined, _project_facts(found))
    return found


@transaction.atomic
def delete_project(
    *, actor: Colleague, project: Project | int, expected_version: ExpectedVersion = None
) -> None:
    found = lock_record(actor, Project, project)
    check_version(found, expected_version, message=str(STALE_RECORD))
    record_event(
        actor=actor,
        action="project.deleted",
        client=found.client,
        before=_project_history(found, project_collaborators(found)),
    )
    found.delete()


# ---------------------------------------------------------------------------------------
# Invoices.
# ---------------------------------------------------------------------------------------


def _invoice_facts(invoice: Invoice) -> dict[str, Any]:
    return {"invoice_id": invoice.pk, "status": invoice.status}


def _invoice_history(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice": audit_ref(invoice),
        "number": invoice.number,
        "date": invoice.date.isoformat() if invoice.date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "amount": str(invoice.amount),
        "currency": invoice.currency,
        "status": invoice.status,
    }


DUE_BEFORE_DATE = gettext_lazy("L'échéance ne peut pas précéder la date de la facture.")


def _save_invoice(invoice: Invoice, fields: Sequence[str] | None) -> None:
    """Writes the invoice; a number taken meanwhile by a concurrent write is the same
    refusal as one taken before."""
    try:
        with transaction.atomic():
            if fields is None:
                invoice.save(force_insert=True)
            else:
                _bump(invoice, fields)
    except IntegrityError:
        raise field_error(
            "number",
            _("Le numéro %(number)s est déjà utilisé par une autre facture du cabinet.")
            % {"number": invoice.number},
            "unique",
        ) from None


@transaction.atomic
def create_invoice(
    *,
    actor: Colleague,
    client: Contact,
    number: str,
    date: datetime.date | str | None,
    amount: Any,
    due_date: datetime.date | str | None = None,
    currency: str = "EUR",
    status: str = Invoice.Status.DRAFT,
) -> Invoice:
    """An invoice on a client the actor sees in full; its number is unique in the firm."""
    locked = lock_client(actor, client)
    errors = FieldErrors()
    clean_number = errors.run(clean_text, number, "number", NUMBER_MAX)
    if clean_number:
        errors.run(_check_number, actor, clean_number)
    day = errors.run(clean_date, date, "date", required=True)
    due = errors.run(clean_date, due_date, "due_date")
    errors.run(_check_order, day, due, "due_date", str(DUE_BEFORE_DATE))
    total = errors.run(clean_amount, amount, "amount")
    code = errors.run(clean_currency, currency)
    chosen_status = errors.run(_check_status, status)
    errors.raise_if_any()
    now = timezone.now()
    invoice = Invoice(
        firm_id=actor.firm_id,
        client=locked,
        number=clean_number,
        date=day,
        due_date=due,
        amount=total,
        currency=code,
        status=chosen_status,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _save_invoice(invoice, None)
    record_event(
        actor=actor, action="invoice.created", client=locked, after=_invoice_history(invoice)
    )
    _tell_added(actor, invoice, _invoice_facts(invoice), set())
    return invoice


@transaction.atomic
def update_invoice(
    *,
    actor: Colleague,
    invoice: Invoice | int,
    number: str | Unset = UNSET,
    date: datetime.date | str | Unset | None = UNSET,
    due_date: datetime.date | str | Unset | None = UNSET,
    amount: Any = UNSET,
    currency: str | Unset = UNSET,
    status: str | Unset = UNSET,
    expected_version: ExpectedVersion = None,
) -> Invoice:
    found = lock_record(actor, Invoice, invoice)
    check_version(found, expected_version, message=str(STALE_RECORD))
    before = _invoice_history(found)
    errors = FieldErrors()
    changed: list[str] = []

    def keep(field: str, function: Any, *args: Any, **kwargs: Any) -> None:
        ok, new = errors.take(function, *args, **kwargs)
        if ok and getattr(found, field) != new:
            setattr(found, field, new)
            changed.append(field)

    if not isinstance(number, Unset):
        keep("number", clean_text, number, "number", NUMBER_MAX)
        if "number" in changed:
            errors.run(_check_number, actor, found.number, found.pk)
    if not isinstance(date, Unset):
        keep("date", clean_date, date, "date", required=True)
    if not isinstance(due_date, Unset):
        keep("due_date", clean_date, due_date, "due_date")
    errors.run(_check_order, found.date, found.due_date, "due_date", str(DUE_BEFORE_DATE))
    if not isinstance(amount, Unset):
        keep("amount", clean_amount, amount, "amount")
    if not isinstance(currency, Unset):
        keep("currency", clean_currency, currency)
    if not isinstance(status, Unset):
        keep("status", _check_status, status)
    errors.raise_if_any()
    if not changed:
        return found
    _save_invoice(found, changed)
    record_event(
        actor=actor,
        action="invoice.changed",
        client=found.client,
        before=before,
        after=_invoice_history(found),
    )
    return found


@transaction.atomic
def delete_invoice(
    *, actor: Colleague, invoice: Invoice | int, expected_version: ExpectedVersion = None
) -> None:
    found = lock_record(actor, Invoice, invoice)
    check_version(found, expected_version, message=str(STALE_RECORD))
    record_event(
        actor=actor, action="invoice.deleted", client=found.client, before=_invoice_history(found)
    )
    found.delete()

"""The registry of event kinds: each action code's label and sentence builder."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portefeuille.audit.models import AuditEvent

from .base import (
    Kind,
    Others,
    Rendered,
    _a,
    _b,
    _name,
    _plain,
    _with,
)
from .clients import (
    _card_mentions,
    _change,
    _holder_event,
    _membership_mentions,
    _render_card,
    _render_membership,
    _render_privacy,
    _render_role,
    _render_updated,
    _updated_mentions,
)
from .customfields import CUSTOM_FIELD_KINDS
from .details import (
    _address,
    _detail,
    _email_event,
    _network,
    _phone,
    _render_avatar,
    _render_document,
)
from .firm import (
    _client_name,
    _colleague_name,
    _list_item,
    _portfolio_name,
    _render_archive,
    _render_colleague_updated,
    _render_released,
    _render_settings,
    _render_stage_outcome,
    _render_state,
    _render_team_members,
    _render_team_renamed,
    _render_transfer,
    _staff,
    _team_name,
    _token_name,
    stage_item,
)
from .sales import SALES_KINDS
from .work import _work_mentions, render_note, render_status, render_task, render_work_item


def _render_export(event: AuditEvent, others: Others) -> Rendered:
    """An export of the client monitor: how many rows, in which format."""
    after = _a(event)
    count = after.get("count")
    count = count if isinstance(count, int) and not isinstance(count, bool) else 0
    text = ngettext(
        "Export de %(count)s client (%(format)s)", "Export de %(count)s clients (%(format)s)", count
    ) % {"count": count, "format": str(after.get("format", "")).upper()}
    return text, event.before, event.after


def _render_import(event: AuditEvent, others: Others) -> Rendered:
    """An import of contacts (docs/imports.md): its file and what it did."""
    after = _a(event)

    def number(key: str) -> int:
        value = after.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    text = _(
        "Import de « %(file)s » : %(created)s créés, %(merged)s complétés, %(skipped)s "
        "ignorés, %(rejected)s rejetés"
    ) % {
        "file": str(after.get("file", "")),
        "created": number("created"),
        "merged": number("merged"),
        "skipped": number("skipped"),
        "rejected": number("rejected"),
    }
    return text, event.before, event.after


KINDS: dict[str, Kind] = {
    # The client record.
    "client.created": Kind(
        gettext_lazy("Client créé"), _with(gettext_lazy("Client « %(name)s » créé"), _client_name)
    ),
    "client.updated": Kind(gettext_lazy("Détails modifiés"), _render_updated, _updated_mentions),
    "client.deleted": Kind(
        gettext_lazy("Client supprimé"),
        _with(gettext_lazy("Client « %(name)s » supprimé"), _client_name),
    ),
    "client.owner_changed": Kind(
        gettext_lazy("Responsable client changé"),
        _change(gettext_lazy("Responsable client : %(before)s → %(after)s"), "owner"),
    ),
    "client.manager_changed": Kind(
        gettext_lazy("Gestionnaire changé"),
        _change(gettext_lazy("Gestionnaire : %(before)s → %(after)s"), "manager"),
    ),
    "client.role_changed": Kind(gettext_lazy("Poste personnalisé changé"), _render_role),
    "client.member_added": Kind(
        gettext_lazy("Membre ajouté à l'équipe client"),
        _holder_event(gettext_lazy("%(name)s ajouté à l'équipe client"), "member", "after"),
    ),
    "client.member_removed": Kind(
        gettext_lazy("Membre retiré de l'équipe client"),
        _holder_event(gettext_lazy("%(name)s retiré de l'équipe client"), "member", "before"),
    ),
    "client.privacy_changed": Kind(gettext_lazy("Confidentialité changée"), _render_privacy),
    "client.access_granted": Kind(
        gettext_lazy("Accès accordé"),
        _holder_event(gettext_lazy("Accès accordé à %(name)s"), "grant", "after"),
    ),
    "client.access_revoked": Kind(
        gettext_lazy("Accès retiré"),
        _holder_event(gettext_lazy("Accès retiré à %(name)s"), "grant", "before"),
    ),
    "client.portfolio_changed": Kind(
        gettext_lazy("Portefeuille du client changé"),
        _change(gettext_lazy("Portefeuille : %(before)s → %(after)s"), "portfolio"),
    ),
    # Contact details.
    "contact.email_added": Kind(
        gettext_lazy("Adresse e-mail ajoutée"),
        _detail(
            gettext_lazy("Adresse e-mail %(value)s ajoutée"),
            "email",
            lambda d: d.get("address", ""),
        ),
    ),
    "contact.email_changed": Kind(
        gettext_lazy("Adresse e-mail modifiée"),
        _detail(
            gettext_lazy("Adresse e-mail %(value)s modifiée"),
            "email",
            lambda d: d.get("address", ""),
        ),
    ),
    "contact.email_removed": Kind(
        gettext_lazy("Adresse e-mail retirée"),
        _detail(
            gettext_lazy("Adresse e-mail %(value)s retirée"),
            "email",
            lambda d: d.get("address", ""),
        ),
    ),
    "contact.phone_added": Kind(
        gettext_lazy("Téléphone ajouté"),
        _detail(gettext_lazy("Téléphone %(value)s ajouté"), "phone", _phone),
    ),
    "contact.phone_changed": Kind(
        gettext_lazy("Téléphone modifié"),
        _detail(gettext_lazy("Téléphone %(value)s modifié"), "phone", _phone),
    ),
    "contact.phone_removed": Kind(
        gettext_lazy("Téléphone retiré"),
        _detail(gettext_lazy("Téléphone %(value)s retiré"), "phone", _phone),
    ),
    "contact.address_added": Kind(
        gettext_lazy("Adresse ajoutée"),
        _detail(gettext_lazy("Adresse « %(value)s » ajoutée"), "address", _address),
    ),
    "contact.address_changed": Kind(
        gettext_lazy("Adresse modifiée"),
        _detail(gettext_lazy("Adresse « %(value)s » modifiée"), "address", _address),
    ),
    "contact.address_removed": Kind(
        gettext_lazy("Adresse retirée"),
        _detail(gettext_lazy("Adresse « %(value)s » retirée"), "address", _address),
    ),
    "contact.social_handle_added": Kind(
        gettext_lazy("Réseau social ajouté"),
        _detail(gettext_lazy("Réseau social %(value)s ajouté"), "social_handle", _network),
    ),
    "contact.social_handle_changed": Kind(
        gettext_lazy("Réseau social modifié"),
        _detail(gettext_lazy("Réseau social %(value)s modifié"), "social_handle", _network),
    ),
    "contact.social_handle_removed": Kind(
        gettext_lazy("Réseau social retiré"),
        _detail(gettext_lazy("Réseau social %(value)s retiré"), "social_handle", _network),
    ),
    "contact.avatar_changed": Kind(gettext_lazy("Avatar modifié"), _render_avatar),
    "contact.card_added": Kind(
        gettext_lazy("Fiche de contact ajoutée"), _render_card, _card_mentions
    ),
    "contact.card_changed": Kind(
        gettext_lazy("Rôle changé sur une fiche de contact"), _render_card, _card_mentions
    ),
    "contact.card_removed": Kind(
        gettext_lazy("Fiche de contact retirée"), _render_card, _card_mentions
    ),
    "contact.member_added": Kind(
        gettext_lazy("Membre ajouté à un groupe de clients"),
        _render_membership,
        _membership_mentions,
    ),
    "contact.member_removed": Kind(
        gettext_lazy("Membre retiré d'un groupe de clients"),
        _render_membership,
        _membership_mentions,
    ),
    # Timeline and documents.
    "timeline.note_added": Kind(gettext_lazy("Note ajoutée"), _plain(gettext_lazy("Note ajoutée"))),
    "timeline.note_edited": Kind(
        gettext_lazy("Note modifiée"), _plain(gettext_lazy("Note modifiée"))
    ),
    "timeline.note_deleted": Kind(
        gettext_lazy("Note supprimée"), _plain(gettext_lazy("Note supprimée"))
    ),
    "timeline.email_logged": Kind(
        gettext_lazy("E-mail ajouté à la chronologie"),
        _email_event(gettext_lazy("E-mail ajouté à la chronologie")),
    ),
    "timeline.email_deleted": Kind(
        gettext_lazy("E-mail retiré de la chronologie"),
        _email_event(gettext_lazy("E-mail retiré de la chronologie")),
    ),
    "document.uploaded": Kind(gettext_lazy("Document ajouté"), _render_document),
    "document.renamed": Kind(gettext_lazy("Document renommé"), _render_document),
    "document.deleted": Kind(gettext_lazy("Document supprimé"), _render_document),
    # Work items, their checklists and notes.
    "work_item.created": Kind(
        gettext_lazy("Élément de travail créé"), render_work_item, _work_mentions
    ),
    "work_item.updated": Kind(
        gettext_lazy("Élément de travail modifié"), render_work_item, _work_mentions
    ),
    "work_item.status_changed": Kind(
        gettext_lazy("Statut d'un élément de travail changé"), render_status, _work_mentions
    ),
    "work_item.deleted": Kind(
        gettext_lazy("Élément de travail supprimé"), render_work_item, _work_mentions
    ),
    "work_item.recurred": Kind(
        gettext_lazy("Élément de travail récurrent renouvelé"), render_work_item, _work_mentions
    ),
    "work_item.task_added": Kind(gettext_lazy("Tâche ajoutée"), render_task, _work_mentions),
    "work_item.task_updated": Kind(gettext_lazy("Tâche modifiée"), render_task, _work_mentions),
    "work_item.task_deleted": Kind(gettext_lazy("Tâche retirée"), render_task, _work_mentions),
    "work_item.note_added": Kind(
        gettext_lazy("Note ajoutée à un élément de travail"), render_note, _work_mentions
    ),
    # The client monitor's exports (docs/exchange.md).
    "clients.exported": Kind(gettext_lazy("Export de clients"), _render_export),
    "contacts.imported": Kind(gettext_lazy("Import de contacts"), _render_import),
    # Portfolios and the owner roster.
    "portfolio.created": Kind(
        gettext_lazy("Portefeuille créé"),
        _with(gettext_lazy("Portefeuille « %(name)s » créé"), _portfolio_name),
    ),
    "portfolio.updated": Kind(
        gettext_lazy("Portefeuille modifié"),
        _with(gettext_lazy("Portefeuille « %(name)s » modifié"), _portfolio_name),
    ),
    "portfolio.deleted": Kind(
        gettext_lazy("Portefeuille supprimé"),
        _with(gettext_lazy("Portefeuille « %(name)s » supprimé"), _portfolio_name),
    ),
    "portfolio.staffed": Kind(
        gettext_lazy("Ajout au portefeuille"),
        _staff(gettext_lazy("%(name)s ajouté au portefeuille « %(portfolio)s »"), "after"),
    ),
    "portfolio.unstaffed": Kind(
        gettext_lazy("Retrait du portefeuille"),
        _staff(gettext_lazy("%(name)s retiré du portefeuille « %(portfolio)s »"), "before"),
    ),
    "roster.added": Kind(
        gettext_lazy("Responsable ajouté à la liste"),
        _with(
            gettext_lazy("%(name)s ajouté à la liste des responsables clients"),
            lambda event: {"name": _name(_a(event).get("owner"))},
        ),
    ),
    "roster.removed": Kind(
        gettext_lazy("Responsable retiré de la liste"),
        _with(
            gettext_lazy("%(name)s retiré de la liste des responsables clients"),
            lambda event: {"name": _name(_b(event).get("owner"))},
        ),
    ),
    "roster.clients_transferred": Kind(gettext_lazy("Clients transférés"), _render_transfer),
    # Colleagues and teams.
    "colleague.created": Kind(
        gettext_lazy("Collaborateur créé"),
        _with(gettext_lazy("Collaborateur %(name)s créé"), _colleague_name),
    ),
    "colleague.invited": Kind(
        gettext_lazy("Invitation envoyée"),
        _with(
            gettext_lazy("Invitation envoyée à %(email)s"),
            lambda event: {"email": _a(event).get("email", "")},
        ),
    ),
    "colleague.updated": Kind(gettext_lazy("Collaborateur modifié"), _render_colleague_updated),
    "colleague.deactivated": Kind(
        gettext_lazy("Collaborateur désactivé"),
        _with(gettext_lazy("Collaborateur %(name)s désactivé"), _colleague_name),
    ),
    "colleague.reactivated": Kind(
        gettext_lazy("Collaborateur réactivé"),
        _with(gettext_lazy("Collaborateur %(name)s réactivé"), _colleague_name),
    ),
    "colleague.deleted": Kind(
        gettext_lazy("Collaborateur supprimé"),
        _with(gettext_lazy("Collaborateur %(name)s supprimé"), _colleague_name),
    ),
    "colleague.clients_released": Kind(gettext_lazy("Clients réattribués"), _render_released),
    "team.created": Kind(
        gettext_lazy("Équipe créée"), _with(gettext_lazy("Équipe « %(name)s » créée"), _team_name)
    ),
    "team.renamed": Kind(gettext_lazy("Équipe renommée"), _render_team_renamed),
    "team.deleted": Kind(
        gettext_lazy("Équipe supprimée"),
        _with(gettext_lazy("Équipe « %(name)s » supprimée"), _team_name),
    ),
    "team.members_changed": Kind(
        gettext_lazy("Membres d'une équipe modifiés"), _render_team_members
    ),
    # Firm settings.
    "firm.settings_changed": Kind(gettext_lazy("Paramètres du cabinet modifiés"), _render_settings),
    "firm.role_slots_changed": Kind(
        gettext_lazy("Postes personnalisés modifiés"),
        _plain(gettext_lazy("Intitulés des postes personnalisés modifiés")),
    ),
    "contact_type.archive_changed": Kind(
        gettext_lazy("Type de contact archive changé"), _render_archive
    ),
    "work_status.state_changed": Kind(
        gettext_lazy("État principal d'un statut changé"), _render_state
    ),
    "api_token.created": Kind(
        gettext_lazy("Jeton d'API créé"),
        _with(gettext_lazy("Jeton d'API « %(name)s » créé"), _token_name),
    ),
    "api_token.revoked": Kind(
        gettext_lazy("Jeton d'API révoqué"),
        _with(gettext_lazy("Jeton d'API « %(name)s » révoqué"), _token_name),
    ),
}
_LIST_LABELS: dict[str, tuple[Promise, Promise, Promise, Promise]] = {
    "contact_type": (
        gettext_lazy("Type de contact créé"),
        gettext_lazy("Type de contact renommé"),
        gettext_lazy("Type de contact supprimé"),
        gettext_lazy("Ordre des types de contact modifié"),
    ),
    "work_type": (
        gettext_lazy("Type de travail créé"),
        gettext_lazy("Type de travail renommé"),
        gettext_lazy("Type de travail supprimé"),
        gettext_lazy("Ordre des types de travail modifié"),
    ),
    "work_status": (
        gettext_lazy("Statut de travail créé"),
        gettext_lazy("Statut de travail renommé"),
        gettext_lazy("Statut de travail supprimé"),
        gettext_lazy("Ordre des statuts de travail modifié"),
    ),
}
for _kind, _labels in _LIST_LABELS.items():
    for _verb, _label in zip(("created", "renamed", "deleted", "reordered"), _labels, strict=True):
        KINDS[f"{_kind}.{_verb}"] = Kind(_label, _list_item(_kind, _verb))

# The stages of the sales pipeline (firms/services/settings_lists.py).
KINDS["opportunity_stage.outcome_changed"] = Kind(
    gettext_lazy("Issue d'une étape des opportunités changée"), _render_stage_outcome
)
for _verb, _label in (
    ("created", gettext_lazy("Étape des opportunités créée")),
    ("renamed", gettext_lazy("Étape des opportunités renommée")),
    ("deleted", gettext_lazy("Étape des opportunités supprimée")),
    ("reordered", gettext_lazy("Ordre des étapes des opportunités modifié")),
):
    KINDS[f"opportunity_stage.{_verb}"] = Kind(_label, stage_item(_verb))

# Custom fields and the custom values of records (docs/custom-fields.md).
KINDS.update(CUSTOM_FIELD_KINDS)

# Opportunities, projects and invoices (docs/sales.md).
KINDS.update(SALES_KINDS)

_UNKNOWN = Kind(
    gettext_lazy("Autre modification"), _plain(gettext_lazy("Modification enregistrée"))
)


def action_label(action: str) -> str:
    """The words for an action code, in the current language."""
    return str(KINDS.get(action, _UNKNOWN).label)


def action_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for a filter, sorted by label."""
    return sorted(((code, action_label(code)) for code in set(actions)), key=lambda c: c[1])

"""Sentences about portfolios, the owner roster, colleagues, teams and firm settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portefeuille.firms.models import Colleague, Firm, OpportunityStage

from ..models import AuditEvent
from .base import (
    Others,
    Rendered,
    Renderer,
    _a,
    _b,
    _fields,
    _holder,
    _name,
    _primary_state,
)

# ---------------------------------------------------------------------------------------
# Portfolios, owner roster, colleagues, teams and firm settings.
# ---------------------------------------------------------------------------------------


def _portfolio_name(event: AuditEvent) -> Mapping[str, Any]:
    portfolio = _a(event).get("portfolio") or _b(event).get("portfolio")
    return {"name": _name(portfolio)}


def _staff(text: Promise, side: str) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        data = _b(event) if side == "before" else _a(event)
        values = {"name": _holder(data), "portfolio": _name(data.get("portfolio"))}
        return str(text) % values, event.before, event.after

    return render


def _render_transfer(event: AuditEvent, others: Others) -> Rendered:
    count = int(_a(event).get("clients") or 0)
    text = ngettext(
        "%(count)s client transféré de %(before)s à %(after)s",
        "%(count)s clients transférés de %(before)s à %(after)s",
        count,
    ) % {
        "count": count,
        "before": _name(_b(event).get("owner")),
        "after": _name(_a(event).get("owner")),
    }
    return text, event.before, event.after


def _colleague_name(event: AuditEvent) -> Mapping[str, Any]:
    before, after = _b(event), _a(event)
    ref = before.get("colleague") or after.get("colleague")
    if ref:
        return {"name": _name(ref)}
    snapshot = after or before
    full = " ".join(str(snapshot.get(key) or "") for key in ("first_name", "last_name")).strip()
    return {"name": full or snapshot.get("email") or _("un collaborateur")}


def _render_colleague_updated(event: AuditEvent, others: Others) -> Rendered:
    before, after = _b(event), _a(event)
    changed = {key: value for key, value in after.items() if key != "colleague"}
    text = _("Collaborateur %(name)s modifié : %(fields)s") % {
        "name": _colleague_name(event)["name"],
        "fields": _fields(Colleague, changed),
    }
    return text, before, after


def _team_name(event: AuditEvent) -> Mapping[str, Any]:
    team = _a(event).get("team") or _b(event).get("team")
    return {"name": _name(team) if isinstance(team, Mapping) else _name(_b(event).get("name"))}


def _render_team_members(event: AuditEvent, others: Others) -> Rendered:
    added = [f"+ {_name(ref)}" for ref in _a(event).get("added") or []]
    removed = [f"- {_name(ref)}" for ref in _b(event).get("removed") or []]
    text = _("Membres de l'équipe « %(team)s » : %(changes)s") % {
        "team": _team_name(event)["name"],
        "changes": ", ".join(added + removed) or "—",
    }
    return text, event.before, event.after


def _render_team_renamed(event: AuditEvent, others: Others) -> Rendered:
    values = {"before": _name(_b(event).get("name")), "after": _name(_a(event).get("name"))}
    return _("Équipe « %(before)s » renommée « %(after)s »") % values, event.before, event.after


_LISTS: dict[str, tuple[Promise, Promise]] = {
    "contact_type": (gettext_lazy("Type de contact"), gettext_lazy("types de contact")),
    "work_type": (gettext_lazy("Type de travail"), gettext_lazy("types de travail")),
    "work_status": (gettext_lazy("Statut de travail"), gettext_lazy("statuts de travail")),
}


def _list_item(kind: str, verb: str) -> Renderer:
    def render(event: AuditEvent, others: Others) -> Rendered:
        label = _LISTS[kind][0]
        before, after = _b(event), _a(event)
        if verb == "created":
            text = _("%(kind)s « %(name)s » créé") % {
                "kind": label,
                "name": _name(after.get("item")),
            }
        elif verb == "renamed":
            text = _("%(kind)s « %(before)s » renommé « %(after)s »") % {
                "kind": label,
                "before": _name(before.get("name")),
                "after": _name(after.get("name")),
            }
        elif verb == "deleted":
            text = _("%(kind)s « %(name)s » supprimé") % {
                "kind": label,
                "name": _name(before.get("item")),
            }
        else:
            text = _("Ordre des %(kind)s modifié") % {"kind": _LISTS[kind][1]}
        return text, event.before, event.after

    return render


def _render_archive(event: AuditEvent, others: Others) -> Rendered:
    values = {"name": _name(_b(event).get("item"))}
    text = (
        _("Type de contact « %(name)s » marqué comme archive")
        if _a(event).get("is_archive")
        else _("Type de contact « %(name)s » n'est plus une archive")
    )
    return text % values, event.before, event.after


def _render_state(event: AuditEvent, others: Others) -> Rendered:
    values = {
        "name": _name(_b(event).get("item")),
        "before": _primary_state(_b(event).get("primary_state")),
        "after": _primary_state(_a(event).get("primary_state")),
    }
    return _("Statut « %(name)s » : %(before)s → %(after)s") % values, event.before, event.after


def _outcome(value: Any) -> str:
    """An opportunity stage's outcome, in the reader's words."""
    if isinstance(value, str) and value in OpportunityStage.Outcome.values:
        return str(OpportunityStage.Outcome(value).label)
    return str(value or "?")


def stage_item(verb: str) -> Renderer:
    """The stages of the sales pipeline (docs/sales.md): created, renamed, deleted, reordered."""

    def render(event: AuditEvent, others: Others) -> Rendered:
        before, after = _b(event), _a(event)
        if verb == "created":
            text = _("Étape des opportunités « %(name)s » créée (%(outcome)s)") % {
                "name": _name(after.get("item")),
                "outcome": _outcome(after.get("outcome")),
            }
        elif verb == "renamed":
            text = _("Étape des opportunités « %(before)s » renommée « %(after)s »") % {
                "before": _name(before.get("name")),
                "after": _name(after.get("name")),
            }
        elif verb == "deleted":
            text = _("Étape des opportunités « %(name)s » supprimée") % {
                "name": _name(before.get("item"))
            }
        else:
            text = _("Ordre des étapes des opportunités modifié")
        return text, event.before, event.after

    return render


def _render_stage_outcome(event: AuditEvent, others: Others) -> Rendered:
    values = {
        "name": _name(_b(event).get("item")),
        "before": _outcome(_b(event).get("outcome")),
        "after": _outcome(_a(event).get("outcome")),
    }
    return _("Étape « %(name)s » : %(before)s → %(after)s") % values, event.before, event.after


def _render_settings(event: AuditEvent, others: Others) -> Rendered:
    text = _("Paramètres du cabinet modifiés : %(fields)s") % {"fields": _fields(Firm, event.after)}
    return text, event.before, event.after


def _token_name(event: AuditEvent) -> Mapping[str, Any]:
    return {"name": _name(_a(event).get("token") or _b(event).get("token"))}


def _render_released(event: AuditEvent, others: Others) -> Rendered:
    return (
        _("Clients de %(name)s réattribués") % {"name": _name(_b(event).get("colleague"))},
        event.before,
        event.after,
    )


def _client_name(event: AuditEvent) -> Mapping[str, Any]:
    return {
        "name": _a(event).get("display_name") or _b(event).get("display_name") or event.client_name
    }

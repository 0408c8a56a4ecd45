"""Saving and deleting the segments of the contacts, opportunities and invoices lists
(customfields/segments.py, docs/custom-fields.md). Thin adapters over work/services.py:
save_segment (private or shared with the firm; the filters read back as the list reads them,
so only valid ones are stored) and delete_segment (the owner only: another's segment, even
shared, is the same 404 as an unknown one)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required, refusal_text
from portefeuille.work import services as work_services
from portefeuille.work.models import Segment

from .segments import AREAS, stored


def _list_url(url_name: str, query: str) -> str:
    base = reverse(url_name)
    return f"{base}?{query}" if query else base


@colleague_required
@require_POST
def segment_save(request: HttpRequest, actor: Colleague, area: str) -> HttpResponse:
    """Saves the list's filters the form carries (`query`) under `name`; `shared` shares
    it with the firm."""
    spec = AREAS.get(area)
    if spec is None:
        raise Http404
    query = spec.canonical(actor, QueryDict(request.POST.get("query", "")[:4000]))
    try:
        segment = work_services.save_segment(
            actor=actor,
            name=request.POST.get("name", ""),
            query=query,
            area=area,
            shared=request.POST.get("shared") in ("1", "on", "true"),
        )
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect(_list_url(spec.list_url, stored(query)))
    messages.success(request, _("Segment « %(name)s » enregistré.") % {"name": segment.name})
    return redirect(_list_url(spec.list_url, segment.query))


@colleague_required
@require_http_methods(["GET", "POST"])
def segment_delete(request: HttpRequest, actor: Colleague, segment_id: int) -> HttpResponse:
    """GET: asks to confirm; POST: deletes one of the viewer's own segments."""
    segment = Segment.objects.filter(pk=segment_id, owner_id=actor.pk, area__in=list(AREAS)).first()
    if segment is None:
        raise Http404
    spec = AREAS[segment.area]
    if request.method == "POST":
        work_services.delete_segment(actor=actor, segment=segment)
        messages.success(request, _("Segment « %(name)s » supprimé.") % {"name": segment.name})
        return redirect(spec.list_url)
    return render(
        request,
        "customfields/segment_confirm_delete.html",
        {"segment": segment, "back": _list_url(spec.list_url, segment.query)},
    )

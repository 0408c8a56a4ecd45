"""« Statistiques » of the sales pages (docs/sales.md): opportunities per assignee and
stage, invoices per responsible and status, over a date range. Reads sales/statistics.py,
which counts only the records the viewer sees."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portefeuille.firms.models import Colleague
from portefeuille.firms.views import colleague_required

from . import statistics


def _date(
    raw: str | None, default: datetime.date, problems: list[str], label: str
) -> datetime.date:
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        problems.append(_("%(field)s : saisissez une date valide (AAAA-MM-JJ).") % {"field": label})
        return default


@colleague_required
@require_GET
def sales_statistics(request: HttpRequest, actor: Colleague) -> HttpResponse:
    today = timezone.localdate()
    problems: list[str] = []
    end = _date(request.GET.get("to"), today, problems, _("Au"))
    start = _date(
        request.GET.get("from"),
        end - datetime.timedelta(days=statistics.DEFAULT_DAYS),
        problems,
        _("Du"),
    )
    if start > end:
        problems.append(_("La date de début est après la date de fin : elles ont été inversées."))
        start, end = end, start
    if (end - start).days > statistics.MAX_DAYS:
        problems.append(_("La période est limitée à trois ans : le début a été rapproché."))
        start = end - datetime.timedelta(days=statistics.MAX_DAYS)
    user_fields = statistics.invoice_user_fields(actor.firm_id)
    chosen = user_fields[0] if user_fields else None
    wanted = request.GET.get("field", "")
    for candidate in user_fields:
        if str(candidate.pk) == wanted:
            chosen = candidate
    return render(
        request,
        "sales/statistics.html",
        {
            "start": start,
            "end": end,
            "problems": problems,
            "opportunities": statistics.opportunities_table(actor, start, end),
            "user_fields": user_fields,
            "responsible_field": chosen,
            "invoices": statistics.invoices_table(actor, chosen, start, end) if chosen else None,
        },
    )

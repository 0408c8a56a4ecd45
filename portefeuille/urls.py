"""The URL map: each app owns its own urls module."""

from django.urls import URLPattern, include, path

from portefeuille.api.api import api
from portefeuille.sales import views as sales_views
from portefeuille.web import views as web_views
from portefeuille.work import views_items as work_item_views


def _moved(route: str, to: str, name: str, **fixed: str) -> URLPattern:
    """The old address `route` of the page named `to` (its path parameters passed on)."""
    return path(route, web_views.moved, {"to": to, **fixed}, name=name)


# The client pages moved into the one Contacts area (/contacts/, the team & access tab at
# /contacts/<id>/team/) and the portfolios to /portfolios/: their old addresses redirect,
# permanently, with their query string (web/views.py).
moved_client_pages: list[URLPattern] = [
    path("", web_views.moved_client_list, name="client_list"),
    _moved("new/", "contacts:create", "client_create", kind="person"),
    _moved("<int:pk>/", "contacts:team", "client_detail"),
    _moved("<int:pk>/edit/<slug:action>/", "contacts:team_change", "client_edit"),
    _moved("portfolios/", "access:portfolio_list", "portfolio_list"),
    _moved("portfolios/new/", "access:portfolio_create", "portfolio_create"),
    _moved("portfolios/<int:pk>/", "access:portfolio_edit", "portfolio_edit"),
    _moved("portfolios/<int:pk>/delete/", "access:portfolio_delete", "portfolio_delete"),
    _moved(
        "portfolios/<int:pk>/change/<slug:action>/", "access:portfolio_change", "portfolio_change"
    ),
]

urlpatterns = [
    path("", include("portefeuille.web.urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/owners/", include("portefeuille.access.urls_owners")),
    path("settings/custom-fields/", include("portefeuille.customfields.urls")),
    path("settings/", include("portefeuille.firms.urls")),
    # A contact's Work tab: a work page in the contact page's frame (work/views_items.py).
    path("contacts/<int:contact_id>/work/", work_item_views.contact_work, name="contact_work"),
    # A contact's « Ventes » tab: its opportunities, projects, invoices (sales/views.py).
    path("contacts/<int:contact_id>/sales/", sales_views.contact_sales, name="contact_sales"),
    path("contacts/", include("portefeuille.contacts.urls")),
    path("work/", include("portefeuille.work.urls")),
    path("inbox/", include("portefeuille.inbox.urls")),
    path("segments/", include("portefeuille.customfields.urls_segments")),
    path("sales/", include("portefeuille.sales.urls")),
    path("monitor/", include("portefeuille.exchange.urls")),
    path("imports/", include("portefeuille.exchange.urls_imports")),
    path("portfolios/", include("portefeuille.access.urls")),
    path("offboarding/", include("portefeuille.access.urls_offboarding")),
    path("clients/", include((moved_client_pages, "moved"))),
    path("history/", include("portefeuille.audit.urls")),
    path("notifications/", include("portefeuille.notifications.urls")),
    path("api/v1/", api.urls),
]

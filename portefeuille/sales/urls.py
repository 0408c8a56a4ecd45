"""The sales pages (docs/sales.md), mounted at /sales/: opportunities (views.py), projects
(views_projects.py) and invoices (views_invoices.py). A contact's « Ventes » tab is
/contacts/<id>/sales/ (portefeuille/urls.py). The names have no namespace."""

from django.urls import URLPattern, URLResolver, path

from . import views, views_invoices, views_projects, views_statistics

urlpatterns: list[URLPattern | URLResolver] = [
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_new, name="opportunity_new"),
    path(
        "opportunities/<int:opportunity_id>/",
        views.opportunity_detail,
        name="opportunity_detail",
    ),
    path(
        "opportunities/<int:opportunity_id>/edit/",
        views.opportunity_edit,
        name="opportunity_edit",
    ),
    path(
        "opportunities/<int:opportunity_id>/delete/",
        views.opportunity_delete,
        name="opportunity_delete",
    ),
    path("projects/", views_projects.project_list, name="project_list"),
    path("projects/new/", views_projects.project_new, name="project_new"),
    path("projects/<int:project_id>/", views_projects.project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", views_projects.project_edit, name="project_edit"),
    path("projects/<int:project_id>/delete/", views_projects.project_delete, name="project_delete"),
    path("statistics/", views_statistics.sales_statistics, name="sales_statistics"),
    path("invoices/", views_invoices.invoice_list, name="invoice_list"),
    path("invoices/new/", views_invoices.invoice_new, name="invoice_new"),
    path("invoices/<int:invoice_id>/", views_invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/edit/", views_invoices.invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice_id>/delete/", views_invoices.invoice_delete, name="invoice_delete"),
]

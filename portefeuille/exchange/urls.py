from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.monitor_view, name="monitor"),
    path("export/", views.monitor_export, name="monitor_export"),
    path("exports/<int:pk>/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("bulk/", views.monitor_bulk, name="monitor_bulk"),
    path("bulk/apply/", views.monitor_bulk_apply, name="monitor_bulk_apply"),
]

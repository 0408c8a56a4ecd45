from django.urls import path

from . import views_imports as views

app_name = "imports"

urlpatterns = [
    path("", views.import_start, name="start"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/columns/", views.import_mapping, name="mapping"),
    path("<int:pk>/decide/", views.import_decide, name="decide"),
    path("<int:pk>/run/", views.import_run, name="run"),
    path("<int:pk>/discard/", views.import_discard, name="discard"),
    path("<int:pk>/report/", views.import_report, name="report"),
]

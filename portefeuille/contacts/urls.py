from django.urls import URLPattern, URLResolver, path

from portefeuille.access import views as access_views
from portefeuille.access import views_coverage

from . import views, views_details, views_timeline

app_name = "contacts"

# The contact area: the contacts page, the create flow, and the contact page with its tabs
# (Détails, Membres, Chronologie, Documents, Équipe et accès). The team & access tab's views
# live in access/views.py: the team, grants and portfolios are access's services.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.contact_list, name="list"),
    path("suggestions/", views.contact_suggestions, name="suggestions"),
    path("picker/", views.contact_picker, name="picker"),
    path("new/<slug:kind>/", views.contact_create, name="create"),
    path("coverage/fix/", views_coverage.coverage_fix, name="coverage_fix"),
    path("<int:pk>/", views_details.contact_detail, name="detail"),
    path("<int:pk>/edit/<slug:section>/", views_details.contact_edit, name="edit"),
    path("<int:pk>/change/<slug:action>/", views_details.contact_change, name="change"),
    path("<int:pk>/members/", views_details.contact_members, name="members"),
    path("<int:pk>/avatar/", views_details.contact_avatar, name="avatar"),
    path("<int:pk>/team/", access_views.client_team, name="team"),
    path("<int:pk>/team/<slug:action>/", access_views.client_team_change, name="team_change"),
    path("<int:pk>/timeline/", views_timeline.timeline_page, name="timeline"),
    path("<int:pk>/timeline/notes/", views_timeline.note_add, name="note_add"),
    path("<int:pk>/timeline/emails/", views_timeline.email_upload, name="email_upload"),
    path("<int:pk>/timeline/<int:item>/edit/", views_timeline.note_edit, name="note_edit"),
    path(
        "<int:pk>/timeline/<int:item>/delete/",
        views_timeline.item_delete,
        name="timeline_item_delete",
    ),
    path("<int:pk>/documents/", views_timeline.documents_page, name="documents"),
    path("<int:pk>/documents/upload/", views_timeline.document_upload, name="document_upload"),
    path(
        "<int:pk>/documents/<int:doc>/download/",
        views_timeline.document_download,
        name="document_download",
    ),
    path(
        "<int:pk>/documents/<int:doc>/rename/",
        views_timeline.document_rename,
        name="document_rename",
    ),
    path(
        "<int:pk>/documents/<int:doc>/delete/",
        views_timeline.document_delete,
        name="document_delete",
    ),
    path("<int:pk>/delete/", views_details.contact_delete, name="delete"),
]

from django.urls import URLPattern, URLResolver, path

from . import views, views_timeline

app_name = "contacts"

# Helper R inserts the timeline and documents routes (views_timeline) below the members line.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.contact_list, name="list"),
    path("suggestions/", views.contact_suggestions, name="suggestions"),
    path("picker/", views.contact_picker, name="picker"),
    path("new/<slug:kind>/", views.contact_create, name="create"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/<slug:section>/", views.contact_edit, name="edit"),
    path("<int:pk>/change/<slug:action>/", views.contact_change, name="change"),
    path("<int:pk>/members/", views.contact_members, name="members"),
    path("<int:pk>/avatar/", views.contact_avatar, name="avatar"),
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
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
]

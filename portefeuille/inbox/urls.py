"""The shared inbox's pages (docs/inbox.md), mounted at /inbox/: the inbox, its segments, an
uploaded .eml and the statistics (views.py); a ticket's page and actions and a new ticket
(views_tickets.py). The names have no namespace."""

from django.urls import URLPattern, URLResolver, path

from . import views, views_tickets

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ticket_list, name="ticket_list"),
    path("segments/", views.ticket_segment_save, name="ticket_segment_save"),
    path(
        "segments/<int:segment_id>/delete/",
        views.ticket_segment_delete,
        name="ticket_segment_delete",
    ),
    path("new/", views_tickets.ticket_new, name="ticket_new"),
    path("upload/", views.ticket_upload, name="ticket_upload"),
    path("statistics/", views.inbox_statistics, name="inbox_statistics"),
    path("<int:ticket_id>/", views_tickets.ticket_detail, name="ticket_detail"),
    path("<int:ticket_id>/reply/", views_tickets.ticket_reply, name="ticket_reply"),
    path("<int:ticket_id>/note/", views_tickets.ticket_note, name="ticket_note"),
    path("<int:ticket_id>/assign/", views_tickets.ticket_assign, name="ticket_assign"),
    path("<int:ticket_id>/close/", views_tickets.ticket_close, name="ticket_close"),
    path("<int:ticket_id>/reopen/", views_tickets.ticket_reopen, name="ticket_reopen"),
    path(
        "<int:ticket_id>/link-client/",
        views_tickets.ticket_link_client,
        name="ticket_link_client",
    ),
]

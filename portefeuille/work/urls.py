"""The work pages (docs/work.md), mounted at /work/: the board and the list (views.py), an
item's pages, its checklist and notes, « Mes tâches » (views_items.py). A contact's Work tab
is /contacts/<id>/work/ (portefeuille/urls.py). The names have no namespace."""

from django.urls import URLPattern, URLResolver, path

from . import views, views_items

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.work_board, name="work_board"),
    path("<int:item_id>/move/", views.work_move, name="work_move"),
    path("segments/", views.work_segment_save, name="work_segment_save"),
    path(
        "segments/<int:segment_id>/delete/",
        views.work_segment_delete,
        name="work_segment_delete",
    ),
    path("new/", views_items.item_new, name="work_item_new"),
    path("tasks/", views_items.my_tasks, name="my_tasks"),
    path("<int:item_id>/", views_items.item_detail, name="work_item"),
    path("<int:item_id>/edit/", views_items.item_edit, name="work_item_edit"),
    path("<int:item_id>/delete/", views_items.item_delete, name="work_item_delete"),
    path("<int:item_id>/tasks/", views_items.task_add, name="work_task_add"),
    path(
        "<int:item_id>/tasks/<int:task_id>/toggle/",
        views_items.task_toggle,
        name="work_task_toggle",
    ),
    path(
        "<int:item_id>/tasks/<int:task_id>/delete/",
        views_items.task_delete,
        name="work_task_delete",
    ),
    path("<int:item_id>/notes/", views_items.note_add, name="work_note_add"),
]

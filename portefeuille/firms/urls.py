"""Administration pages, "Mon profil" and API tokens (mounted under /settings/)."""

from django.urls import URLPattern, URLResolver, path

from . import views, views_profile, views_settings

app_name = "firms"

urlpatterns: list[URLPattern | URLResolver] = [
    path("colleagues/", views.colleague_list, name="colleague_list"),
    path("colleagues/new/", views.colleague_create, name="colleague_create"),
    path("colleagues/<int:pk>/", views.colleague_edit, name="colleague_edit"),
    path("colleagues/<int:pk>/invite/", views.colleague_invite, name="colleague_invite"),
    path(
        "colleagues/<int:pk>/<slug:action>/",
        views.colleague_action,
        name="colleague_action",
    ),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/delete/", views.team_delete, name="team_delete"),
    path(
        "teams/<int:pk>/members/<int:colleague_pk>/remove/",
        views.team_remove_member,
        name="team_remove_member",
    ),
    path("firm/", views_settings.firm_settings, name="firm_settings"),
    path("firm/roles/", views_settings.role_slots, name="role_slots"),
    path("firm/<slug:kind>/new/", views_settings.settings_list_create, name="settings_list_create"),
    path(
        "firm/<slug:kind>/<int:pk>/<slug:action>/",
        views_settings.settings_list_action,
        name="settings_list_action",
    ),
    path("profile/", views_profile.profile, name="profile"),
    path("tokens/", views_profile.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views_profile.api_token_revoke, name="api_token_revoke"),
]

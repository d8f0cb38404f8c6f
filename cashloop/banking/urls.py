"""Pages of bank statements under /banking/ (the workbench has its own, under workbench/)."""

from django.urls import path

from cashloop.banking import views

app_name = "banking"
urlpatterns = [
    path("lines/", views.statement_lines, name="statement_lines"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:bank_account_id>/edit/", views.account_edit, name="account_edit"),
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_upload, name="import_upload"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:import_id>/discard/", views.import_discard, name="import_discard"),
    path("profiles/", views.profile_list, name="profiles"),
    path("profiles/new/", views.profile_create, name="profile_create"),
    path("profiles/<int:profile_id>/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/copy/", views.profile_copy, name="profile_copy"),
]

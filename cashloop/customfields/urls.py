"""Pages of custom fields, under /settings/custom-fields/."""

from django.urls import path

from cashloop.customfields import views

app_name = "customfields"

urlpatterns = [
    path("", views.field_list, name="list"),
    path("new/", views.field_create, name="create"),
    path("<int:field_id>/", views.field_edit, name="edit"),
    path(
        "<int:field_id>/<str:action>/",
        views.field_action,
        name="action",
    ),
    path("layouts/", views.layout_edit, name="layouts"),
    path("columns/", views.columns_set, name="columns"),
]

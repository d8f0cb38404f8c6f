"""URLs of approvals: the inbox, requests, flows (Settings), delegation and documents."""

from django.urls import path

from cashloop.approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("waiting-badge/", views.waiting_badge, name="waiting_badge"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("flows/", views.flow_list, name="flow_list"),
    path("flows/new/", views.flow_edit, name="flow_new"),
    path("flows/<int:flow_id>/", views.flow_edit, name="flow_edit"),
    path("delegation/", views.delegation, name="delegation"),
    path(
        "delegation/<int:delegation_id>/delete/",
        views.delegation_delete,
        name="delegation_delete",
    ),
]

for kind, segment in (("claim", "expenses"), ("plan", "plans")):
    urlpatterns += [
        path(f"{segment}/", views.document_list, {"kind": kind}, name=f"{kind}_list"),
        path(f"{segment}/new/", views.document_edit, {"kind": kind}, name=f"{kind}_new"),
        path(f"{segment}/<int:pk>/", views.document_edit, {"kind": kind}, name=f"{kind}_detail"),
        path(
            f"{segment}/<int:pk>/submit/",
            views.document_submit,
            {"kind": kind},
            name=f"{kind}_submit",
        ),
    ]

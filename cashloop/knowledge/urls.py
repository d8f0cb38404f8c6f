from django.urls import path

from cashloop.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("documents/", views.document_list, name="document_list"),
    path("documents/folders/new/", views.folder_create, name="folder_create"),
    path("documents/folders/<int:folder_id>/edit/", views.folder_edit, name="folder_edit"),
    path("documents/new/", views.page_create, name="page_create"),
    path("documents/upload/", views.document_upload, name="document_upload"),
    path("documents/<int:document_id>/", views.document_detail, name="document_detail"),
    path("documents/<int:document_id>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:document_id>/versions/", views.version_upload, name="version_upload"),
    path("documents/<int:document_id>/download/", views.document_download, name="download"),
    path(
        "documents/<int:document_id>/versions/<int:number>/download/",
        views.document_download,
        name="version_download",
    ),
    path("documents/links/", views.link_create, name="link_create"),
    path("documents/links/<int:link_id>/delete/", views.link_delete, name="link_delete"),
    path("announcements/", views.announcement_list, name="announcement_list"),
    path("announcements/new/", views.announcement_create, name="announcement_create"),
    path(
        "announcements/<int:announcement_id>/",
        views.announcement_detail,
        name="announcement_detail",
    ),
    path(
        "announcements/<int:announcement_id>/edit/",
        views.announcement_edit,
        name="announcement_edit",
    ),
    path(
        "announcements/<int:announcement_id>/withdraw/",
        views.announcement_withdraw,
        name="announcement_withdraw",
    ),
]

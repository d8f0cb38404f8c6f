from django.urls import path

from cashloop.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.csv", views.customer_export, name="export"),
    path("import/", views.customer_import, name="import"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/export/", views.contact_export, name="contact_export"),
    path("new/", views.customer_create, name="create"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path(
        "<int:customer_id>/interactions/new/", views.interaction_create, name="interaction_create"
    ),
    path("todo/", views.interaction_todo, name="todo"),
    path("pool/", views.pool_list, name="pool"),
    path("pool/settings/", views.pool_settings, name="pool_settings"),
    path("<int:customer_id>/claim/", views.customer_claim, name="claim"),
    path("<int:customer_id>/release/", views.customer_release, name="release"),
    path("<int:customer_id>/merge/", views.customer_merge, name="merge"),
    path("hand-over/", views.hand_over, name="hand_over"),
    path(
        "interactions/<int:interaction_id>/done/", views.interaction_done, name="interaction_done"
    ),
]

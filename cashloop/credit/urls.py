"""Pages of credit control: the holds list and each customer's credit page."""

from django.urls import path

from cashloop.credit import views

app_name = "credit"

urlpatterns = [
    path("holds/", views.hold_list, name="holds"),
    path("settings/", views.credit_admin, name="settings"),
    path("settings/save/", views.settings_save, name="settings_save"),
    path("settings/group-limit/", views.group_limit_save, name="group_limit_save"),
    path("settings/bands/", views.band_save, name="band_save"),
    path("settings/bands/<int:band_id>/delete/", views.band_delete, name="band_delete"),
    path("customers/<int:customer_id>/", views.customer_credit, name="customer"),
    path("customers/<int:customer_id>/release/", views.release_request, name="release"),
    path("customers/<int:customer_id>/limit/", views.limit_change, name="limit"),
    path("customers/<int:customer_id>/signal/", views.signal_record, name="signal"),
]

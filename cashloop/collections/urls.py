"""Pages of dunning under /dunning/."""

from django.urls import path

from cashloop.collections import views

app_name = "collections"

urlpatterns = [
    path("", views.run_preview, name="dunning"),
    path("run/", views.run_now, name="run"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_edit, name="policy_new"),
    path("policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
    path("policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("log/", views.log_list, name="log"),
    path("log/<int:log_id>/", views.log_detail, name="log_detail"),
    path("log/<int:log_id>/letter.pdf", views.log_letter, name="log_letter"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/new/<int:installment_id>/", views.dispute_new, name="dispute_new"),
    path("disputes/<int:dispute_id>/", views.dispute_detail, name="dispute_detail"),
    path("charges/", views.charge_list, name="charges"),
    path("charges/<int:charge_id>/waive/", views.charge_waive, name="charge_waive"),
]

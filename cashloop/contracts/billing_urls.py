"""Pages of contract billing and the three-way reconciliation, under /billing/."""

from django.urls import path

from cashloop.contracts import billing_views as views

app_name = "billing"

urlpatterns = [
    path("", views.billing_due, name="due"),
    path("run/", views.billing_run, name="run"),
    path("reconciliation/", views.reconciliation_page, name="reconciliation"),
]

"""Pages of imports, under /settings/imports/."""

from django.urls import path

from cashloop.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("company-export.zip", views.company_export, name="company_export"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/run/", views.job_run, name="run"),
    path("<int:job_id>/progress/", views.job_progress, name="progress"),
    path("<int:job_id>/errors.csv", views.job_errors, name="errors"),
]

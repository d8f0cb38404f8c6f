"""Pages of report schedules under /reports/schedules/ (decision 064)."""

from django.urls import path

from cashloop.reports import schedule_views as views

app_name = "report_schedules"
SECTION = {"section": "reports"}
urlpatterns = [
    path("", views.schedule_list, SECTION, name="list"),
    path("<int:schedule_id>/", views.schedule_edit, SECTION, name="edit"),
    path("<int:schedule_id>/send/", views.schedule_send, SECTION, name="send"),
    path("<int:schedule_id>/delete/", views.schedule_delete, SECTION, name="delete"),
]

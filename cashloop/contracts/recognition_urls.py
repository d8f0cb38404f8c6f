"""Pages of revenue recognition and key dates, under /revenue/."""

from django.urls import path

from cashloop.contracts import recognition_views as views

app_name = "revenue"

urlpatterns = [
    path("contracts/<int:contract_id>/", views.contract_schedule, name="contract_schedule"),
    path("run/", views.recognition_run, name="run"),
    path("key-dates/", views.key_date_calendar, name="key_dates"),
    path("key-dates/feed/<str:token>.ics", views.key_date_feed, name="key_dates_feed"),
]

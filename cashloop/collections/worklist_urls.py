"""Pages of the collector's worklist under /collections/ (decision 050)."""

from django.urls import path

from cashloop.collections import worklist_views as views

app_name = "worklist"

urlpatterns = [
    path("", views.worklist, name="collections"),
    path("promises/check/", views.promises_check, name="promises_check"),
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path("customers/<int:customer_id>/log/", views.activity_log, name="log"),
    path("customers/<int:customer_id>/promise/", views.promise_create, name="promise"),
    path(
        "customers/<int:customer_id>/promises/<int:promise_id>/cancel/",
        views.promise_cancel,
        name="promise_cancel",
    ),
    path("customers/<int:customer_id>/task/", views.task_create, name="task"),
    path(
        "customers/<int:customer_id>/tasks/<int:task_id>/done/",
        views.task_done,
        name="task_done",
    ),
    path("customers/<int:customer_id>/escalate/", views.escalate, name="escalate"),
    path("customers/<int:customer_id>/statement/", views.statement_send, name="statement"),
]

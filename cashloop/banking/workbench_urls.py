"""URLs of the recognition workbench (认款工作台), under /banking/workbench/."""

from django.urls import path

from cashloop.banking import workbench_views as views

app_name = "workbench"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("run/", views.auto_match, name="auto_match"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:rule_id>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("lines/<int:line_id>/confirm/", views.confirm, name="confirm"),
    path("lines/<int:line_id>/split/", views.split, name="split"),
    path("lines/<int:line_id>/exclude/", views.exclude, name="exclude"),
    path("lines/<int:line_id>/unexclude/", views.unexclude, name="unexclude"),
    path("matches/<int:match_id>/unmatch/", views.unmatch, name="unmatch"),
]

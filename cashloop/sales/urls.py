from django.urls import path

from cashloop.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.board, name="board"),
    path("board/<int:opportunity_id>/move/", views.board_move, name="board_move"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/export.csv", views.opportunity_export, name="opportunity_export"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path(
        "opportunities/<int:opportunity_id>/", views.opportunity_detail, name="opportunity_detail"
    ),
    path(
        "opportunities/<int:opportunity_id>/edit/", views.opportunity_edit, name="opportunity_edit"
    ),
    path(
        "opportunities/<int:opportunity_id>/move/", views.opportunity_move, name="opportunity_move"
    ),
    path(
        "opportunities/<int:opportunity_id>/probability/",
        views.opportunity_probability,
        name="opportunity_probability",
    ),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/export/", views.lead_export, name="lead_export"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:lead_id>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:lead_id>/convert/", views.lead_convert, name="lead_convert"),
    path("forecast/", views.forecast_page, name="forecast"),
    path("forecast/adjust/", views.forecast_adjust, name="forecast_adjust"),
    path("forecast/accuracy/", views.forecast_accuracy, name="forecast_accuracy"),
    path("targets/", views.targets_page, name="targets"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("settings/pipelines/", views.pipeline_settings, name="pipeline_settings"),
    path("settings/pipelines/<int:pipeline_id>/", views.pipeline_edit, name="pipeline_edit"),
    path("settings/assignment/", views.rule_list, name="rule_list"),
    path("settings/assignment/<int:rule_id>/", views.rule_edit, name="rule_edit"),
]

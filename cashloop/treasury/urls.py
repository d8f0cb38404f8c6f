"""Pages of treasury: the cash position, rates, the budget grid, budget against actual,
planned items, the cash forecast and its scenarios, customer value."""

from django.urls import path

from cashloop.treasury import views

app_name = "treasury"

urlpatterns = [
    path("", views.index, name="index"),
    path("rates/", views.rates, name="rates"),
    path("budget/", views.budget, name="budget"),
    path("budget/cell/", views.budget_cell, name="budget_cell"),
    path("budget/import/", views.budget_import, name="budget_import"),
    path("budget/actual/", views.budget_vs_actual, name="budget_vs_actual"),
    path("budget/setup/", views.budget_setup, name="budget_setup"),
    path(
        "budget/categories/<int:category_id>/accounts/",
        views.category_accounts,
        name="category_accounts",
    ),
    path("planned/", views.planned, name="planned"),
    path("planned/<int:item_id>/", views.planned, name="planned_edit"),
    path("planned/<int:item_id>/delete/", views.planned_delete, name="planned_delete"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/<int:forecast_id>/progress/", views.forecast_progress, name="forecast_progress"),
    path("forecast/accuracy/", views.forecast_accuracy, name="forecast_accuracy"),
    path("forecast/settings/", views.forecast_settings, name="forecast_settings"),
    path("value/", views.customer_value, name="customer_value"),
    path("value/settings/", views.value_settings, name="value_settings"),
    path("scenarios/", views.scenarios, name="scenarios"),
    path("scenarios/<int:scenario_id>/", views.scenarios, name="scenario_edit"),
    path("scenarios/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
    path("scenarios/<int:scenario_id>/run/", views.scenario_run, name="scenario_run"),
]

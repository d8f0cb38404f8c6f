"""Rows that data migrations install (built-in roles, the chart of accounts, the pipeline,
the bank import profiles, the budget categories).

A transactional test flushes the database when it ends, taking those rows with it; the
fixtures that need them call `reinstall()` first.  It runs the migrations' own functions,
so tests see exactly what a fresh installation has.
"""

from django.apps import apps

from cashloop.identity.migrations import _roles


def reinstall() -> None:
    import importlib

    _roles.install(apps, None)
    chart = importlib.import_module("cashloop.ledger.migrations.0002_default_chart_and_guards")
    chart.install_chart(apps, None)
    pipeline = importlib.import_module("cashloop.sales.migrations.0002_default_pipeline")
    pipeline.install_default_pipeline(apps, None)
    profiles = importlib.import_module("cashloop.banking.migrations.0003_builtin_import_profiles")
    profiles.install(apps, None)
    categories = importlib.import_module("cashloop.treasury.migrations.0002_categories_and_grants")
    categories.install_categories(apps, None)
    forecast = importlib.import_module("cashloop.treasury.migrations.0003_forecast_runs")
    forecast.sales_not_in_forecast(apps, None)

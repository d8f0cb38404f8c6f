"""Background tasks of sales: the weekly forecast snapshot (decision 027)."""

from __future__ import annotations

from django_tasks import task

from cashloop.sales import services


@task()
def forecast_snapshot() -> int:
    """Snapshot every rep's forecast for this week; again in the same week replaces it."""
    return services.forecast_snapshot_take()

"""Background work of treasury: computing a queued cash forecast, and the daily one."""

from django_tasks import task

from cashloop.treasury.services import forecast_run_compute, forecast_run_create


@task()
def forecast_compute(run_id: int) -> int:
    """Compute a queued forecast (decision 055); a run already done is left alone."""
    return forecast_run_compute(run_id=run_id).pk


@task()
def forecast_daily() -> int:
    """This morning's forecast, so the page and the accuracy report have one a day."""
    return forecast_run_create(actor=None).pk

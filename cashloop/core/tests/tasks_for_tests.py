"""Tasks used only by the worker and schedule tests: they leave a visible row behind."""

from django.db import transaction
from django_tasks import task

from cashloop.core.sequences import sequence_next


@task()
def take_number(series: str) -> str:
    with transaction.atomic():
        return sequence_next(series=series, year=2026)


@task()
def take_clock_number() -> str:
    """What a scheduled job runs in the schedule tests: no arguments, a visible row."""
    with transaction.atomic():
        return sequence_next(series="CLK", year=2026)

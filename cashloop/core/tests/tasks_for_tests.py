"""A task used only by the worker test: it leaves a visible row behind."""

from django.db import transaction
from django_tasks import task

from cashloop.core.sequences import sequence_next


@task()
def take_number(series: str) -> str:
    with transaction.atomic():
        return sequence_next(series=series, year=2026)

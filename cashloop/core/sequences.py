"""Gapless document numbers (money rule 5): INV-2026-000123, never a primary key.

`sequence_next()` must run inside the caller's transaction: it locks the counter row
until that transaction ends, so a rollback returns the number and concurrent issuers
queue instead of skipping or repeating one.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import Sequence

NUMBER_WIDTH = 6


def sequence_next(*, series: str, year: int) -> str:
    """Take the next number of `series` in `year`, formatted `SERIES-YEAR-000001`."""
    return sequence_next_many(series=series, year=year, count=1)[0]


def sequence_next_many(*, series: str, year: int, count: int) -> list[str]:
    """Take `count` consecutive numbers at once: one lock and one update for a whole batch."""
    if not transaction.get_connection().in_atomic_block:
        raise DomainError(CoreError.SEQUENCE_OUTSIDE_TRANSACTION)
    first = _take(series=series, year=year, count=count)
    return [f"{series}-{year}-{value:0{NUMBER_WIDTH}d}" for value in range(first, first + count)]


def _take(*, series: str, year: int, count: int) -> int:
    counter = Sequence.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                Sequence.objects.create(series=series, year=year, next_value=1 + count)
            return 1
        except IntegrityError:
            # Another transaction created the counter first; queue behind its lock.
            counter = Sequence.objects.select_for_update().get(series=series, year=year)
    Sequence.objects.filter(pk=counter.pk).update(next_value=F("next_value") + count)
    return counter.next_value

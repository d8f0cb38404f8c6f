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
    if not transaction.get_connection().in_atomic_block:
        raise DomainError(CoreError.SEQUENCE_OUTSIDE_TRANSACTION)
    value = _take(series=series, year=year)
    return f"{series}-{year}-{value:0{NUMBER_WIDTH}d}"


def _take(*, series: str, year: int) -> int:
    counter = Sequence.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                Sequence.objects.create(series=series, year=year, next_value=2)
            return 1
        except IntegrityError:
            # Another transaction created the counter first; queue behind its lock.
            counter = Sequence.objects.select_for_update().get(series=series, year=year)
    Sequence.objects.filter(pk=counter.pk).update(next_value=F("next_value") + 1)
    return counter.next_value

"""The receivables history the payment-behaviour model learns from, as numpy arrays: every
issued installment with its customer, segment, dates, amount and, once settled, the day
it was settled and whether payments settled it.

Days are whole days since `EPOCH`, computed by the database, and amounts are floats in the
base currency: the model estimates dates, and the arrays of a large company (millions of
installments) must load in seconds, not build millions of `Decimal`s and `date`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import BooleanField, Case, DateField, F, FloatField, Max, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce

from cashloop.core.sql import DaysBetween
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import Installment

EPOCH = date(2000, 1, 1)
NOT_SETTLED = np.iinfo(np.int32).max


def day_number(day: date) -> int:
    return (day - EPOCH).days


def day_date(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


@dataclass(frozen=True)
class PaymentHistory:
    """One entry per installment, in id order.  `settled` is NOT_SETTLED while it is open."""

    installment: np.ndarray  # int64 ids
    customer: np.ndarray  # int64 ids
    segment: np.ndarray  # int64: the customer group, 0 for none
    issued: np.ndarray  # int32 day numbers
    due: np.ndarray  # int32 day numbers
    amount: np.ndarray  # float64, base currency
    settled: np.ndarray  # int32 day numbers
    by_payment: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.installment)

    @property
    def first_day(self) -> int | None:
        """The day the history starts (the first invoice), None when it is empty."""
        return int(self.issued.min()) if len(self) else None

    def known(self, as_of: int) -> np.ndarray:
        """Installments settled by payment on or before `as_of`: what the model learns from."""
        return self.by_payment & (self.settled <= as_of) & (self.issued <= as_of)

    def open_on(self, as_of: int) -> np.ndarray:
        """Installments issued on or before `as_of` and not settled by then."""
        return (self.issued <= as_of) & (self.settled > as_of)


def payment_history(*, chunk: int = 100_000) -> PaymentHistory:
    """Every installment of an issued invoice (not draft, not cancelled), company-wide: the
    model is the company's, so it reads below any user's scope; what a user is shown of it
    goes through the treasury's selectors.  Read `chunk` rows at a time."""
    epoch = Value(EPOCH, DateField())
    amount = Installment._meta.get_field("amount")
    paid = Coalesce(
        Sum("allocations__amount", filter=Q(allocations__payment__isnull=False)),
        Value(0, output_field=amount),
    )
    settled = Q(residual=0)
    rows = (
        Installment.objects.exclude(
            invoice__status__in=(InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED)
        )
        .order_by("pk")
        .values_list(
            "pk",
            "invoice__customer_id",
            Coalesce("invoice__customer__group_id", Value(0)),
            DaysBetween(F("invoice__issue_date"), epoch),
            DaysBetween(F("due_date"), epoch),
            Cast("base_amount", FloatField()),
            Case(
                When(settled, then=DaysBetween(Max("allocations__date"), epoch)),
                default=Value(NOT_SETTLED),
            ),
            Case(
                # Settled by payments when they paid at least half of it (the rest credited
                # or written off): its settlement day is a payment date.
                When(settled & Q(amount__lte=paid * 2), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    parts: list[list[np.ndarray]] = []
    block: list[tuple] = []
    for row in rows.iterator(chunk_size=chunk):
        block.append(row)
        if len(block) == chunk:
            parts.append(_arrays(block))
            block = []
    parts.append(_arrays(block))
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    return PaymentHistory(*columns)


DTYPES = (np.int64, np.int64, np.int64, np.int32, np.int32, np.float64, np.int32, np.bool_)


def _arrays(block: list[tuple]) -> list[np.ndarray]:
    if not block:
        return [np.empty(0, dtype=dtype) for dtype in DTYPES]
    return [
        np.fromiter(column, dtype=dtype, count=len(block))
        for column, dtype in zip(zip(*block, strict=True), DTYPES, strict=True)
    ]

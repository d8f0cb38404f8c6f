"""Reads of the ledger: the chart, the journal, the periods.

The ledger has no per-record data scope: a role that may view the ledger sees all of it
(finance, treasurer, viewer, admin), and a role without the right sees none of it.  So
each selector first asks `require(user, "view", Model)`, which raises `permission.denied`
for the others; the API, the pages and exports all call these.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Round

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.scoping import require
from cashloop.core.verify import money_sum
from cashloop.identity.models import User
from cashloop.ledger.choices import PeriodStatus
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import Account, AccountingPeriod, JournalEntry, JournalLine
from cashloop.ledger.vouchers import vouchers_write


def account_list(*, user: User, active_only: bool = False) -> QuerySet[Account]:
    """The chart of accounts, by code."""
    require(user, "view", Account)
    qs = Account.objects.select_related("parent").order_by("code")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def account_get(*, user: User, account_id: int, action: str = "view") -> Account:
    require(user, action, Account)
    account = Account.objects.select_related("parent").filter(pk=account_id).first()
    if account is None:
        raise DomainError(CoreError.NOT_FOUND)
    return account


def _base_total() -> Round:
    """Sum of an entry's debits in base currency (= its credits, as entries balance)."""
    return money_sum("lines__base_amount", lines__base_amount__gt=0)


def entry_list(
    *,
    user: User,
    date_from: date | None = None,
    date_to: date | None = None,
    reason: str = "",
    account_id: int | None = None,
    customer_id: int | None = None,
    q: str = "",
) -> QuerySet[JournalEntry]:
    """Journal entries, newest first, each with `total` (its debits in base currency).

    `account_id` and `customer_id` keep entries with at least one such line; `q` matches
    the number, the memo and the source document.  The filters on lines go through a
    subquery so that `total` still sums every line of the entry.
    """
    require(user, "view", JournalEntry)
    qs = JournalEntry.objects.all()
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    if reason:
        qs = qs.filter(reason=reason)
    if account_id is not None:
        qs = qs.filter(pk__in=JournalLine.objects.filter(account_id=account_id).values("entry_id"))
    if customer_id is not None:
        qs = qs.filter(
            pk__in=JournalLine.objects.filter(customer_id=customer_id).values("entry_id")
        )
    if q := q.strip():
        qs = qs.filter(Q(number__icontains=q) | Q(memo__icontains=q) | Q(source_repr__icontains=q))
    return (
        qs.select_related("posted_by", "source_type", "reverses", "reversed_by")
        .annotate(total=_base_total())
        .order_by("-date", "-id")
    )


def entry_get(*, user: User, entry_id: int) -> JournalEntry:
    """One entry with its lines (account and customer loaded), or `ledger.entry_not_found`."""
    require(user, "view", JournalEntry)
    entry = (
        JournalEntry.objects.select_related("posted_by", "source_type", "reverses", "reversed_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=JournalLine.objects.select_related("account", "customer").order_by("id"),
            )
        )
        .annotate(total=_base_total())
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise DomainError(LedgerError.ENTRY_NOT_FOUND)
    return entry


def period_list(*, user: User) -> QuerySet[AccountingPeriod]:
    """The periods that have a row (closed once, or reopened), newest first."""
    require(user, "view", AccountingPeriod)
    return AccountingPeriod.objects.select_related("closed_by").order_by("-year", "-month")


@dataclass(frozen=True)
class PeriodRow:
    """A month as people see it: a period without a row is open."""

    year: int
    month: int
    status: str
    closed_at: datetime | None = None
    closed_by: Any = None

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def status_label(self) -> str:
        return str(PeriodStatus(self.status).label)

    @property
    def closed_by_name(self) -> str | None:
        return str(self.closed_by) if self.closed_by is not None else None


def period_calendar(*, user: User, today: date, months: int = 13) -> list[PeriodRow]:
    """This month and the `months - 1` before it, plus every other month that has a row.

    Newest first.  Months without a row are open (nothing was ever closed in them).
    """
    stored = {(p.year, p.month): p for p in period_list(user=user)}
    keys = set(stored)
    year, month = today.year, today.month
    for _ in range(months):
        keys.add((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    rows = []
    for key in sorted(keys, reverse=True):
        period = stored.get(key)
        if period is None:
            rows.append(PeriodRow(year=key[0], month=key[1], status=PeriodStatus.OPEN))
        else:
            rows.append(
                PeriodRow(
                    year=period.year,
                    month=period.month,
                    status=period.status,
                    closed_at=period.closed_at,
                    closed_by=period.closed_by,
                )
            )
    return rows


def vouchers_export(*, user: User, date_from: date | None, date_to: date | None) -> str:
    """The journal's vouchers from `date_from` to `date_to` as CSV text (decision 059), for
    whoever may export journal entries: the whole company's ledger, like the books."""
    require(user, "export", JournalEntry)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise DomainError(LedgerError.EXPORT_RANGE, details={"field": "date_from"})
    out = io.StringIO()
    vouchers_write(out, date_from=date_from, date_to=date_to)
    return out.getvalue()


def vouchers_filename(date_from: date | None, date_to: date | None) -> str:
    span = "-".join(d.isoformat() for d in (date_from, date_to) if d is not None)
    return f"vouchers{'-' + span if span else ''}.csv"

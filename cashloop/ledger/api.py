"""Ledger endpoints under /api/v1/ledger: the chart, the journal, periods and verify.

Entries are written only by the services of the apps that move money; here they can be
read and reversed.  Amounts are decimal strings (see `schemas.py`).
"""

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status

from cashloop.core.pagination import paginated
from cashloop.core.scoping import require
from cashloop.core.verify import verify_all
from cashloop.ledger import selectors, services, vouchers
from cashloop.ledger.models import JournalEntry
from cashloop.ledger.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    CheckOut,
    EntryDetailOut,
    EntryFilter,
    EntryOut,
    PeriodOut,
    ReverseIn,
)
from cashloop.web.files import attachment

router = Router(tags=["ledger"])

Year = Path(..., ge=1900, le=9999)
Month = Path(..., ge=1, le=12)


class AccountFilter(Schema):
    active_only: bool = False


@router.get("/accounts", response=list[AccountOut])
def account_list(request: HttpRequest, filters: Query[AccountFilter]) -> Any:
    return selectors.account_list(user=request.user, active_only=filters.active_only)


@router.post("/accounts", response={201: AccountOut})
def account_create(request: HttpRequest, payload: AccountIn) -> Any:
    return Status(201, services.account_create(actor=request.user, **payload.dict()))


@router.get("/accounts/{account_id}", response=AccountOut)
def account_detail(request: HttpRequest, account_id: int) -> Any:
    return selectors.account_get(user=request.user, account_id=account_id)


@router.patch("/accounts/{account_id}", response=AccountOut)
def account_update(request: HttpRequest, account_id: int, payload: AccountPatch) -> Any:
    return services.account_update(
        actor=request.user, account_id=account_id, **payload.dict(exclude_unset=True)
    )


@router.get("/entries", response=list[EntryOut])
@paginated(sorts=("date", "number", "posted_at"), default="-date")
def entry_list(request: HttpRequest, filters: Query[EntryFilter]) -> Any:
    data = filters.dict()
    data["reason"] = data["reason"] or ""
    return selectors.entry_list(user=request.user, **data)


@router.get("/entries/{entry_id}", response=EntryDetailOut)
def entry_detail(request: HttpRequest, entry_id: int) -> Any:
    return selectors.entry_get(user=request.user, entry_id=entry_id)


@router.post("/entries/{entry_id}/reverse", response={201: EntryDetailOut})
def entry_reverse(request: HttpRequest, entry_id: int, payload: ReverseIn) -> Any:
    """Post the mirror entry, dated `date` (default today); send `{}` for the defaults."""
    reversal = services.journal_entry_reverse(
        actor=request.user, entry_id=entry_id, entry_date=payload.date, memo=payload.memo
    )
    return Status(201, selectors.entry_get(user=request.user, entry_id=reversal.pk))


@router.get("/periods", response=list[PeriodOut])
def period_list(request: HttpRequest) -> Any:
    """This month and the twelve before it (open unless closed), and any other stored month."""
    return selectors.period_calendar(user=request.user, today=timezone.localdate())


@router.post("/periods/{year}/{month}/close", response=PeriodOut)
def period_close(request: HttpRequest, year: int = Year, month: int = Month) -> Any:
    return services.accounting_period_close(actor=request.user, year=year, month=month)


@router.post("/periods/{year}/{month}/reopen", response=PeriodOut)
def period_reopen(request: HttpRequest, year: int = Year, month: int = Month) -> Any:
    return services.accounting_period_reopen(actor=request.user, year=year, month=month)


@router.get("/verify", response=list[CheckOut])
def verify(request: HttpRequest) -> Any:
    """Run every `verify` check (finance and admins: those who may reverse entries)."""
    require(request.user, "view", JournalEntry)
    require(request.user, "reverse", JournalEntry)
    return [
        {"name": r.name, "checked": r.checked, "ok": r.ok, "problems": r.problems}
        for r in verify_all()
    ]


@router.get("/exports/vouchers")
def vouchers_export(
    request: HttpRequest, date_from: date | None = None, date_to: date | None = None
) -> HttpResponse:
    """The journal as vouchers (凭证) in CSV for 用友/金蝶-style imports (decision 059)."""
    text = selectors.vouchers_export(user=request.user, date_from=date_from, date_to=date_to)
    return attachment(text, vouchers.CONTENT_TYPE, selectors.vouchers_filename(date_from, date_to))

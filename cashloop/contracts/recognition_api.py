"""API of revenue recognition and key dates: /revenue-recognition/... and /key-dates/....

Running recognition takes "recognise" on contracts; the schedule and the key dates take
"view" and show only the contracts the user may see.  Money leaves as decimal strings with
the currency's minor-unit decimals, like every other amount of the API.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from cashloop.contracts import keydates, recognition
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract, RevenueRecognition
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency
from cashloop.core.schemas import InSchema
from cashloop.core.scoping import require
from cashloop.ledger.schemas import money_str

recognition_router = Router(tags=["revenue recognition"])
keydates_router = Router(tags=["key dates"])

# The calendar and the API read at most this many days at once.
KEY_DATES_MAX_DAYS = 400


class RecognitionRunIn(InSchema):
    period: dt.date = Field(..., description="Any day of the month to recognise.")


class RecognitionOut(Schema):
    contract_id: int
    line_id: int
    period: dt.date
    amount: str
    currency: str
    base_amount: str
    journal_entry_id: int


class RecognitionRunOut(Schema):
    period: dt.date
    contracts: int
    lines: list[RecognitionOut]


class ScheduleMonthOut(Schema):
    period: dt.date
    recognised: str
    planned: str


class ScheduleLineOut(Schema):
    id: int
    position: int
    description: str
    recognition: str
    net: str
    invoiced: str
    recognised: str
    deferred: str = Field(
        ..., description="Invoiced net less recognised; below 0: earned before billed."
    )
    planned: str
    months: list[ScheduleMonthOut]


class RecognitionScheduleOut(Schema):
    contract_id: int
    number: str
    currency: str
    net: str
    invoiced: str
    recognised: str
    deferred: str
    planned: str
    lines: list[ScheduleLineOut]
    totals: list[ScheduleMonthOut]


class KeyDateQuery(Schema):
    start: dt.date
    end: dt.date


class KeyDateOut(Schema):
    kind: str
    kind_label: str
    date: dt.date
    title: str
    url: str
    contract_id: int
    contract_number: str
    customer_name: str
    amount: str | None
    currency: str


class FeedOut(Schema):
    url: str = Field(..., description="Secret address of your iCalendar feed; keep it private.")


def _row_out(row: RevenueRecognition) -> dict[str, Any]:
    currency = row.line.contract.currency
    return {
        "contract_id": row.line.contract_id,
        "line_id": row.line_id,
        "period": row.period,
        "amount": money_str(row.amount, currency),
        "currency": currency,
        "base_amount": money_str(row.base_amount, base_currency()),
        "journal_entry_id": row.journal_entry_id,
    }


@recognition_router.post("/run", response=RecognitionRunOut)
def recognition_run(request: HttpRequest, payload: RecognitionRunIn) -> Any:
    """Recognise what contracts earned by the end of the month (idempotent: a month posted
    for a contract is never posted again).  Refused before the month's last day."""
    rows = recognition.revenue_recognition_run(actor=request.user, period=payload.period)
    return {
        "period": recognition.month_start(payload.period),
        "contracts": len({row.line.contract_id for row in rows}),
        "lines": [_row_out(row) for row in rows],
    }


def _months_out(months: list[recognition.ScheduleMonth], currency: str) -> list[dict[str, Any]]:
    return [
        {
            "period": m.period,
            "recognised": money_str(m.recognised, currency),
            "planned": money_str(m.planned, currency),
        }
        for m in months
    ]


@recognition_router.get("/contracts/{contract_id}/schedule", response=RecognitionScheduleOut)
def recognition_schedule(request: HttpRequest, contract_id: int) -> Any:
    """Per line and month: revenue recognised (posted) and planned (projected)."""
    schedule = recognition.revenue_schedule_get(user=request.user, contract_id=contract_id)
    c = schedule.contract
    cur = c.currency
    return {
        "contract_id": c.pk,
        "number": c.number,
        "currency": cur,
        "net": money_str(schedule.net, cur),
        "invoiced": money_str(schedule.invoiced, cur),
        "recognised": money_str(schedule.recognised, cur),
        "deferred": money_str(schedule.deferred, cur),
        "planned": money_str(schedule.planned, cur),
        "lines": [
            {
                "id": s.line.pk,
                "position": s.line.position,
                "description": s.line.description,
                "recognition": s.line.recognition,
                "net": money_str(s.line.net, cur),
                "invoiced": money_str(s.line.invoiced, cur),
                "recognised": money_str(s.recognised, cur),
                "deferred": money_str(s.deferred, cur),
                "planned": money_str(s.planned, cur),
                "months": _months_out(s.months, cur),
            }
            for s in schedule.lines
        ],
        "totals": _months_out(schedule.totals, cur),
    }


def _range_check(start: dt.date, end: dt.date) -> None:
    if end < start or (end - start).days > KEY_DATES_MAX_DAYS:
        raise DomainError(
            ContractError.KEY_DATES_RANGE,
            start=start.isoformat(),
            end=end.isoformat(),
            days=KEY_DATES_MAX_DAYS,
        )


@keydates_router.get("", response=list[KeyDateOut])
def key_date_list(request: HttpRequest, filters: Query[KeyDateQuery]) -> Any:
    """Installments due, milestones planned, contract ends and renewal notice dates of the
    active contracts you may see, from `start` to `end` (at most 400 days)."""
    require(request.user, "view", Contract)
    _range_check(filters.start, filters.end)
    return [
        {
            "kind": k.kind.value,
            "kind_label": str(k.kind.label),
            "date": k.date,
            "title": k.title,
            "url": k.url,
            "contract_id": k.contract_id,
            "contract_number": k.contract_number,
            "customer_name": k.customer_name,
            "amount": money_str(k.amount, k.currency),
            "currency": k.currency,
        }
        for k in keydates.key_dates(user=request.user, start=filters.start, end=filters.end)
    ]


@keydates_router.get("/feed", response=FeedOut)
def key_date_feed_url(request: HttpRequest) -> Any:
    """The secret address of your key dates as an iCalendar feed (for a calendar app)."""
    require(request.user, "view", Contract)
    token = keydates.key_date_feed_token(user=request.user)
    path = reverse("revenue:key_dates_feed", args=[token])
    return {"url": f"{settings.CASHLOOP_BASE_URL}{path}"}

"""API shapes of credit control."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from cashloop.core.schemas import InSchema


class HoldIn(InSchema):
    reason: str
    source: str = "manual"


class HoldReleaseIn(InSchema):
    reason: str


class LimitIn(InSchema):
    limit: Decimal
    currency: str | None = None
    reason: str = ""


class HoldOut(Schema):
    id: int
    customer_id: int
    reason: str
    source: str
    placed_at: datetime
    placed_by_id: int | None
    released_at: datetime | None
    released_by_id: int | None
    release_reason: str
    approval_request_id: int | None
    waive_until: date | None


class LimitChangeOut(Schema):
    id: int
    customer_id: int
    old_limit: Decimal | None
    new_limit: Decimal
    currency: str
    status: str
    approval_request_id: int | None


class ExplanationOut(Schema):
    code: str
    points: int
    text: str


class CreditOut(Schema):
    customer_id: int
    limit: Decimal | None
    currency: str
    exposure: Decimal
    receivables: Decimal
    contracted: Decimal
    quotes: Decimal
    available: Decimal | None
    on_hold: bool
    score: int | None
    score_summary: str
    explanation: list[ExplanationOut]
    holds: list[HoldOut]


class SignalIn(InSchema):
    customer_id: int
    kind: str
    source: str
    date: date
    severity: str
    description: str = ""


class SignalOut(Schema):
    id: int
    customer_id: int
    kind: str
    source: str
    date: date
    severity: str
    description: str
    created_at: datetime


class CreditBandIn(InSchema):
    name: str
    score_from: int
    score_to: int
    require_prepayment: bool = False
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    limit_percent: Decimal | None = None
    limit_amount: Decimal | None = None


class CreditBandOut(Schema):
    id: int
    name: str
    score_from: int
    score_to: int
    require_prepayment: bool
    payment_terms_days: int | None
    limit_percent: Decimal | None
    limit_amount: Decimal | None


class GroupCreditLimitIn(InSchema):
    limit: Decimal | None = None
    currency: str | None = None


class GroupCreditLimitOut(Schema):
    group_id: int
    group: str
    limit: Decimal
    currency: str


class CreditSettingsIO(InSchema):
    include_open_quotes: bool = False
    overdue_days: int | None = Field(None, ge=0, le=3650)
    overdue_amount: Decimal = Decimal(0)
    release_grace_days: int = Field(30, ge=0, le=3650)

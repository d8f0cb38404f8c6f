"""API schemas of the ledger: strict input, explicit output, money as decimal strings.

Amounts leave as strings with exactly the currency's minor-unit decimals ("1130.00",
"-20.00", JPY "1500"), never as JSON numbers, so no client reads them through a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from operator import attrgetter
from typing import Any, Literal

from ninja import Field, Schema

from cashloop.core.money import base_currency, quantize
from cashloop.core.schemas import InSchema
from cashloop.ledger.choices import AccountRole, AccountType, PostingReason


def money_str(amount: Decimal | None, currency: str) -> str | None:
    """`Decimal("1130.0000")`, "CNY" -> "1130.00"; None stays None."""
    return None if amount is None else str(quantize(amount, currency))


def money_resolver(field: str, currency: str | None = "currency") -> staticmethod:
    """A ninja `resolve_<field>` that renders `obj.<field>` with `money_str`.

    `currency` is the dotted path from the object to its currency code
    (`"invoice.currency"`), or None for the base currency.
    """

    def resolve(obj: Any) -> str | None:
        code = base_currency() if currency is None else attrgetter(currency)(obj)
        return money_str(getattr(obj, field), code)

    return staticmethod(resolve)


class AccountIn(InSchema):
    code: str = Field(..., min_length=1, max_length=20)
    name_zh: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field(..., min_length=1, max_length=100)
    type: AccountType
    role: AccountRole | Literal[""] = ""
    parent_id: int | None = None
    currency: str = Field("", max_length=3, description="Empty: the account takes any currency.")
    is_active: bool = True


class AccountPatch(InSchema):
    """The code and the type of an account stay as created; null clears role and currency."""

    name_zh: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, min_length=1, max_length=100)
    role: AccountRole | Literal[""] | None = None
    parent_id: int | None = None
    currency: str | None = Field(None, max_length=3)
    is_active: bool | None = None


class AccountOut(Schema):
    id: int
    code: str
    name: str = Field(..., description="The name in the request's language.")
    name_zh: str
    name_en: str
    type: str
    role: str
    parent_id: int | None
    currency: str
    is_active: bool


class EntryFilter(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    reason: PostingReason | None = None
    account_id: int | None = None
    customer_id: int | None = None
    q: str = ""


class EntryOut(Schema):
    id: int
    number: str
    date: dt.date
    reason: str
    reason_label: str
    memo: str
    source_type: str | None = Field(..., description="`app_label.model` of the source document.")
    source_id: str
    source_repr: str
    reverses_id: int | None
    reversed_by_id: int | None
    total: str = Field(..., description="The entry's debits (= its credits) in base currency.")
    base_currency: str
    posted_at: dt.datetime
    posted_by: str | None

    @staticmethod
    def resolve_reason_label(obj: Any) -> str:
        return str(obj.get_reason_display())

    @staticmethod
    def resolve_source_type(obj: Any) -> str | None:
        if obj.source_type_id is None:
            return None
        return f"{obj.source_type.app_label}.{obj.source_type.model}"

    @staticmethod
    def resolve_reversed_by_id(obj: Any) -> int | None:
        reversal = getattr(obj, "reversed_by", None)
        return reversal.pk if reversal is not None else None

    resolve_total = money_resolver("total", None)

    @staticmethod
    def resolve_base_currency(obj: Any) -> str:
        return base_currency()

    @staticmethod
    def resolve_posted_by(obj: Any) -> str | None:
        return str(obj.posted_by) if obj.posted_by_id else None


class JournalLineOut(Schema):
    id: int
    account_id: int
    account_code: str
    account_name: str
    currency: str
    debit: str | None = Field(..., description="Positive amount in the line's currency, or null.")
    credit: str | None = Field(..., description="Positive amount in the line's currency, or null.")
    base_amount: str = Field(..., description="Signed: debit positive, credit negative.")
    customer_id: int | None
    memo: str

    @staticmethod
    def resolve_account_code(obj: Any) -> str:
        return str(obj.account.code)

    @staticmethod
    def resolve_account_name(obj: Any) -> str:
        return str(obj.account.name)

    resolve_debit = money_resolver("debit")
    resolve_credit = money_resolver("credit")
    resolve_base_amount = money_resolver("base_amount", None)


class EntryDetailOut(EntryOut):
    lines: list[JournalLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class ReverseIn(InSchema):
    date: dt.date | None = Field(None, description="The reversal's date (default today).")
    memo: str = Field("", max_length=500)


class PeriodOut(Schema):
    year: int
    month: int
    status: str
    closed_at: dt.datetime | None
    closed_by: str | None

    @staticmethod
    def resolve_closed_by(obj: Any) -> str | None:
        return str(obj.closed_by) if obj.closed_by is not None else None


class CheckOut(Schema):
    name: str
    checked: int
    ok: bool
    problems: list[str]

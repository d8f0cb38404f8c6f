"""API schemas of bank accounts, import profiles, statement imports and statement lines.

Amounts leave as decimal strings with the currency's minor-unit decimals (`money_str`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from cashloop.banking import services
from cashloop.banking.choices import ImportStatus, LineStatus
from cashloop.core.schemas import InSchema
from cashloop.ledger.schemas import money_resolver

Amount = Annotated[Decimal, Field(gt=Decimal("-1e15"), lt=Decimal("1e15"))]
Currency = Annotated[str, Field(min_length=3, max_length=3)]


class BankAccountIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    bank: str = Field(..., min_length=1, max_length=100)
    account_number: str = Field(..., min_length=1, max_length=60)
    currency: Currency
    ledger_account_id: int
    iban: str = Field("", max_length=34)
    bic: str = Field("", max_length=11)
    profile_id: int | None = None
    open_from: dt.date | None = None
    active: bool = True


class BankAccountPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    bank: str | None = Field(None, min_length=1, max_length=100)
    account_number: str | None = Field(None, min_length=1, max_length=60)
    currency: Currency | None = None
    ledger_account_id: int | None = None
    iban: str | None = Field(None, max_length=34)
    bic: str | None = Field(None, max_length=11)
    profile_id: int | None = None
    open_from: dt.date | None = None
    active: bool | None = None


class BankAccountOut(Schema):
    id: int
    name: str
    bank: str
    account_number: str
    iban: str
    bic: str
    currency: str
    ledger_account_id: int
    profile_id: int | None
    open_from: dt.date | None
    active: bool


class ProfileIn(InSchema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    file_kind: str = "csv"
    encoding: str = Field("", max_length=20)
    delimiter: str = Field("", max_length=1)
    header_contains: str = Field("", max_length=100)
    footer_contains: str = Field("", max_length=100)
    direction_in: str = Field("", max_length=100)
    direction_out: str = Field("", max_length=100)
    columns: dict[str, str | list[str]]
    date_format: str = Field("", max_length=30)
    decimal_comma: bool = False


class ProfilePatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    file_kind: str | None = None
    encoding: str | None = Field(None, max_length=20)
    delimiter: str | None = Field(None, max_length=1)
    header_contains: str | None = Field(None, max_length=100)
    footer_contains: str | None = Field(None, max_length=100)
    direction_in: str | None = Field(None, max_length=100)
    direction_out: str | None = Field(None, max_length=100)
    columns: dict[str, str | list[str]] | None = None
    date_format: str | None = Field(None, max_length=30)
    decimal_comma: bool | None = None


class ProfileCopyIn(InSchema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)


class ProfileOut(Schema):
    id: int
    code: str
    name: str
    builtin: bool
    file_kind: str
    encoding: str
    delimiter: str
    header_contains: str
    footer_contains: str
    direction_in: str
    direction_out: str
    columns: dict[str, Any]
    date_format: str
    decimal_comma: bool


class LineErrorOut(Schema):
    line: int
    code: str
    message: str


class StatementImportOut(Schema):
    id: int
    bank_account_id: int
    format: str
    profile_id: int | None
    file_name: str
    file_sha256: str
    encoding: str
    status: ImportStatus
    found: int
    imported: int
    duplicates: int
    errors: list[LineErrorOut]
    opening_balance: str | None
    closing_balance: str | None
    balance_difference: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    created_at: dt.datetime
    committed_at: dt.datetime | None

    resolve_opening_balance = money_resolver("opening_balance", "bank_account.currency")
    resolve_closing_balance = money_resolver("closing_balance", "bank_account.currency")
    resolve_balance_difference = money_resolver("balance_difference", "bank_account.currency")


class CommitIn(InSchema):
    valid_only: bool = Field(False, description="Import the valid lines, skip the bad ones.")


class StatementLineIn(InSchema):
    booking_date: dt.date
    amount: Amount = Field(..., description="Positive: money in; negative: money out.")
    currency: str = Field("", max_length=3, description="Default: the account's currency.")
    value_date: dt.date | None = None
    payer_name: str = Field("", max_length=200)
    payer_account: str = Field("", max_length=60)
    reference: str = Field("", max_length=2000)
    bank_ref: str = Field("", max_length=100, description="The bank's own id of the line.")
    raw: dict[str, str] = {}

    def to_service(self) -> services.LineIn:
        return services.LineIn(**self.dict())


class StatementLinesIn(InSchema):
    bank_account_id: int
    lines: list[StatementLineIn] = Field(..., min_length=1, max_length=5000)


class StatementLineOut(Schema):
    id: int
    bank_account_id: int
    statement_import_id: int | None
    sequence: int
    booking_date: dt.date
    value_date: dt.date | None
    amount: str
    currency: str
    payer_name: str
    payer_account: str
    reference: str
    bank_ref: str
    fingerprint: str
    status: LineStatus

    resolve_amount = money_resolver("amount")


class PostedLineOut(Schema):
    index: int
    created: bool
    line: StatementLineOut


class StatementLinesOut(Schema):
    import_id: int | None
    created: int
    duplicates: int
    lines: list[PostedLineOut]


class StatementLineFilter(Schema):
    bank_account_id: int | None = None
    import_id: int | None = None
    status: LineStatus | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    q: str = ""

"""API schemas of receivables: strict input, explicit output, money as decimal strings.

Amounts leave as strings with exactly the currency's minor-unit decimals ("1130.00",
JPY "1500"), never as JSON numbers (the ledger's `money_str`).  Amounts enter as strings
or JSON numbers and are read as `Decimal` from their text; whether an amount has more
decimals than its currency allows is the services' to say (`money.too_many_decimals`).
Quantities, rates and percentages are bounded to what their columns store.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema
from cashloop.customfields.schemas import custom_out
from cashloop.ledger.schemas import money_resolver, money_str
from cashloop.receivables import services
from cashloop.receivables.choices import DueRule, InvoiceStatus, PaymentMethod, WriteOffKind

# Up to 15 whole digits (the columns keep 19 digits, 4 of them decimals).
Amount = Annotated[Decimal, Field(gt=Decimal("-1e15"), lt=Decimal("1e15"))]
Quantity = Annotated[Decimal, Field(max_digits=14, decimal_places=4)]
Percent = Annotated[Decimal, Field(max_digits=5, decimal_places=2)]
TaxRate = Annotated[
    Decimal,
    Field(max_digits=5, decimal_places=4, description="A fraction: 0.13, 0.09, 0.06, 0 …"),
]
Rate = Annotated[
    Decimal,
    Field(
        max_digits=18,
        decimal_places=8,
        description="Units of base currency for one unit of the document's currency.",
    ),
]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
Days = Annotated[int, Field(ge=0, le=3650)]


def dec_str(value: Decimal | None) -> str | None:
    """A quantity, rate or percentage without trailing zeros: 7.20000000 -> "7.2"."""
    return None if value is None else format(value.normalize(), "f")


# --- input --------------------------------------------------------------------------------


class LineIn(InSchema):
    description: str = Field(..., min_length=1, max_length=300)
    quantity: Quantity = Decimal(1)
    unit_price: Amount = Field(..., description="Net of VAT, in the invoice's currency.")
    tax_rate: TaxRate
    discount_percent: Percent = Decimal(0)

    def to_service(self) -> services.LineIn:
        return services.LineIn(**self.dict())


class InstallmentIn(InSchema):
    share: Annotated[Decimal, Field(max_digits=9, decimal_places=4)] = Field(
        Decimal(1), description="Weight of this installment in the total."
    )
    due_rule: DueRule = DueRule.DAYS_AFTER
    due_days: Days = 30
    fixed_date: dt.date | None = None
    discount_percent: Percent = Field(Decimal(0), description="Early-payment discount.")
    discount_days: Days = Field(0, description="The discount holds this many days.")

    def to_service(self) -> services.InstallmentIn:
        return services.InstallmentIn(**self.dict())


class InvoiceIn(InSchema):
    customer_id: int
    issue_date: dt.date
    currency: Currency | None = Field(None, description="Default: the customer's currency.")
    rate: Rate | None = None
    memo: str = Field("", max_length=500)
    lines: list[LineIn] = Field(..., max_length=200)
    installments: list[InstallmentIn] | None = Field(
        None, max_length=60, description="Default: one, due after the customer's terms."
    )
    custom: dict[str, Any] = Field(default_factory=dict)

    def to_service(self) -> services.InvoiceIn:
        return services.InvoiceIn(
            customer_id=self.customer_id,
            issue_date=self.issue_date,
            lines=[line.to_service() for line in self.lines],
            installments=(
                [item.to_service() for item in self.installments] if self.installments else None
            ),
            currency=self.currency,
            rate=self.rate,
            memo=self.memo,
            custom=self.custom,
        )


class InvoiceBatchIn(InSchema):
    """Drafts created together, all or none (a refusal names the `position` refused)."""

    invoices: list[InvoiceIn] = Field(..., min_length=1, max_length=500)


class InvoiceIssueBatchIn(InSchema):
    """Drafts issued together, numbered in order of invoice date; all or none."""

    invoice_ids: list[int] = Field(..., min_length=1, max_length=1000)


class InvoicePatch(InSchema):
    """A draft's changes; lines and installments, when given, replace the old ones whole."""

    issue_date: dt.date | None = None
    rate: Rate | None = None
    memo: str | None = Field(None, max_length=500)
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=200)
    installments: list[InstallmentIn] | None = Field(None, min_length=1, max_length=60)
    custom: dict[str, Any] | None = None


class InvoiceFilter(Schema):
    status: InvoiceStatus | None = None
    customer_id: int | None = None
    q: str = ""
    overdue_only: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    currency: str = ""


class CreditLineIn(LineIn):
    contract_line_id: int | None = Field(
        None,
        description="On a contract invoice, required: the contract line of the invoice credited "
        "(its tax rate; no more than the invoice billed of it less earlier credit notes).",
    )


class CreditNoteIn(InSchema):
    """Against an invoice (`invoice_id`: its customer, currency and rate) or standalone."""

    invoice_id: int | None = None
    customer_id: int | None = None
    currency: Currency | None = None
    rate: Rate | None = None
    date: dt.date
    reason: str = Field(..., max_length=500)
    lines: list[CreditLineIn] = Field(..., max_length=200)


class CreditNoteFilter(Schema):
    customer_id: int | None = None
    invoice_id: int | None = None
    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unapplied_only: bool = False


class PaymentIn(InSchema):
    customer_id: int
    amount: Amount
    currency: Currency | None = Field(None, description="Default: the customer's currency.")
    rate: Rate | None = None
    date: dt.date
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    bank_reference: str = Field("", max_length=100)
    payer_name: str = Field("", max_length=200)
    payer_account: str = Field("", max_length=60)
    memo: str = Field("", max_length=500)


class PaymentFilter(Schema):
    customer_id: int | None = None
    q: str = ""
    currency: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unapplied_only: bool = False


class RefundIn(InSchema):
    amount: Amount
    date: dt.date
    memo: str = Field("", max_length=500)


class AutoAllocateIn(InSchema):
    date: dt.date | None = Field(None, description="Default: today (never before the payment).")


class AllocationIn(InSchema):
    """Apply part of a payment or of a credit note (name exactly one) to an installment."""

    installment_id: int
    amount: Amount
    payment_id: int | None = None
    credit_note_id: int | None = None
    date: dt.date | None = Field(None, description="Default: today.")


class WriteOffIn(InSchema):
    installment_id: int
    kind: WriteOffKind
    reason: str = Field("", max_length=500)
    amount: Amount | None = Field(None, description="Default: the whole residual.")
    date: dt.date | None = Field(None, description="Default: today.")


# --- output -------------------------------------------------------------------------------


class CustomerRef(Schema):
    id: int
    code: str
    name: str


class EntryRef(Schema):
    """A journal entry behind a document (open it under /api/v1/ledger/entries/{id})."""

    id: int
    number: str
    date: dt.date
    reason: str
    reason_label: str
    memo: str
    reverses_id: int | None

    @staticmethod
    def resolve_reason_label(obj: Any) -> str:
        return str(obj.get_reason_display())


class LineOut(Schema):
    position: int
    description: str
    quantity: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    net: str
    tax: str
    total: str
    contract_line_id: int | None = Field(None, description="The contract line billed.")
    revenue_account_id: int | None = Field(
        None, description="Credited on issue; null: the revenue account."
    )

    @staticmethod
    def resolve_quantity(obj: Any) -> str | None:
        return dec_str(obj.quantity)

    @staticmethod
    def resolve_discount_percent(obj: Any) -> str | None:
        return dec_str(obj.discount_percent)

    @staticmethod
    def resolve_tax_rate(obj: Any) -> str | None:
        return dec_str(obj.tax_rate)

    resolve_unit_price = money_resolver("unit_price", "invoice.currency")
    resolve_net = money_resolver("net", "invoice.currency")
    resolve_tax = money_resolver("tax", "invoice.currency")
    resolve_total = money_resolver("total", "invoice.currency")


class InstallmentOut(Schema):
    id: int
    sequence: int
    due_rule: str
    due_days: int
    due_date: dt.date
    share: str
    amount: str
    residual: str
    base_amount: str = Field(..., description="In base currency.")
    base_residual: str = Field(..., description="In base currency.")
    discount_percent: str = Field(..., description="Early-payment discount as agreed.")
    discount_days: int
    discount_amount: str = Field(..., description="Early-payment discount, if paid in time.")
    discount_until: dt.date | None
    overdue: bool = Field(..., description="Open and past its due date today.")

    @staticmethod
    def resolve_share(obj: Any) -> str | None:
        return dec_str(obj.share)

    @staticmethod
    def resolve_discount_percent(obj: Any) -> str | None:
        return dec_str(obj.discount_percent)

    resolve_amount = money_resolver("amount", "invoice.currency")
    resolve_residual = money_resolver("residual", "invoice.currency")
    resolve_base_amount = money_resolver("base_amount", None)
    resolve_base_residual = money_resolver("base_residual", None)
    resolve_discount_amount = money_resolver("discount_amount", "invoice.currency")

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(getattr(obj, "is_overdue", False))


class AllocationOut(Schema):
    """A signed open-item row: + applied, written off or discounted; - an undo."""

    id: int
    kind: str
    kind_label: str
    write_off_kind: str
    reason: str
    installment_id: int
    invoice_id: int
    invoice_number: str
    sequence: int
    payment_id: int | None
    payment_number: str | None
    credit_note_id: int | None
    credit_note_number: str | None
    currency: str
    amount: str
    base_amount: str = Field(..., description="At the invoice's rate, in base currency.")
    date: dt.date
    undoes_id: int | None
    undone_by_id: int | None
    journal_entry_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_invoice_id(obj: Any) -> int:
        return int(obj.installment.invoice_id)

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str:
        return str(obj.installment.invoice.number)

    @staticmethod
    def resolve_sequence(obj: Any) -> int:
        return int(obj.installment.sequence)

    @staticmethod
    def resolve_payment_number(obj: Any) -> str | None:
        return obj.payment.number if obj.payment_id else None

    @staticmethod
    def resolve_credit_note_number(obj: Any) -> str | None:
        return obj.credit_note.number if obj.credit_note_id else None

    @staticmethod
    def resolve_currency(obj: Any) -> str:
        return str(obj.installment.invoice.currency)

    resolve_amount = money_resolver("amount", "installment.invoice.currency")
    resolve_base_amount = money_resolver("base_amount", None)

    @staticmethod
    def resolve_undone_by_id(obj: Any) -> int | None:
        undo = getattr(obj, "undone_by", None)
        return undo.pk if undo is not None else None


class InvoiceOut(Schema):
    id: int
    number: str = Field(..., description="Empty for a draft.")
    status: str
    status_label: str
    origin: str = Field(
        ..., description="contract: billed from a payment plan; non_contract: a sale outside."
    )
    customer: CustomerRef
    currency: str
    rate: str
    issue_date: dt.date
    subtotal: str
    tax_total: str
    total: str
    base_total: str = Field(..., description="In base currency.")
    residual: str
    next_due: dt.date | None = Field(..., description="Earliest due date still open.")
    overdue: bool = Field(..., description="Issued, and an installment is past due today.")
    memo: str
    journal_entry_id: int | None
    created_at: dt.datetime
    issued_at: dt.datetime | None
    custom: dict[str, Any] = {}

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return custom_out(obj, context)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_rate(obj: Any) -> str | None:
        return dec_str(obj.rate)

    resolve_subtotal = money_resolver("subtotal")
    resolve_tax_total = money_resolver("tax_total")
    resolve_total = money_resolver("total")
    resolve_base_total = money_resolver("base_total", None)
    resolve_residual = money_resolver("residual")

    @staticmethod
    def resolve_next_due(obj: Any) -> dt.date | None:
        if hasattr(obj, "next_due"):
            return obj.next_due  # type: ignore[no-any-return]
        rows = getattr(obj, "installment_rows", None) or []
        return min((i.due_date for i in rows if i.residual > 0), default=None)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(getattr(obj, "is_overdue", False))


class CreditNoteOut(Schema):
    id: int
    number: str
    customer: CustomerRef
    invoice_id: int | None
    invoice_number: str | None
    date: dt.date
    currency: str
    rate: str
    subtotal: str
    tax_total: str
    amount: str
    base_amount: str
    unapplied: str = Field(..., description="Credit still to apply to open items.")
    reason: str
    journal_entry_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str | None:
        return obj.invoice.number if obj.invoice_id else None

    @staticmethod
    def resolve_rate(obj: Any) -> str | None:
        return dec_str(obj.rate)

    resolve_subtotal = money_resolver("subtotal")
    resolve_tax_total = money_resolver("tax_total")
    resolve_amount = money_resolver("amount")
    resolve_base_amount = money_resolver("base_amount", None)
    resolve_unapplied = money_resolver("unapplied")


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]
    installments: list[InstallmentOut]
    allocations: list[AllocationOut]
    credit_notes: list[CreditNoteOut]
    entries: list[EntryRef] = Field(
        ..., description="Issue, credit note and open-item entries (for ledger readers)."
    )

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        lines = list(obj.lines.all())
        for line in lines:
            line.invoice = obj
        return lines

    @staticmethod
    def resolve_installments(obj: Any) -> list[Any]:
        return list(obj.installment_rows)

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocation_rows)

    @staticmethod
    def resolve_credit_notes(obj: Any) -> list[Any]:
        return list(obj.credit_note_rows)

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return list(obj.entries)


class SuggestionOut(Schema):
    installment_id: int
    invoice_id: int
    invoice_number: str
    sequence: int
    due_date: dt.date
    overdue: bool
    currency: str
    residual: str = Field(..., description="What remains open on the installment.")
    discount: str = Field(..., description="Early-payment discount still to earn today.")
    payable: str = Field(..., description="What settles it today (residual - discount).")
    suggested: str = Field(..., description="Oldest due first, within what is unapplied.")

    @staticmethod
    def resolve_installment_id(obj: Any) -> int:
        return int(obj.installment.pk)

    @staticmethod
    def resolve_invoice_id(obj: Any) -> int:
        return int(obj.invoice.pk)

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str:
        return str(obj.invoice.number)

    @staticmethod
    def resolve_sequence(obj: Any) -> int:
        return int(obj.installment.sequence)

    @staticmethod
    def resolve_due_date(obj: Any) -> dt.date:
        return obj.installment.due_date  # type: ignore[no-any-return]

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.is_overdue)

    @staticmethod
    def resolve_currency(obj: Any) -> str:
        return str(obj.invoice.currency)

    resolve_residual = money_resolver("residual", "invoice.currency")
    resolve_discount = money_resolver("discount", "invoice.currency")
    resolve_payable = money_resolver("payable", "invoice.currency")
    resolve_suggested = money_resolver("suggested", "invoice.currency")


class CreditNoteDetailOut(CreditNoteOut):
    allocations: list[AllocationOut]
    suggestions: list[SuggestionOut]
    entries: list[EntryRef]

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocation_rows)

    @staticmethod
    def resolve_suggestions(obj: Any) -> list[Any]:
        return list(obj.suggestion_rows)

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return list(obj.entries)


class PaymentOut(Schema):
    id: int
    number: str
    customer: CustomerRef
    date: dt.date
    currency: str
    rate: str
    amount: str
    base_amount: str
    unapplied: str = Field(..., description="The advance (预收) still to apply or refund.")
    method: str
    method_label: str
    bank_reference: str
    payer_name: str
    payer_account: str
    memo: str
    journal_entry_id: int | None
    created_at: dt.datetime
    state: str = Field(
        ...,
        description='"received", or "voided": recorded in error and taken back (its entry '
        "reversed by `void_entry_id`); a voided payment takes no allocation or refund.",
    )
    voided_on: dt.date | None
    void_entry_id: int | None
    void_memo: str

    @staticmethod
    def resolve_rate(obj: Any) -> str | None:
        return dec_str(obj.rate)

    @staticmethod
    def resolve_state(obj: Any) -> str:
        return "voided" if obj.voided_on is not None else "received"

    resolve_amount = money_resolver("amount")
    resolve_base_amount = money_resolver("base_amount", None)
    resolve_unapplied = money_resolver("unapplied")

    @staticmethod
    def resolve_method_label(obj: Any) -> str:
        return str(obj.get_method_display())


class RefundOut(Schema):
    id: int
    payment_id: int
    date: dt.date
    currency: str
    amount: str
    base_amount: str
    memo: str
    journal_entry_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_currency(obj: Any) -> str:
        return str(obj.payment.currency)

    resolve_amount = money_resolver("amount", "payment.currency")
    resolve_base_amount = money_resolver("base_amount", None)


class PaymentDetailOut(PaymentOut):
    allocations: list[AllocationOut]
    refunds: list[RefundOut]
    suggestions: list[SuggestionOut] = Field(
        ..., description="The customer's open items in this currency, oldest due first."
    )
    entries: list[EntryRef]

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocation_rows)

    @staticmethod
    def resolve_refunds(obj: Any) -> list[Any]:
        for refund in obj.refund_rows:
            refund.payment = obj
        return list(obj.refund_rows)

    @staticmethod
    def resolve_suggestions(obj: Any) -> list[Any]:
        return list(obj.suggestion_rows)

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return list(obj.entries)


class BalanceOut(Schema):
    currency: str
    receivable: str = Field(..., description="What open items add up to.")
    advance: str = Field(..., description="Payments and credit not yet applied (预收款).")
    net: str = Field(..., description="receivable - advance")

    resolve_receivable = money_resolver("receivable")
    resolve_advance = money_resolver("advance")
    resolve_net = money_resolver("net")


class AdvanceOut(Schema):
    type: str = Field(..., description='"payment" or "credit_note".')
    id: int
    number: str
    date: dt.date
    currency: str
    amount: str
    unapplied: str

    @staticmethod
    def resolve_type(obj: Any) -> str:
        return "payment" if obj._meta.model_name == "payment" else "credit_note"

    resolve_amount = money_resolver("amount")
    resolve_unapplied = money_resolver("unapplied")


class OpenItemOut(Schema):
    installment_id: int
    invoice_id: int
    invoice_number: str
    sequence: int
    currency: str
    due_date: dt.date
    overdue: bool
    amount: str
    residual: str

    @staticmethod
    def resolve_installment_id(obj: Any) -> int:
        return int(obj.pk)

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str:
        return str(obj.invoice.number)

    @staticmethod
    def resolve_currency(obj: Any) -> str:
        return str(obj.invoice.currency)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.is_overdue)

    resolve_amount = money_resolver("amount", "invoice.currency")
    resolve_residual = money_resolver("residual", "invoice.currency")


class CustomerMoneyOut(Schema):
    customer_id: int
    balances: list[BalanceOut]
    advances: list[AdvanceOut]
    open_items: list[OpenItemOut] = Field(..., description="The oldest due, up to 20.")
    open_count: int = Field(..., description="All open items of the customer.")


class AccountStatementLineOut(Schema):
    date: dt.date
    kind: str
    number: str
    description: str
    debit: str
    credit: str
    balance: str


class StatementOut(Schema):
    customer_id: int
    currency: str
    start: dt.date
    end: dt.date
    opening: str
    closing: str
    lines: list[AccountStatementLineOut]

    @staticmethod
    def resolve_customer_id(obj: Any) -> int:
        return obj.customer.pk

    resolve_opening = money_resolver("opening")
    resolve_closing = money_resolver("closing")

    @staticmethod
    def resolve_lines(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "date": line.date,
                "kind": line.kind,
                "number": line.number,
                "description": line.description,
                "debit": money_str(line.debit, obj.currency),
                "credit": money_str(line.credit, obj.currency),
                "balance": money_str(line.balance, obj.currency),
            }
            for line in obj.lines
        ]


class HeldPostingOut(Schema):
    """A write-off or credit note waiting for approval (answered with 202): nothing posted."""

    id: int
    kind: str
    status: str
    customer_id: int
    invoice_id: int | None
    installment_id: int | None
    currency: str
    amount: str
    base_amount: str
    reason: str
    approval_request_id: int | None
    allocation_id: int | None
    credit_note_id: int | None
    created_at: dt.datetime

    resolve_amount = money_resolver("amount")
    resolve_base_amount = money_resolver("base_amount", None)


class InvoicingProfileIn(InSchema):
    legal_name: str = Field(..., min_length=1, max_length=200)
    tax_id: str = Field("", max_length=30)
    address: str = Field("", max_length=500)
    city: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("CN", min_length=2, max_length=2)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    bank_name: str = Field("", max_length=200)
    bank_account: str = Field("", max_length=60)


class InvoicingProfileOut(Schema):
    legal_name: str
    tax_id: str
    address: str
    city: str
    postal_code: str
    country: str
    email: str
    phone: str
    bank_name: str
    bank_account: str

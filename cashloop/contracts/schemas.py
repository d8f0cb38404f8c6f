"""API schemas of contracts: strict input, explicit output, money as decimal strings.

Amounts leave as strings with the currency's minor-unit decimals; quantities, rates and
percents without trailing zeros (as receivables render them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from cashloop.contracts import services
from cashloop.contracts.choices import ContractStatus, MilestoneKind, PlanDueRule
from cashloop.core.schemas import InSchema
from cashloop.cpq.choices import Recognition
from cashloop.customfields.schemas import custom_out
from cashloop.ledger.schemas import money_resolver
from cashloop.receivables.schemas import (
    Amount,
    Currency,
    Days,
    Percent,
    Quantity,
    Rate,
    TaxRate,
    dec_str,
)

# A share of the total (the plan's column keeps 4 decimals), or how much is delivered.
PlanPercent = Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4)]
Delivered = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]

# --- input --------------------------------------------------------------------------------


class ContractLineIn(InSchema):
    product_id: int | None = None
    description: str = Field(..., min_length=1, max_length=300)
    unit: str = Field("", max_length=20)
    quantity: Quantity = Decimal(1)
    unit_price: Amount = Field(..., description="Net of VAT, in the contract's currency.")
    tax_rate: TaxRate
    discount_percent: Percent = Decimal(0)
    recognition: Recognition = Recognition.AT_INVOICING
    service_start: dt.date | None = None
    service_end: dt.date | None = None
    milestone_position: int | None = Field(
        None, ge=1, description="The milestone (1-based) whose acceptance earns the line."
    )

    def to_service(self) -> services.ContractLineIn:
        return services.ContractLineIn(**self.dict())


class PlanItemIn(InSchema):
    """An installment: `percent` of the total or a fixed `amount` (exactly one)."""

    label: str = Field(..., min_length=1, max_length=100)
    percent: PlanPercent | None = None
    amount: Amount | None = None
    due_rule: PlanDueRule = PlanDueRule.ON_SIGNING
    due_days: Days = 0
    fixed_date: dt.date | None = None
    milestone_position: int | None = Field(
        None, ge=1, description="For on_milestone: the milestone (1-based) it waits for."
    )
    discount_percent: Percent = Field(Decimal(0), description="Early-payment discount.")
    discount_days: Days = 0

    def to_service(self) -> services.PlanItemIn:
        return services.PlanItemIn(**self.dict())


class MilestoneIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: MilestoneKind = MilestoneKind.ACCEPTANCE
    planned_date: dt.date | None = None

    def to_service(self) -> services.MilestoneIn:
        return services.MilestoneIn(**self.dict())


class ContractIn(InSchema):
    customer_id: int
    title: str = Field(..., min_length=1, max_length=200)
    start_date: dt.date
    end_date: dt.date | None = None
    signing_date: dt.date | None = None
    currency: Currency | None = Field(None, description="Default: the customer's currency.")
    rate: Rate | None = None
    template_id: int | None = None
    owner_id: int | None = None
    lines: list[ContractLineIn] = Field(..., min_length=1, max_length=500)
    plan: list[PlanItemIn] = Field(default_factory=list, max_length=120)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=60)
    custom: dict[str, Any] = Field(default_factory=dict)

    def to_service(self) -> dict[str, Any]:
        data = self.dict(exclude={"lines", "plan", "milestones"})
        return {
            **data,
            "lines": [line.to_service() for line in self.lines],
            "plan": [item.to_service() for item in self.plan],
            "milestones": [m.to_service() for m in self.milestones],
        }


class ContractPatch(InSchema):
    """A draft's changes; lines, plan and milestones, when given, replace the old ones whole."""

    title: str | None = Field(None, min_length=1, max_length=200)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    signing_date: dt.date | None = None
    currency: Currency | None = None
    rate: Rate | None = None
    template_id: int | None = None
    owner_id: int | None = None
    renewal_notice_days: Days | None = None
    lines: list[ContractLineIn] | None = Field(None, min_length=1, max_length=500)
    plan: list[PlanItemIn] | None = Field(None, max_length=120)
    milestones: list[MilestoneIn] | None = Field(None, max_length=60)
    custom: dict[str, Any] | None = None

    def to_changes(self) -> dict[str, Any]:
        changes = self.dict(exclude_unset=True)
        for key in ("lines", "plan", "milestones"):
            if key in changes:
                changes[key] = [row.to_service() for row in getattr(self, key) or []]
        return changes


class FromQuoteIn(InSchema):
    quote_id: int


class MilestoneAcceptIn(InSchema):
    actual_date: dt.date


class MilestonePatch(InSchema):
    planned_date: dt.date | None = None
    percent_delivered: Delivered | None = None
    note: str | None = Field(None, max_length=500)


class TerminateIn(InSchema):
    reason: str = Field(..., max_length=500)


class AmendmentIn(InSchema):
    """What changes: the lines, the plan (whole, invoiced installments included and
    unchanged) and/or the end date."""

    reason: str = Field(..., max_length=500)
    lines: list[ContractLineIn] | None = Field(None, min_length=1, max_length=500)
    plan: list[PlanItemIn] | None = Field(None, min_length=1, max_length=120)
    end_date: dt.date | None = None


class ContractFilter(Schema):
    status: ContractStatus | None = None
    customer_id: int | None = None
    q: str = ""


# --- output -------------------------------------------------------------------------------


class CustomerRef(Schema):
    id: int
    code: str
    name: str


class ContractLineOut(Schema):
    position: int
    product_id: int | None
    description: str
    unit: str
    quantity: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    net: str
    tax: str
    total: str
    recognition: str
    service_start: dt.date | None
    service_end: dt.date | None
    milestone_id: int | None
    invoiced: str
    recognised: str

    @staticmethod
    def resolve_quantity(obj: Any) -> str | None:
        return dec_str(obj.quantity)

    @staticmethod
    def resolve_discount_percent(obj: Any) -> str | None:
        return dec_str(obj.discount_percent)

    @staticmethod
    def resolve_tax_rate(obj: Any) -> str | None:
        return dec_str(obj.tax_rate)

    resolve_unit_price = money_resolver("unit_price", "contract.currency")
    resolve_net = money_resolver("net", "contract.currency")
    resolve_tax = money_resolver("tax", "contract.currency")
    resolve_total = money_resolver("total", "contract.currency")
    resolve_invoiced = money_resolver("invoiced", "contract.currency")
    resolve_recognised = money_resolver("recognised", "contract.currency")


class MilestoneOut(Schema):
    id: int
    position: int
    name: str
    kind: str
    planned_date: dt.date
    actual_date: dt.date | None
    percent_delivered: str
    status: str
    note: str

    @staticmethod
    def resolve_percent_delivered(obj: Any) -> str | None:
        return dec_str(obj.percent_delivered)


class PlanItemOut(Schema):
    id: int
    sequence: int
    label: str
    percent: str | None
    amount: str
    due_rule: str
    due_days: int
    fixed_date: dt.date | None
    milestone_id: int | None
    due_date: dt.date | None
    status: str
    discount_percent: str
    discount_days: int
    invoice_id: int | None
    invoice_number: str | None

    @staticmethod
    def resolve_percent(obj: Any) -> str | None:
        return dec_str(obj.percent)

    @staticmethod
    def resolve_discount_percent(obj: Any) -> str | None:
        return dec_str(obj.discount_percent)

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str | None:
        return obj.invoice.number if obj.invoice_id else None

    resolve_amount = money_resolver("amount", "contract.currency")


class AmendmentOut(Schema):
    id: int
    number: int
    status: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    approval_request_id: int | None
    created_at: dt.datetime
    applied_at: dt.datetime | None


class ContractOut(Schema):
    id: int
    number: str
    title: str
    customer: CustomerRef
    quote_id: int | None
    previous_id: int | None
    status: str
    signing_date: dt.date | None
    start_date: dt.date
    end_date: dt.date | None
    currency: str
    rate: str | None
    subtotal: str
    tax_total: str
    total: str
    invoiced: str
    recognised: str
    owner_id: int | None
    team_id: int | None
    approval_request_id: int | None
    custom: dict[str, Any]

    @staticmethod
    def resolve_rate(obj: Any) -> str | None:
        return dec_str(obj.rate)

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return custom_out(obj, context)

    resolve_subtotal = money_resolver("subtotal")
    resolve_tax_total = money_resolver("tax_total")
    resolve_total = money_resolver("total")
    resolve_invoiced = money_resolver("invoiced")
    resolve_recognised = money_resolver("recognised")


class ContractDetailOut(ContractOut):
    template_id: int | None
    terms: str
    termination_reason: str
    remainder: str = Field(..., description="The total not yet covered by the payment plan.")
    lines: list[ContractLineOut]
    milestones: list[MilestoneOut]
    plan: list[PlanItemOut]
    amendments: list[AmendmentOut]

    resolve_remainder = money_resolver("remainder")

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_milestones(obj: Any) -> list[Any]:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_plan(obj: Any) -> list[Any]:
        return list(obj.plan.all())

    @staticmethod
    def resolve_amendments(obj: Any) -> list[Any]:
        return list(obj.amendments.all())

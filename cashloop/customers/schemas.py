"""API schemas of customers: strict input (unknown fields refused), explicit output."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import AuditEntryOut, InSchema, PatchSchema
from cashloop.customers.choices import CustomerStatus, InteractionKind
from cashloop.customfields.schemas import custom_out
from cashloop.ledger.schemas import money_resolver
from cashloop.receivables.schemas import InvoiceOut, PaymentOut
from cashloop.reports.schemas import AgingOut, aging_out
from cashloop.sales.schemas import OpportunityOut


class CustomerIn(InSchema):
    code: str = Field(..., min_length=1, max_length=30)
    name: str = Field(..., min_length=1, max_length=200)
    legal_name: str = Field("", max_length=200)
    aliases: str = Field("", max_length=2000)
    tax_id: str = Field("", max_length=30)
    address: str = Field("", max_length=500)
    country: str = Field("CN", pattern="^[A-Z]{2}$")
    currency: str = Field(..., min_length=3, max_length=3)
    payment_terms_days: int = Field(30, ge=0, le=365)
    owner_id: int | None = None
    team_id: int | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    tags: list[str] = Field(default_factory=list, max_length=20)
    confirm_duplicate: bool = False
    custom: dict[str, Any] = Field(default_factory=dict)
    group_id: int | None = None


class CustomerPatch(InSchema):
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=200)
    aliases: str | None = Field(None, max_length=2000)
    tax_id: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=500)
    country: str | None = Field(None, pattern="^[A-Z]{2}$")
    currency: str | None = Field(None, min_length=3, max_length=3)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    owner_id: int | None = None
    team_id: int | None = None
    status: CustomerStatus | None = None
    tags: list[str] | None = Field(None, max_length=20)
    confirm_duplicate: bool = False
    custom: dict[str, Any] | None = None
    group_id: int | None = None


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class ContactRef(Schema):
    id: int
    name: str


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    legal_name: str
    aliases: str
    tax_id: str
    address: str
    country: str
    currency: str
    payment_terms_days: int
    owner: UserRef | None
    team_id: int | None
    status: str
    tags: list[str]
    merged_into_id: int | None = None
    group_id: int | None = None
    created_at: datetime
    updated_at: datetime
    custom: dict[str, Any] = {}

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return custom_out(obj, context)


class DuplicateCandidateOut(Schema):
    """A possible duplicate; `id` and `code` are null/empty when it is outside your scope."""

    id: int | None
    code: str
    name: str
    owner: str
    score: int
    reasons: list[str]
    visible: bool


class ContactIn(InSchema):
    customer_id: int
    name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    custom: dict[str, Any] = Field(default_factory=dict)


class ContactPatch(PatchSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    custom: dict[str, Any] | None = None


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    phone: str
    email: str
    created_at: datetime
    updated_at: datetime
    custom: dict[str, Any] = {}

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return custom_out(obj, context)


class InteractionIn(InSchema):
    customer_id: int
    kind: InteractionKind
    occurred_at: datetime | date | None = None
    summary: str = Field(..., min_length=1, max_length=5000)
    contact_ids: list[int] = Field(default_factory=list, max_length=50)
    user_ids: list[int] = Field(default_factory=list, max_length=50)
    next_step: str = Field("", max_length=1000)
    next_step_date: date | None = None


class InteractionPatch(PatchSchema):
    clearable = frozenset({"next_step_date"})

    kind: InteractionKind | None = None
    occurred_at: datetime | date | None = None
    summary: str | None = Field(None, min_length=1, max_length=5000)
    contact_ids: list[int] | None = Field(None, max_length=50)
    user_ids: list[int] | None = Field(None, max_length=50)
    next_step: str | None = Field(None, max_length=1000)
    next_step_date: date | None = None


class InteractionOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    kind: str
    occurred_at: datetime
    summary: str
    contacts: list[ContactRef]
    users: list[UserRef]
    next_step: str
    next_step_date: date | None
    next_step_done: bool
    author: UserRef
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_contacts(obj: Any) -> list[Any]:
        return list(obj.contacts.all())

    @staticmethod
    def resolve_users(obj: Any) -> list[Any]:
        return list(obj.users.all())


class HandOverIn(InSchema):
    """`customer_ids` null hands over every customer `from_user_id` owns in your scope."""

    from_user_id: int
    to_user_id: int
    customer_ids: list[int] | None = Field(None, max_length=5000)
    reason: str = Field(..., max_length=500)
    include_opportunities: bool = True


class HandOverOut(Schema):
    id: int
    at: datetime
    actor: UserRef
    from_user: UserRef
    to_user: UserRef
    reason: str
    customer_count: int
    counts: dict[str, int]


class PoolCustomerOut(Schema):
    """What every rep may see of a customer in the public pool."""

    id: int
    code: str
    name: str
    team_id: int | None
    tags: list[str]
    last_interaction_at: datetime | None

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class ReleaseIn(InSchema):
    reason: str = Field(..., max_length=500)


class AssignIn(InSchema):
    user_id: int


class PoolSettingsIn(InSchema):
    enabled: bool | None = None
    days_without_interaction: int | None = Field(None, ge=1, le=3650)
    days_without_deal: int | None = Field(None, ge=1, le=3650)
    claim_limit: int | None = Field(None, ge=0)
    reclaim_cooldown_days: int | None = Field(None, ge=0, le=3650)


class PoolSettingsOut(Schema):
    enabled: bool
    days_without_interaction: int | None
    days_without_deal: int | None
    claim_limit: int | None
    reclaim_cooldown_days: int


class MergeIn(InSchema):
    """Merge this customer (the duplicate, in the path) into `survivor_id`."""

    survivor_id: int
    reason: str = Field(..., max_length=500)


class MergeOut(Schema):
    id: int
    survivor_id: int
    duplicate_id: int
    at: datetime
    reason: str
    counts: dict[str, int]
    journal_entry_id: int | None


# --- the customer 360 (decision 029) ------------------------------------------------------


class CustomerFiguresOut(Schema):
    """A customer's money figures, in the base currency, as decimal strings."""

    currency: str
    lifetime_revenue: str = Field(..., description="invoiced - credited, tax included.")
    invoiced: str
    credited: str
    collected: str = Field(..., description="Payments applied to invoices.")
    outstanding: str
    overdue: str
    advances: str
    average_days_to_pay: str | None = Field(
        ..., description="Invoice date to payment applied, weighted by amount; null: none."
    )

    resolve_lifetime_revenue = money_resolver("lifetime_revenue", None)
    resolve_invoiced = money_resolver("invoiced", None)
    resolve_credited = money_resolver("credited", None)
    resolve_collected = money_resolver("collected", None)
    resolve_outstanding = money_resolver("outstanding", None)
    resolve_overdue = money_resolver("overdue", None)
    resolve_advances = money_resolver("advances", None)

    @staticmethod
    def resolve_average_days_to_pay(obj: Any) -> str | None:
        days = obj.average_days_to_pay
        return None if days is None else str(days)


class InteractionSectionOut(Schema):
    count: int
    rows: list[InteractionOut]


class OpportunitySectionOut(Schema):
    count: int
    rows: list[OpportunityOut]


class InvoiceSectionOut(Schema):
    count: int
    rows: list[InvoiceOut] = Field(..., description="Open invoices first, then the newest.")


class PaymentSectionOut(Schema):
    count: int
    rows: list[PaymentOut]


class Customer360Out(Schema):
    """What the customer 360 page shows; a section you may not read is null.

    Lists hold the first rows (`count` says how many there are in all).
    """

    customer: CustomerOut
    contacts: list[ContactOut]
    last_interaction_at: datetime | None
    next_action: InteractionOut | None = Field(..., description="The earliest open next step.")
    figures: CustomerFiguresOut | None
    interactions: InteractionSectionOut | None
    opportunities: OpportunitySectionOut | None
    open_pipeline: str | None = Field(..., description="Open opportunities, base currency.")
    invoices: InvoiceSectionOut | None
    payments: PaymentSectionOut | None
    aging: AgingOut | None
    history: list[AuditEntryOut]

    resolve_open_pipeline = money_resolver("open_pipeline", None)

    @staticmethod
    def resolve_aging(obj: Any) -> dict | None:
        return None if obj.aging is None else aging_out(obj.aging)

"""API shapes of dunning: policies with levels, customer settings, exclusions, runs, log."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from cashloop.core.schemas import InSchema


class LevelIn(InSchema):
    name: str
    days_overdue: int
    send_email: bool = True
    subject_zh: str = ""
    body_zh: str = ""
    subject_en: str = ""
    body_en: str = ""
    letter: bool = False
    create_task: bool = False
    task_due_days: int = 3
    fee: Decimal = Decimal(0)
    hold: bool = False


class PolicyIn(InSchema):
    name: str
    is_default: bool = False
    auto_send: bool = False
    group_ids: list[int] = []
    levels: list[LevelIn]
    interest_rate: Decimal = Decimal(0)
    charge_booking: str = "on_run"


class LevelOut(Schema):
    id: int
    order: int
    name: str
    days_overdue: int
    send_email: bool
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    letter: bool
    create_task: bool
    task_due_days: int
    fee: Decimal
    hold: bool


class PolicyOut(Schema):
    id: int
    name: str
    is_default: bool
    auto_send: bool
    group_ids: list[int]
    levels: list[LevelOut]
    interest_rate: Decimal
    charge_booking: str

    @staticmethod
    def resolve_group_ids(obj) -> list[int]:  # type: ignore[no-untyped-def]
        return [group.pk for group in obj.groups.all()]

    @staticmethod
    def resolve_levels(obj) -> list:  # type: ignore[no-untyped-def, type-arg]
        return list(obj.levels.all())


class CustomerDunningIn(InSchema):
    policy_id: int | None = None
    collector_id: int | None = None
    language: str = "zh-hans"
    excluded_until: date | None = None
    exclusion_reason: str = ""
    exclusion_note: str = ""


class CustomerDunningOut(Schema):
    customer_id: int
    policy_id: int | None
    collector_id: int | None
    language: str
    excluded_until: date | None
    exclusion_reason: str
    exclusion_note: str


class ExclusionIn(InSchema):
    invoice_id: int
    reason: str
    until: date
    note: str = ""


class ExclusionOut(Schema):
    id: int
    invoice_id: int
    reason: str
    note: str
    until: date


class CollectionPlanItemOut(Schema):
    installment_id: int
    invoice_number: str
    sequence: int
    due_date: date
    days_overdue: int
    residual: Decimal
    currency: str
    new: bool


class CustomerPlanOut(Schema):
    customer_id: int
    code: str
    name: str
    policy: str
    level: str
    days_overdue: int
    emails: list[str]
    actions: list[str]
    fee: Decimal
    items: list[CollectionPlanItemOut]


class RunQuery(Schema):
    limit: int | None = Field(
        None,
        ge=1,
        description="Read only the first customers by code into `customers`;"
        " `customer_count` and `installments` still count them all.",
    )


class RunOut(Schema):
    run_date: date
    sent: bool
    customers: list[CustomerPlanOut]
    customer_count: int
    installments: int
    logs: int
    emails: int
    tasks: int
    holds: int
    charges: int = 0
    charge_invoices: int = 0


class LogItemOut(Schema):
    installment_id: int
    days_overdue: int
    level_days: int
    residual: Decimal


class LogOut(Schema):
    id: int
    customer_id: int
    run_date: date
    policy_id: int | None
    level_id: int | None
    level_name: str
    days_overdue: int
    subject: str
    body: str
    emailed_to: str
    emailed_at: datetime | None
    letter: bool
    fee: Decimal
    currency: str
    overdue_total: Decimal
    hold: bool
    items: list[LogItemOut]

    @staticmethod
    def resolve_items(obj) -> list:  # type: ignore[no-untyped-def, type-arg]
        return list(obj.items.all())


# --- disputes and dunning charges (decision 051) ----------------------------------------------


class DisputeIn(InSchema):
    installment_id: int
    reason: str
    note: str = ""
    amount: Decimal | None = None


class DisputeResolveIn(InSchema):
    outcome: str
    note: str
    credit_amount: Decimal | None = None


class DisputeOut(Schema):
    id: int
    installment_id: int
    invoice_id: int
    customer_id: int
    reason: str
    note: str
    amount: Decimal
    status: str
    opened_on: date
    resolved_on: date | None
    resolution_note: str
    credit_note_id: int | None
    held_posting_id: int | None

    @staticmethod
    def resolve_invoice_id(obj) -> int:  # type: ignore[no-untyped-def]
        return obj.installment.invoice_id


class InterestIn(InSchema):
    installment_id: int


class WaiveIn(InSchema):
    reason: str = ""


class ChargeBookIn(InSchema):
    customer_id: int


class ChargeOut(Schema):
    id: int
    customer_id: int
    log_id: int | None
    kind: str
    installment_id: int | None
    amount: Decimal
    currency: str
    accrued_on: date
    days: int
    principal: Decimal
    status: str
    invoice_id: int | None


# --- the collector's worklist (decision 050) ---------------------------------------------------


class CollectionActivityIn(InSchema):
    customer_id: int
    kind: str
    outcome: str
    summary: str
    contact_ids: list[int] = []
    occurred_at: datetime | None = None
    promise_amount: Decimal | None = None
    promise_date: date | None = None
    next_follow_up: date | None = None


class CollectionActivityOut(Schema):
    id: int
    customer_id: int
    interaction_id: int
    outcome: str
    created_at: datetime


class PaymentPromiseIn(InSchema):
    customer_id: int
    amount: Decimal
    promised_date: date
    currency: str | None = None
    note: str = ""


class PaymentPromiseOut(Schema):
    id: int
    customer_id: int
    activity_id: int | None
    amount: Decimal
    currency: str
    made_on: date
    promised_date: date
    status: str
    paid: Decimal
    resolved_on: date | None
    note: str


class PromiseCheckOut(Schema):
    checked: int
    kept: int
    broken: int


class CollectionTaskIn(InSchema):
    customer_id: int
    due_date: date
    kind: str = "follow_up"
    title: str = ""
    note: str = ""
    assignee_id: int | None = None


class CollectionTaskOut(Schema):
    id: int
    customer_id: int
    assignee_id: int | None
    kind: str
    title: str
    note: str
    due_date: date
    done_at: datetime | None


class EscalateIn(InSchema):
    customer_id: int
    note: str


class StatementSendIn(InSchema):
    customer_id: int
    start: date | None = None
    end: date | None = None


class PriorityPartOut(Schema):
    part: str
    points: int


class WorklistRowOut(Schema):
    customer_id: int
    code: str
    name: str
    assignee_id: int | None
    overdue: Decimal
    oldest_days: int
    credit_score: int | None
    broken_promises: int
    priority: int
    priority_parts: list[PriorityPartOut]
    promise: PaymentPromiseOut | None
    task: CollectionTaskOut | None


class CollectionOpenItemOut(Schema):
    installment_id: int
    invoice_id: int
    invoice_number: str
    sequence: int
    due_date: date
    days_overdue: int
    residual: Decimal
    currency: str


class CollectionContactOut(Schema):
    id: int
    name: str
    phone: str
    email: str


class CollectionHistoryOut(Schema):
    id: int
    kind: str
    occurred_at: datetime
    summary: str
    outcome: str | None
    author: str


class CollectionDisputeOut(Schema):
    id: int
    installment_id: int
    reason: str
    amount: Decimal
    status: str


class CollectionCustomerOut(Schema):
    customer_id: int
    code: str
    name: str
    collector_id: int | None
    overdue: Decimal
    oldest_days: int
    credit_score: int | None
    broken_promises: int
    priority: int
    priority_parts: list[PriorityPartOut]
    dunning_level: str | None
    open_items: list[CollectionOpenItemOut]
    contacts: list[CollectionContactOut]
    history: list[CollectionHistoryOut]
    promises: list[PaymentPromiseOut]
    open_tasks: list[CollectionTaskOut]
    disputes: list[CollectionDisputeOut]

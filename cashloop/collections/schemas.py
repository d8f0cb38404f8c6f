"""API shapes of dunning: policies with levels, customer settings, exclusions, runs, log."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema

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


class PlanItemOut(Schema):
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
    items: list[PlanItemOut]


class RunOut(Schema):
    run_date: date
    sent: bool
    customers: list[CustomerPlanOut]
    installments: int
    logs: int
    emails: int
    tasks: int
    holds: int


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

"""API schemas of approvals: strict input (unknown fields refused), explicit output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema
from cashloop.ledger.schemas import money_resolver


class FieldSpecOut(Schema):
    name: str
    label: str
    kind: str
    ops: list[str]
    choices: list[str]


class DocumentTypeOut(Schema):
    key: str
    label: str
    fields: list[FieldSpecOut]


class ApproverIn(InSchema):
    kind: str
    value: Any = None


class StepIn(InSchema):
    approvers: list[ApproverIn] = Field(..., min_length=1, max_length=50)
    rule: str = "any"
    deadline_hours: int = Field(0, ge=0, le=24 * 90)


class FlowIn(InSchema):
    document_type: str
    name: str = Field(..., min_length=1, max_length=200)
    priority: int = Field(100, ge=0)
    is_active: bool = True
    allow_self_approval: bool = False
    conditions: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepIn] = Field(..., max_length=20)


class FlowUpdateIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    priority: int = Field(100, ge=0)
    is_active: bool = True
    allow_self_approval: bool = False
    conditions: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepIn] = Field(..., max_length=20)


class FlowVersionOut(Schema):
    id: int
    number: int
    conditions: dict[str, Any]
    steps: list[dict[str, Any]]
    allow_self_approval: bool
    created_by_id: int
    created_at: dt.datetime


class FlowOut(Schema):
    id: int
    document_type: str
    name: str
    priority: int
    is_active: bool
    current_version: FlowVersionOut | None


class FlowDetailOut(FlowOut):
    versions: list[FlowVersionOut]

    @staticmethod
    def resolve_versions(obj: Any) -> list[Any]:
        return list(obj.versions.all())


class TaskOut(Schema):
    id: int
    step: int
    approver_id: int
    approver: str
    on_behalf_of_id: int | None
    status: str
    due_at: dt.datetime | None
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_approver(obj: Any) -> str:
        return str(obj.approver)


class ActionOut(Schema):
    id: int
    kind: str
    step: int
    actor_id: int | None
    on_behalf_of_id: int | None
    comment: str
    at: dt.datetime


class RequestOut(Schema):
    id: int
    document_type: str
    document_id: str
    summary: str
    status: str
    step: int = Field(..., description="0-based index of the current step.")
    submitter_id: int
    flow_id: int
    flow_version: int
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_flow_id(obj: Any) -> int:
        return obj.flow_version.flow_id

    @staticmethod
    def resolve_flow_version(obj: Any) -> int:
        return obj.flow_version.number


class RequestDetailOut(RequestOut):
    values: dict[str, Any]
    tasks: list[TaskOut]
    actions: list[ActionOut]

    @staticmethod
    def resolve_tasks(obj: Any) -> list[Any]:
        return list(obj.tasks.all())

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return list(obj.actions.all())


class CommentIn(InSchema):
    comment: str = Field("", max_length=5000)


class RejectIn(InSchema):
    reason: str = Field("", max_length=5000)


class ReturnIn(InSchema):
    comment: str = Field("", max_length=5000)
    to_step: int | None = Field(None, ge=1, description="1-based; none: to the submitter.")


class DelegationIn(InSchema):
    delegate_id: int
    start: dt.date
    end: dt.date


class DelegationOut(Schema):
    id: int
    user_id: int
    delegate_id: int
    start: dt.date
    end: dt.date


class ExpenseClaimIn(InSchema):
    date: dt.date
    category: str
    amount: Decimal = Field(..., gt=0, lt=Decimal("1e15"))
    currency: str = Field("CNY", min_length=3, max_length=3)
    description: str = Field("", max_length=5000)


class ExpenseClaimOut(Schema):
    id: int
    submitter_id: int
    team_id: int | None
    status: str
    date: dt.date
    category: str
    amount: str
    currency: str
    description: str

    resolve_amount = money_resolver("amount")


class WorkPlanIn(InSchema):
    period_start: dt.date
    period_end: dt.date
    title: str = Field(..., min_length=1, max_length=200)
    content: str = Field(..., min_length=1, max_length=20000)


class WorkPlanOut(Schema):
    id: int
    submitter_id: int
    team_id: int | None
    status: str
    period_start: dt.date
    period_end: dt.date
    title: str
    content: str

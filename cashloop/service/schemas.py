"""API schemas of service tickets: strict input, explicit output, money as decimal strings."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from cashloop.core.schemas import InSchema

Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["new", "open", "waiting", "resolved", "closed"]


class TicketIn(InSchema):
    customer_id: int
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10000)
    priority: Priority = "normal"
    contact_id: int | None = None
    contract_id: int | None = None
    product_id: int | None = None
    assignee_id: int | None = None
    paid_service: bool = False


class TicketPatch(InSchema):
    subject: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10000)
    priority: Priority | None = None
    contact_id: int | None = None
    contract_id: int | None = None
    product_id: int | None = None


class StatusIn(InSchema):
    status: Status


class TicketAssignIn(InSchema):
    assignee_id: int | None


class ReplyIn(InSchema):
    body: str = Field(max_length=20000)
    internal: bool = False
    payment_reminder: bool = Field(
        False, description="End the reply with a reminder of the customer's overdue amount."
    )


class TicketFilter(Schema):
    q: str = ""
    status: Status | Literal[""] = ""
    priority: Priority | Literal[""] = ""
    assignee_id: int | None = None
    customer_id: int | None = None
    active: bool = False
    overdue_sla: bool = False


class TicketOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str = Field(alias="customer.name")
    contact_id: int | None
    contract_id: int | None
    product_id: int | None
    subject: str
    priority: str
    status: str
    assignee_id: int | None
    paid_service: bool
    respond_by: dt.datetime
    resolve_by: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    created_at: dt.datetime


class MessageOut(Schema):
    id: int
    author_id: int | None
    author_name: str
    body: str
    internal: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_author_name(obj: object) -> str:
        author = getattr(obj, "author", None)
        return str(author) if author else ""


class OverdueAmountOut(Schema):
    currency: str
    amount: str


class OverdueWarningOut(Schema):
    amounts: list[OverdueAmountOut]
    oldest_days: int
    items: int
    collector_id: int | None
    collector_name: str
    collector_is_owner: bool
    message: str


class TicketDetailOut(TicketOut):
    """A ticket with the conversation the reader may see and the customer's overdue warning."""

    description: str
    messages: list[MessageOut]
    overdue_warning: OverdueWarningOut | None

    @staticmethod
    def resolve_messages(obj: Any) -> list[Any]:
        return list(obj.conversation)

    @staticmethod
    def resolve_overdue_warning(obj: Any) -> dict[str, Any] | None:
        return obj.warning_out  # type: ignore[no-any-return]


class ServiceSettingsIn(InSchema):
    block_paid_on_hold: bool


class ServiceSettingsOut(Schema):
    block_paid_on_hold: bool

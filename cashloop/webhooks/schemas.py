"""API shapes of webhooks."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema


class SubscriptionIn(InSchema):
    name: str = Field("", max_length=100)
    url: str = Field(..., min_length=1, max_length=500)
    events: list[str] = Field(..., max_length=50)
    active: bool = True


class SubscriptionPatch(InSchema):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=500)
    events: list[str] | None = Field(None, max_length=50)
    active: bool | None = None


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    secret: str
    active: bool
    created_at: datetime


class EventOut(Schema):
    name: str
    description: str


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event: str
    event_id: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    tries: list[AttemptOut]

    @staticmethod
    def resolve_tries(obj: Any) -> list[Any]:
        return list(obj.tries.all())

"""API shapes of report schedules (decision 064)."""

from datetime import datetime

from ninja import Field, Schema

from cashloop.core.schemas import InSchema


class RecipientIn(InSchema):
    user_id: int
    language: str = Field("", max_length=10, description="zh-hans or en; empty: the default")


class ScheduleIn(InSchema):
    name: str = Field("", max_length=100)
    report: str = Field(..., description="ar_summary (weekly AR summary) or revenue")
    frequency: str = Field(..., description="weekly or monthly")
    weekday: int | None = Field(None, description="weekly: 0 (Monday) to 6 (Sunday)")
    day: int | None = Field(None, description="monthly: the day of the month, 1 to 28")
    formats: list[str] = Field(["pdf"], max_length=2, description="pdf and/or xlsx")
    recipients: list[RecipientIn] = Field(..., max_length=200)
    active: bool = True


class SchedulePatch(InSchema):
    name: str | None = Field(None, max_length=100)
    report: str | None = None
    frequency: str | None = None
    weekday: int | None = None
    day: int | None = None
    formats: list[str] | None = Field(None, max_length=2)
    recipients: list[RecipientIn] | None = Field(None, max_length=200)
    active: bool | None = None


class RecipientOut(Schema):
    user_id: int
    username: str = Field(..., alias="user.username")
    email: str = Field(..., alias="user.email")
    language: str


class ScheduleOut(Schema):
    id: int
    name: str
    report: str
    frequency: str
    weekday: int | None
    day: int | None
    formats: list[str]
    recipients: list[RecipientOut]
    active: bool
    last_period: str
    last_sent_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_recipients(obj: object) -> list[object]:
        return list(obj.recipients.all())  # type: ignore[attr-defined]


class SentOut(Schema):
    sent: int

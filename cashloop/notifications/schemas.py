"""API shapes of notifications."""

from datetime import datetime

from ninja import Schema


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class ReadAllOut(Schema):
    marked: int

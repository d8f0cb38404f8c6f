"""Schema bases shared by every app's API: strict input, the error envelope, audit rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class InSchema(Schema):
    """Input schemas refuse unknown fields instead of silently ignoring them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any] | list[Any] = {}


class ErrorOut(Schema):
    error: ErrorBody


class AuditEntryOut(Schema):
    id: int
    at: datetime
    action: str
    actor_id: int | None
    actor: str | None
    object_repr: str
    changes: dict[str, list[Any]]
    reason: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else None

"""Schema bases shared by every app's API: strict input, the error envelope, audit rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# The databases store whole numbers (ids above all) in 64 bits; a larger one in a body
# would fail in the database instead of being refused here.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _unstorable(value: Any) -> str | None:
    """Why the database could not store `value` (or a part of it), if it could not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return None if INT_MIN <= value <= INT_MAX else "int_out_of_range"
    if isinstance(value, str):
        # PostgreSQL refuses text holding NUL; no text a person types holds one.
        return "nul_character" if "\x00" in value else None
    if isinstance(value, dict):
        parts: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        parts = list(value)
    else:
        return None
    return next((why for part in parts if (why := _unstorable(part))), None)


UNSTORABLE = {
    "int_out_of_range": "Whole numbers must lie between -2^63 and 2^63-1.",
    "nul_character": "Text cannot hold the NUL character.",
}


class InSchema(Schema):
    """Input schemas refuse unknown fields instead of silently ignoring them, and values
    the database could not store (whole numbers beyond 64 bits, text with NUL)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if why := _unstorable(value):
            raise PydanticCustomError(why, UNSTORABLE[why])
        return value


class PatchSchema(InSchema):
    """A partial update: a field left out keeps its value, and `null` clears only the
    fields named in `clearable` (the others would break the record, so `null` is refused)."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _null_only_where_clearable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError(
                "null_not_allowed", "This field cannot be emptied; leave it out to keep it."
            )
        return value


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

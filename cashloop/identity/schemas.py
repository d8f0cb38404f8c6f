"""API schemas of identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema
from cashloop.identity.models import TokenScope


class TeamOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    team: TeamOut | None
    roles: list[str]
    is_superuser: bool
    language: str

    @staticmethod
    def resolve_roles(obj: Any) -> list[str]:
        return obj.role_codes()

    @staticmethod
    def resolve_language(obj: Any, context: Any) -> str:
        return context["request"].LANGUAGE_CODE


class ApiTokenIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: TokenScope = TokenScope.READ
    expires_in_days: int = Field(90, ge=1, le=365)


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(..., description="The full token. It is shown this once only.")

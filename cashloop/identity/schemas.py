"""API schemas of identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema
from cashloop.identity.models import DataScope, ShareAccess, TokenScope


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


class RoleOut(Schema):
    id: int
    code: str
    name: str
    builtin: bool
    data_scope: str
    grants: dict[str, list[str]]
    field_rules: dict[str, dict[str, str]]

    @staticmethod
    def resolve_builtin(obj: Any) -> bool:
        from cashloop.identity.roles import BUILTIN_ROLES

        return obj.code in BUILTIN_ROLES


class RoleIn(InSchema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    data_scope: DataScope = DataScope.OWN
    grants: dict[str, list[str]] = {}
    field_rules: dict[str, dict[str, str]] = {}


class RolePatchIn(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    data_scope: DataScope | None = None
    grants: dict[str, list[str]] | None = None
    field_rules: dict[str, dict[str, str]] | None = None


class UserRolesIn(InSchema):
    role_ids: list[int]


class UserRolesOut(Schema):
    id: int
    username: str
    is_active: bool
    roles: list[str]

    @staticmethod
    def resolve_roles(obj: Any) -> list[str]:
        return sorted(r.code for r in obj.roles.all())


class ShareIn(InSchema):
    user_id: int | None = None
    team_id: int | None = None
    access: ShareAccess = ShareAccess.READ
    expires_at: datetime | None = None


class ShareOut(Schema):
    id: int
    customer_id: int
    user_id: int | None
    team_id: int | None
    access: str
    expires_at: datetime | None
    created_by_id: int | None
    created_at: datetime

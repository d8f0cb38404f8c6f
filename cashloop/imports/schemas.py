"""API shapes of imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from cashloop.core.schemas import InSchema
from cashloop.imports.values import in_language


class FieldOut(Schema):
    key: str
    label: str
    required: bool
    per_row: bool


class KindOut(Schema):
    key: str
    label: str
    natural_key: list[str]
    fields: list[FieldOut]


class WarningOut(Schema):
    line: int
    # In the language of the request, whoever checked the file.
    message: str

    @staticmethod
    def resolve_message(obj: dict[str, Any]) -> str:
        return in_language(obj)


class ProblemOut(WarningOut):
    column: str
    code: str


class JobOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str
    valid_only: bool
    columns: list[str]
    mapping: dict[str, str]
    total_rows: int
    error_rows: int
    existing_rows: int
    imported_rows: int
    errors: list[ProblemOut]
    warnings: list[WarningOut]
    created_by: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_columns(obj: Any) -> list[str]:
        return list(obj.sample[0]) if obj.sample else []

    @staticmethod
    def resolve_created_by(obj: Any) -> str:
        return obj.created_by.username


class MappingIn(InSchema):
    mapping: dict[str, str]


class RunIn(InSchema):
    valid_only: bool = False


class ProgressOut(Schema):
    done: int
    total: int


class TemplateIn(InSchema):
    kind: str
    name: str
    mapping: dict[str, str]


class TemplateOut(Schema):
    id: int
    kind: str
    name: str
    mapping: dict[str, str]

"""Document types that can go through approval, and the fields their flows may test.

Each app that wants approval registers a `DocumentType` in its `AppConfig.ready()`: the
fields a flow's conditions may compare (with their kinds, which decide the operators that
fit), how to read those values from a document, and what to do when a request on it is
approved (apply the held document) or rejected/withdrawn (release it, nothing applied).
The callbacks run inside the approving action's transaction, so a refusal raised by
`on_approved` leaves the request pending and nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.db import models
from django.utils.functional import Promise

if TYPE_CHECKING:
    from cashloop.approvals.models import ApprovalRequest
    from cashloop.identity.models import User

FieldKind = Literal["money", "decimal", "number", "text", "choice", "tags", "date", "bool"]

# Which comparisons make sense for which kind of value: ordering needs numbers or dates,
# `contains` needs a list (tags) or text, `in` a single value to look up in a list.
OPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "money": ("eq", "ne", "gt", "gte", "lt", "lte"),
    "decimal": ("eq", "ne", "gt", "gte", "lt", "lte"),
    "number": ("eq", "ne", "gt", "gte", "lt", "lte"),
    "date": ("eq", "ne", "gt", "gte", "lt", "lte"),
    "text": ("eq", "ne", "in", "contains"),
    "choice": ("eq", "ne", "in"),
    "tags": ("contains",),
    "bool": ("eq", "ne"),
}


@dataclass(frozen=True)
class FieldSpec:
    label: str | Promise
    kind: FieldKind
    choices: tuple[tuple[str, str | Promise], ...] = ()


@dataclass(frozen=True)
class DocumentType:
    key: str
    label: str | Promise
    model: type[models.Model]
    fields: dict[str, FieldSpec]
    values: Callable[[Any], dict[str, Any]]
    on_approved: Callable[[ApprovalRequest, User], None]
    on_rejected: Callable[[ApprovalRequest, User], None]
    url: Callable[[Any], str]
    summary: Callable[[Any], str] = field(default=str)


DOCUMENT_TYPES: dict[str, DocumentType] = {}


def document_type_register(doc_type: DocumentType) -> None:
    """Add a document type (registering a key again replaces it, as reloads do)."""
    DOCUMENT_TYPES[doc_type.key] = doc_type


def document_type_get(key: str) -> DocumentType | None:
    return DOCUMENT_TYPES.get(key)


def document_type_choices() -> list[tuple[str, str | Promise]]:
    return [(key, t.label) for key, t in sorted(DOCUMENT_TYPES.items())]

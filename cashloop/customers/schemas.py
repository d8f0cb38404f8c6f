"""API schemas of customers: strict input (unknown fields refused), explicit output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema
from cashloop.customers.choices import CustomerStatus


class CustomerIn(InSchema):
    code: str = Field(..., min_length=1, max_length=30)
    name: str = Field(..., min_length=1, max_length=200)
    legal_name: str = Field("", max_length=200)
    tax_id: str = Field("", max_length=30)
    currency: str = Field(..., min_length=3, max_length=3)
    payment_terms_days: int = Field(30, ge=0, le=365)
    owner_id: int | None = None
    team_id: int | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    tags: list[str] = Field(default_factory=list, max_length=20)


class CustomerPatch(InSchema):
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=200)
    tax_id: str | None = Field(None, max_length=30)
    currency: str | None = Field(None, min_length=3, max_length=3)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    owner_id: int | None = None
    team_id: int | None = None
    status: CustomerStatus | None = None
    tags: list[str] | None = Field(None, max_length=20)


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    legal_name: str
    tax_id: str
    currency: str
    payment_terms_days: int
    owner: UserRef | None
    team_id: int | None
    status: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class ContactIn(InSchema):
    customer_id: int
    name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class ContactPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    phone: str
    email: str
    created_at: datetime
    updated_at: datetime

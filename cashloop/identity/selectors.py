"""Reads of identity, scoped by the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.scoping import get_scoped, require
from cashloop.identity.errors import IdentityError
from cashloop.identity.models import ApiToken, RecordShare, Role, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The acting user's own tokens: nobody sees another person's tokens."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def user_list(*, user: User, action: str = "view") -> QuerySet[User]:
    return User.objects.restrict(user, action).filter(is_active=True).select_related("team")


def role_list(*, user: User) -> QuerySet[Role]:
    require(user, "manage", Role)
    return Role.objects.order_by("code")


def role_get(*, user: User, role_id: int) -> Role:
    require(user, "manage", Role)
    role = Role.objects.filter(pk=role_id).first()
    if role is None:
        raise DomainError(IdentityError.ROLE_NOT_FOUND)
    return role


def role_users(*, user: User) -> QuerySet[User]:
    """Every user with their roles, for assigning roles (role admins see everyone)."""
    require(user, "manage", Role)
    return User.objects.select_related("team").prefetch_related("roles").order_by("username")


def share_list(*, user: User, customer_id: int) -> QuerySet[RecordShare]:
    """The unexpired shares of a customer the user may see."""
    from cashloop.customers.models import Customer

    customer: Any = get_scoped(Customer.objects.all(), user=user, action="view", pk=customer_id)
    return customer_shares(customer=customer)


def customer_shares(*, customer: Any) -> QuerySet[RecordShare]:
    """The unexpired shares of a customer the caller has already read through its scope."""
    return (
        RecordShare.objects.filter(customer=customer)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("user", "team")
    )

"""Reads of identity, scoped by the acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from cashloop.identity.models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The acting user's own tokens: nobody sees another person's tokens."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def user_list(*, user: User, action: str = "view") -> QuerySet[User]:
    return User.objects.restrict(user, action).filter(is_active=True).select_related("team")

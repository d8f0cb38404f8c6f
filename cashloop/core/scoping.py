"""Data scoping: the one place that decides which rows a user may see or touch.

Every business model's manager is built from `ScopedQuerySet`, and every selector and
service reaches rows through `Model.objects.restrict(user, action)`.  The user answers
two questions (identity implements them): which data scope a role grants it for this
action on this object type (`own`, `team`, `all`, or nothing), and which teams its team
scope covers (its own team and every team below it).

A model says how its rows relate to people with two class attributes:

* `scope_owner_field`: path to the owning user (`"owner"`, `"customer__owner"`).
* `scope_team_field`: path to the owning team (`"team"`, `"customer__team"`).
* `scope_unowned_actions` (optional): actions for which rows without an owner are within
  every scope, such as claiming a customer from the public pool.  Other actions are not
  widened: a rep may claim a pool customer without being able to open its invoices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from cashloop.core.errors import CoreError, DomainError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Collection

OWN, TEAM, ALL = "own", "team", "all"
SCOPE_ORDER = {OWN: 1, TEAM: 2, ALL: 3}

_M = TypeVar("_M", bound=models.Model)


class ScopedUser(Protocol):
    pk: Any

    @property
    def is_authenticated(self) -> bool: ...

    def data_scope(self, object_type: str, action: str) -> str | None: ...

    def scope_team_ids(self) -> Collection[int]: ...


def object_type_of(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that can narrow itself to what a user may do."""

    def restrict(self, user: ScopedUser | None, action: str = "view") -> ScopedQuerySet[_M]:
        if user is None or not user.is_authenticated:
            return self.none()
        scope = user.data_scope(object_type_of(self.model), action)
        if scope is None:
            return self.none()
        if scope == ALL:
            return self
        owner_field = getattr(self.model, "scope_owner_field", None)
        team_field = getattr(self.model, "scope_team_field", None)
        # Team scope also keeps the user's own records, even ones filed under another team.
        condition = models.Q()
        if team_field is not None and scope == TEAM:
            condition |= models.Q(**{f"{team_field}__in": list(user.scope_team_ids())})
        if owner_field is not None:
            condition |= models.Q(**{owner_field: user.pk})
            if action in getattr(self.model, "scope_unowned_actions", ()):
                condition |= models.Q(**{f"{owner_field}__isnull": True})
        return self.filter(condition) if condition else self.none()


def require(user: ScopedUser | None, action: str, model: type[models.Model]) -> str:
    """Raise `permission.denied` unless some role grants `action` on `model`; return the scope."""
    if user is None or not user.is_authenticated:
        raise DomainError(CoreError.NOT_AUTHENTICATED)
    scope = user.data_scope(object_type_of(model), action)
    if scope is None:
        raise DomainError(CoreError.PERMISSION_DENIED)
    return scope


def may(user: ScopedUser | None, action: str, model: type[models.Model]) -> bool:
    """Whether some role grants `action` on `model`: `require` as a yes or no, for showing
    a button or a section only to those who could use it."""
    try:
        require(user, action, model)
    except DomainError:
        return False
    return True


def get_scoped(
    queryset: ScopedQuerySet[_M],
    *,
    user: ScopedUser,
    action: str,
    pk: Any,
    lock: bool = False,
    not_found: ErrorCode = CoreError.NOT_FOUND,
) -> _M:
    """Fetch one row the user may act on, or raise 403 (no right at all) / 404 (not in scope).

    A row outside the user's scope answers 404 rather than 403 so that ids do not reveal
    whether a record exists.
    """
    require(user, action, queryset.model)
    qs = queryset.restrict(user, action)
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise DomainError(not_found) from None

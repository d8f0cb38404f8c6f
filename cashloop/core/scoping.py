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
* `scope_customer_field` (optional): path to the customer a row hangs off (`"customer"`,
  `"pk"` on Customer).  A customer shared with the user (identity's record shares,
  decision 034) widens the scope to it and to every such row.

Rows fetched through `restrict()` also obey the user's field rules (decision 034): a
masked or hidden field is replaced on the instance before anyone reads it, and saving
such an instance cannot write the placeholder back (see `cashloop.core.fieldrules`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from cashloop.core.errors import CoreError, DomainError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Collection

# TEAM covers the user's team and every team below it; TEAM_ONLY the user's team alone.
OWN, TEAM_ONLY, TEAM, ALL = "own", "team_only", "team", "all"
SCOPE_ORDER = {OWN: 1, TEAM_ONLY: 2, TEAM: 3, ALL: 4}
# Actions a read share widens, and the further ones a read-write share widens.
SHARE_READ_ACTIONS = ("view", "export")
SHARE_WRITE_ACTIONS = ("view", "export", "change", "add")

_M = TypeVar("_M", bound=models.Model)


class ScopedUser(Protocol):
    pk: Any

    @property
    def is_authenticated(self) -> bool: ...

    def data_scope(self, object_type: str, action: str) -> str | None: ...

    def scope_team_ids(self, subteams: bool = True) -> Collection[int]: ...


def object_type_of(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


class FieldRuleIterable(models.query.ModelIterable):
    """Model instances with the reading user's field rules applied as they are built."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        from cashloop.core.fieldrules import apply_field_rules

        user = self.queryset._field_rule_user
        for obj in super().__iter__():
            apply_field_rules(user, obj)
            yield obj


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that can narrow itself to what a user may do."""

    _field_rule_user: Any = None

    def _clone(self) -> ScopedQuerySet[_M]:
        clone = super()._clone()  # type: ignore[misc]
        clone._field_rule_user = self._field_rule_user
        return clone  # type: ignore[no-any-return]

    def _prefetch_related_objects(self) -> None:
        super()._prefetch_related_objects()  # type: ignore[misc]
        user = self._field_rule_user
        if user is None or self._iterable_class is not FieldRuleIterable:
            return
        from cashloop.core.fieldrules import apply_field_rules

        # Rows prefetched with these (a customer's contacts) obey their own type's rules.
        for obj in self._result_cache or ():
            for related in getattr(obj, "_prefetched_objects_cache", {}).values():
                for row in related:
                    if isinstance(row, models.Model) and hasattr(
                        type(row)._default_manager, "restrict"
                    ):
                        apply_field_rules(user, row)

    def restrict(self, user: ScopedUser | None, action: str = "view") -> ScopedQuerySet[_M]:
        if user is None or not user.is_authenticated:
            return self.none()
        scope = user.data_scope(object_type_of(self.model), action)
        if scope is None:
            return self.none()
        qs = self._with_field_rules(user)
        if scope == ALL:
            return qs
        owner_field = getattr(self.model, "scope_owner_field", None)
        team_field = getattr(self.model, "scope_team_field", None)
        # Team scope also keeps the user's own records, even ones filed under another team.
        condition = models.Q()
        if team_field is not None and scope in (TEAM, TEAM_ONLY):
            teams = user.scope_team_ids(subteams=scope == TEAM)
            condition |= models.Q(**{f"{team_field}__in": list(teams)})
        if owner_field is not None:
            condition |= models.Q(**{owner_field: user.pk})
            if action in getattr(self.model, "scope_unowned_actions", ()):
                condition |= models.Q(**{f"{owner_field}__isnull": True})
        condition |= self._shared_condition(user, action)
        return qs.filter(condition) if condition else qs.none()

    def _with_field_rules(self, user: ScopedUser) -> ScopedQuerySet[_M]:
        qs = self._chain()  # type: ignore[attr-defined]
        qs._field_rule_user = user
        if qs._iterable_class is models.query.ModelIterable:
            qs._iterable_class = FieldRuleIterable
        return qs  # type: ignore[no-any-return]

    def _shared_condition(self, user: ScopedUser, action: str) -> models.Q:
        """Rows hanging off customers shared with the user, for the actions shares widen."""
        customer_field = getattr(self.model, "scope_customer_field", None)
        shared = getattr(user, "shared_customer_ids", None)
        if customer_field is None or shared is None or action not in SHARE_WRITE_ACTIONS:
            return models.Q()
        ids = shared(write=action not in SHARE_READ_ACTIONS)
        return models.Q(**{f"{customer_field}__in": ids})


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


def may_on(user: ScopedUser | None, action: str, row: models.Model) -> bool:
    """Whether `user` may `action` this very row: some role grants it, and the row is
    within that role's scope (or shared).  For buttons on a record's own page."""
    model = type(row)
    scoped = model._default_manager.restrict(user, action)  # type: ignore[attr-defined]
    return bool(scoped.filter(pk=row.pk).exists())


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

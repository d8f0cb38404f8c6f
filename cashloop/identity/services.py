"""Writes of identity: users, teams, roles, record shares, API tokens, the first admin."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.fieldrules import SHOW
from cashloop.core.models import AuditAction
from cashloop.core.scoping import ALL, TEAM, get_scoped, require
from cashloop.identity import permissions
from cashloop.identity.errors import IdentityError
from cashloop.identity.models import (
    ApiToken,
    DataScope,
    RecordShare,
    Role,
    ShareAccess,
    Team,
    TokenScope,
    User,
)
from cashloop.identity.roles import BUILTIN_ROLES
from cashloop.identity.tokens import token_generate

TOKEN_MAX_DAYS = 365


@transaction.atomic
def team_create(
    *, actor: User | None, name: str, parent: Team | None = None, manager: User | None = None
) -> Team:
    team = Team(name=name, parent=parent, manager=manager)
    full_clean_or_raise(team, validate_unique=True)
    team.save()
    audit_record(actor=actor, instance=team, action=AuditAction.CREATE)
    return team


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    display_name: str = "",
    email: str = "",
    team: Team | None = None,
    role_codes: list[str] | tuple[str, ...] = (),
    password: str | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a user; without a password the account cannot sign in until one is set."""
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(IdentityError.USERNAME_TAKEN)
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        team=team,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    full_clean_or_raise(user, validate_unique=True)
    user.save()
    if role_codes:
        user.roles.set(Role.objects.filter(code__in=role_codes))
    audit_record(actor=actor, instance=user, action=AuditAction.CREATE)
    return user


def admin_account_create(*, username: str = "admin") -> tuple[User, str] | None:
    """Create the first administrator with a generated password, unless an admin exists.

    Returns the user and the password (to be shown once), or None when an administrator
    is already there.  No fixed default password exists anywhere.
    """
    if User.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = user_create(
        actor=None,
        username=username,
        role_codes=["admin"],
        password=password,
        is_superuser=True,
    )
    return user, password


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, scope: str = TokenScope.READ, expires_in_days: int = 90
) -> tuple[ApiToken, str]:
    """Create a token for the acting user; the full token is returned once and never stored."""
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise DomainError(IdentityError.TOKEN_EXPIRY_INVALID, max_days=TOKEN_MAX_DAYS)
    token, prefix, digest = token_generate()
    api_token = ApiToken(
        user=actor,
        name=name,
        scope=scope,
        prefix=prefix,
        token_hash=digest,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    full_clean_or_raise(api_token)
    api_token.save()
    audit_record(actor=actor, instance=api_token, action=AuditAction.CREATE)
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the acting user's own tokens (revoking twice changes nothing)."""
    api_token = ApiToken.objects.select_for_update().filter(user=actor, pk=token_id).first()
    if api_token is None:
        raise DomainError(IdentityError.TOKEN_NOT_FOUND)
    if api_token.revoked_at is None:
        before = audit_snapshot(api_token)
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, instance=api_token, action=AuditAction.UPDATE, before=before)
    return api_token


# --- Roles (decision 034) -------------------------------------------------------------

ROLE_FIELDS = frozenset({"name", "data_scope", "grants", "field_rules"})


def _grants_clean(grants: Mapping[str, Any]) -> dict[str, list[str]]:
    """Known object types and actions only, each list de-duplicated in registry order."""
    if not isinstance(grants, Mapping):
        raise DomainError(IdentityError.ROLE_GRANT_UNKNOWN, object_type="?", action="?")
    clean: dict[str, list[str]] = {}
    for object_type, actions in grants.items():
        if not isinstance(actions, list | tuple):
            raise DomainError(IdentityError.ROLE_GRANT_UNKNOWN, object_type=object_type, action="?")
        for action in actions:
            if not permissions.is_known(object_type, action):
                raise DomainError(
                    IdentityError.ROLE_GRANT_UNKNOWN,
                    object_type=object_type,
                    action=action,
                    details={"object_type": object_type, "action": action},
                )
        if actions:
            clean[object_type] = list(dict.fromkeys(actions))
    return clean


def _field_rules_clean(rules: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Known fields with a rule they can take; `show` is the default and is not stored."""
    clean: dict[str, dict[str, str]] = {}
    for object_type, fields in (rules or {}).items():
        allowed = {f.name: f.rules for f in permissions.ruled_fields(object_type)}
        for field, rule in (fields or {}).items():
            if rule == SHOW:
                continue
            if rule not in allowed.get(field, ()):
                raise DomainError(
                    IdentityError.ROLE_FIELD_RULE_INVALID,
                    object_type=object_type,
                    field=field,
                    rule=rule,
                    details={"object_type": object_type, "field": field, "rule": rule},
                )
            clean.setdefault(object_type, {})[field] = rule
    return clean


def _role_admin_ids() -> list[int]:
    return [role.pk for role in Role.objects.all() if role.allows(*permissions.ROLE_ADMIN)]


def _refuse_lockout() -> None:
    """Refuse (rolling back the caller's transaction) when nobody active could manage roles."""
    admins = User.objects.filter(is_active=True).filter(
        models.Q(is_superuser=True) | models.Q(roles__in=_role_admin_ids())
    )
    if not admins.exists():
        raise DomainError(IdentityError.LAST_ADMIN)


def _role_for_change(*, actor: User, role_id: int) -> Role:
    require(actor, "manage", Role)
    role = Role.objects.select_for_update().filter(pk=role_id).first()
    if role is None:
        raise DomainError(IdentityError.ROLE_NOT_FOUND)
    return role


@transaction.atomic
def role_create(
    *,
    actor: User,
    code: str,
    name: str,
    data_scope: str = DataScope.OWN,
    grants: Mapping[str, Any] | None = None,
    field_rules: Mapping[str, Any] | None = None,
) -> Role:
    require(actor, "manage", Role)
    if Role.objects.filter(code=code).exists():
        raise DomainError(IdentityError.ROLE_CODE_TAKEN, code=code)
    role = Role(
        code=code,
        name=name,
        data_scope=data_scope,
        grants=_grants_clean(grants or {}),
        field_rules=_field_rules_clean(field_rules or {}),
    )
    full_clean_or_raise(role, validate_unique=True)
    role.save()
    audit_record(actor=actor, instance=role, action=AuditAction.CREATE)
    return role


@transaction.atomic
def role_update(*, actor: User, role_id: int, changes: Mapping[str, Any]) -> Role:
    """Change a role (built-in ones too); refused when it would lock every admin out."""
    for field in changes:
        if field not in ROLE_FIELDS:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})
    role = _role_for_change(actor=actor, role_id=role_id)
    before = audit_snapshot(role)
    if "name" in changes:
        role.name = changes["name"]
    if "data_scope" in changes:
        role.data_scope = changes["data_scope"]
    if "grants" in changes:
        role.grants = _grants_clean(changes["grants"])
    if "field_rules" in changes:
        role.field_rules = _field_rules_clean(changes["field_rules"])
    full_clean_or_raise(role)
    role.save()
    _refuse_lockout()
    audit_record(actor=actor, instance=role, action=AuditAction.UPDATE, before=before)
    return role


@transaction.atomic
def role_delete(*, actor: User, role_id: int) -> None:
    """Delete a role an admin made (its holders lose it); built-in roles stay."""
    role = _role_for_change(actor=actor, role_id=role_id)
    if role.code in BUILTIN_ROLES:
        raise DomainError(IdentityError.ROLE_BUILTIN)
    audit_record(actor=actor, instance=role, action=AuditAction.DELETE)
    role.delete()
    _refuse_lockout()


def _user_for_change(*, actor: User, user_id: int) -> User:
    require(actor, "manage", Role)
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise DomainError(IdentityError.USER_NOT_FOUND)
    return user


@transaction.atomic
def user_roles_set(*, actor: User, user_id: int, role_ids: Collection[int]) -> User:
    """Give a user exactly these roles (several add up)."""
    user = _user_for_change(actor=actor, user_id=user_id)
    roles = list(Role.objects.filter(pk__in=list(role_ids)))
    if len(roles) != len(set(role_ids)):
        raise DomainError(IdentityError.ROLE_NOT_FOUND)
    before = audit_snapshot(user)
    user.roles.set(roles)
    _refuse_lockout()
    audit_record(actor=actor, instance=user, action=AuditAction.UPDATE, before=before)
    return user


@transaction.atomic
def user_set_active(*, actor: User, user_id: int, is_active: bool) -> User:
    user = _user_for_change(actor=actor, user_id=user_id)
    before = audit_snapshot(user)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    _refuse_lockout()
    audit_record(actor=actor, instance=user, action=AuditAction.UPDATE, before=before)
    return user


# --- Record shares (decision 034) -----------------------------------------------------


def share_allowed(actor: User, customer: Any) -> bool:
    """Owner, a manager whose team scope covers it, or an all-scope user; not a recipient."""
    scope = actor.data_scope("customers.customer", "change")
    if scope == ALL or customer.owner_id == actor.pk:
        return True
    if scope is None or customer.team_id is None:
        return False
    return customer.team_id in actor.scope_team_ids(subteams=scope == TEAM)


def _customer_to_share(*, actor: User, customer_id: int) -> Any:
    from cashloop.customers.models import Customer  # customers builds on identity

    customer: Customer = get_scoped(
        Customer.objects.all(), user=actor, action="view", pk=customer_id
    )
    if not share_allowed(actor, customer):
        raise DomainError(IdentityError.SHARE_NOT_ALLOWED)
    return customer


@transaction.atomic
def share_create(
    *,
    actor: User,
    customer_id: int,
    user_id: int | None = None,
    team_id: int | None = None,
    access: str = ShareAccess.READ,
    expires_at: datetime | None = None,
) -> RecordShare:
    """Share one customer and what hangs off it with one user or one team."""
    # Who may share comes first: a refusal must not depend on how the rest was filled in.
    customer = _customer_to_share(actor=actor, customer_id=customer_id)
    if (user_id is None) == (team_id is None):
        raise DomainError(IdentityError.SHARE_TARGET_INVALID)
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(IdentityError.SHARE_EXPIRY_PAST)
    user = team = None
    if user_id is not None:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise DomainError(IdentityError.USER_NOT_FOUND)
    elif team_id is not None:
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise DomainError(IdentityError.SHARE_TARGET_INVALID)
    share = RecordShare(
        customer=customer,
        user=user,
        team=team,
        access=access,
        expires_at=expires_at,
        created_by=actor,
    )
    full_clean_or_raise(share)
    share.save()
    audit_record(actor=actor, instance=share, action=AuditAction.CREATE)
    return share


@transaction.atomic
def share_delete(*, actor: User, share_id: int) -> None:
    share = RecordShare.objects.select_for_update().filter(pk=share_id).first()
    if share is None:
        raise DomainError(IdentityError.SHARE_NOT_FOUND)
    _customer_to_share(actor=actor, customer_id=share.customer_id)
    audit_record(actor=actor, instance=share, action=AuditAction.DELETE)
    share.delete()

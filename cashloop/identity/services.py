"""Writes of identity: users, teams, API tokens, and the first admin account."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.identity.errors import IdentityError
from cashloop.identity.models import ApiToken, Role, Team, TokenScope, User
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

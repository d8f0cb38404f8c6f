"""Users, teams (a tree), roles with grants and data scope, and API tokens."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cashloop.core.fieldrules import FIELD_RULE_ORDER, HIDE, SHOW
from cashloop.core.scoping import ALL, OWN, SCOPE_ORDER, TEAM, TEAM_ONLY, ScopedQuerySet
from cashloop.identity.roles import BUILTIN_ROLES


class DataScope(models.TextChoices):
    OWN = OWN, _("Own records")
    TEAM_ONLY = TEAM_ONLY, _("Own team only")
    TEAM = TEAM, _("Team and sub-teams")
    ALL = ALL, _("All records")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        "identity.User",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> list[int]:
        """This team's id and those of every team below it (breadth-first, one query a level)."""
        ids, level = [self.pk], [self.pk]
        while level:
            level = list(Team.objects.filter(parent_id__in=level).values_list("pk", flat=True))
            ids.extend(level)
        return ids


def _untranslated(name: Any) -> str:
    with translation.override("en"):
        return str(name)


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    data_scope = models.CharField(
        _("data scope"), max_length=10, choices=DataScope.choices, default=DataScope.OWN
    )
    grants = models.JSONField(_("grants"), default=dict, blank=True)
    # {object type: {field name: "mask" | "hide"}}; a field not named is shown.
    field_rules = models.JSONField(_("field rules"), default=dict, blank=True)
    # What the role migrations last installed from roles.py (built-in roles only), so a
    # later install adds only what roles.py gained and never undoes an admin's edit.
    installed_grants = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        # A built-in role shows its translated name until an admin renames it.
        builtin = BUILTIN_ROLES.get(self.code)
        if builtin and self.name == _untranslated(builtin["name"]):
            return str(builtin["name"])
        return self.name

    def allows(self, object_type: str, action: str) -> bool:
        for key in (object_type, "*"):
            actions = self.grants.get(key, ())
            if action in actions or "*" in actions:
                return True
        return False


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user ...) with `restrict()` on its querysets."""


class User(AbstractUser):
    """A person who signs in.  Customers belong to the company; users only own them for now."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")

    objects = ScopedUserManager()  # type: ignore[misc]  # Django's own pattern for users

    scope_owner_field = "pk"
    scope_team_field = "team"
    audit_exclude = ("password", "last_login")
    audit_m2m = ("roles",)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def _roles(self) -> list[Role]:
        return list(self.roles.all())

    def data_scope(self, object_type: str, action: str) -> str | None:
        """The widest data scope any of the user's roles grants for `action` on `object_type`."""
        if not self.is_active:
            return None
        if self.is_superuser:
            return ALL
        scopes = [r.data_scope for r in self._roles if r.allows(object_type, action)]
        return max(scopes, key=SCOPE_ORDER.__getitem__) if scopes else None

    @cached_property
    def _team_ids(self) -> list[int]:
        return self.team.subtree_ids() if self.team is not None else []

    def scope_team_ids(self, subteams: bool = True) -> Collection[int]:
        if not subteams:
            return [self.team_id] if self.team_id is not None else []
        return self._team_ids

    def shared_customer_ids(self, write: bool = False) -> models.QuerySet[RecordShare, Any]:
        """Ids of customers shared, unexpired, with the user or the user's team; `write`
        keeps only read-write shares.  A subquery, not a list: `restrict()` pays no extra
        query, and a share made or expired counts at once."""
        who = models.Q(user=self)
        if self.team_id is not None:
            who |= models.Q(team_id=self.team_id)
        shares = RecordShare.objects.filter(who).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )
        if write:
            shares = shares.filter(access=ShareAccess.READ_WRITE)
        return shares.values("customer_id")

    def field_rule(self, object_type: str, field: str) -> str:
        """How this user sees `field` of `object_type`: `show`, `mask` or `hide`.

        Roles add up: the most open rule among the roles that let the user see the object
        type at all wins, so one role hiding a field does not take it from another that
        shows it.
        """
        if self.is_superuser:
            return SHOW
        rules = [
            r.field_rules.get(object_type, {}).get(field, SHOW)
            for r in self._roles
            if r.allows(object_type, "view")
        ]
        return min(rules, key=FIELD_RULE_ORDER.__getitem__) if rules else HIDE

    def field_rules_for(self, object_type: str) -> dict[str, str]:
        """Every field of `object_type` this user does not see whole, with its rule."""
        cache = self.__dict__.setdefault("_field_rules_cache", {})
        if object_type not in cache:
            named = {f for r in self._roles for f in r.field_rules.get(object_type, {})}
            rules = {f: self.field_rule(object_type, f) for f in sorted(named)}
            cache[object_type] = {f: rule for f, rule in rules.items() if rule != SHOW}
        return cache[object_type]

    def role_codes(self) -> list[str]:
        return sorted(r.code for r in self._roles)


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token a user made for their own scripts; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    scope_owner_field = "user"
    audit_exclude = ("token_hash", "last_used_at")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ShareAccess(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read_write", _("Read and write")


class RecordShare(models.Model):
    """One customer (and what hangs off it) shared with a user or a team (decision 034)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="shares",
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shares_received",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shares_received",
    )
    access = models.CharField(
        _("access"), max_length=10, choices=ShareAccess.choices, default=ShareAccess.READ
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("shared by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("record share")
        verbose_name_plural = _("record shares")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="recordshare_user_xor_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.user or self.team}"

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()

"""Documents in a folder tree (pages or files, with versions), their links, and announcements.

Who sees a folder or document (decision 035): a folder is visible when its parent is (a
root folder always is) and it either inherits (`Access.INHERIT`) or lists one of the
user's teams (or a team above it) or roles; a document likewise within its folder.  So a
rule can only narrow what its folder allows, and a document in a folder one cannot see is
never visible.  The owner always sees their own; whoever holds `manage` on the type sees
everything.  Both querysets answer this through the usual `restrict(user, action)`; writes
other than viewing are further limited by the role's data scope (owner / team / all).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashloop.core.scoping import ScopedQuerySet, ScopedUser, object_type_of
from cashloop.knowledge.choices import Access, Audience, DocumentKind

TAG_MAX_LENGTH = 50


def team_ancestor_ids(user: Any) -> list[int]:
    """The user's team and every team above it: a rule listing any of them covers the user."""
    from cashloop.identity.models import Team

    # Kept on the user for the request, as identity keeps the team's subtree.
    cached = user.__dict__.get("_knowledge_team_ancestors")
    if cached is not None:
        return cached
    team_id = getattr(user, "team_id", None)
    ids: list[int] = []
    if team_id is not None:
        parents = dict(Team.objects.values_list("pk", "parent_id"))  # one query; teams are few
        while team_id is not None and team_id not in ids:
            ids.append(team_id)
            team_id = parents.get(team_id)
    user.__dict__["_knowledge_team_ancestors"] = ids
    return ids


def _role_codes(user: Any) -> list[str]:
    return list(user.role_codes())  # the user's roles are read once per request


class _AccessQuerySet(ScopedQuerySet):
    """`restrict()` that also applies the folder tree's access rules (see the module doc)."""

    def restrict(self, user: ScopedUser | None, action: str = "view") -> Any:
        if user is None or not user.is_authenticated:
            return self.none()
        object_type = object_type_of(self.model)
        if user.data_scope(object_type, action) is None:
            return self.none()
        # Viewing follows the access rules alone; other actions also the role's data scope.
        qs = self if action == "view" else super().restrict(user, action)
        if user.data_scope(object_type, "manage") is not None:
            return qs
        return qs.filter(self._visible(user))

    def _visible(self, user: Any) -> models.Q:
        raise NotImplementedError


def visible_folder_ids(user: Any) -> set[int]:
    """Ids of the folders the user may see, walking the whole tree once (folders are few)."""
    folders = {f.pk: f for f in Folder.objects.only("pk", "parent_id", "access", "owner_id")}
    listed_teams: dict[int, set[int]] = {}
    listed_roles: dict[int, set[str]] = {}
    team_ids: set[int] = set()
    role_codes: set[str] = set()
    if any(f.access == Access.LISTED for f in folders.values()):
        team_ids = set(team_ancestor_ids(user))
        role_codes = set(_role_codes(user))
        teams = Folder.teams.through.objects.values_list("folder_id", "team_id")
        for folder_id, team_id in teams:
            listed_teams.setdefault(folder_id, set()).add(team_id)
        roles = Folder.roles.through.objects.values_list("folder_id", "role__code")
        for folder_id, code in roles:
            listed_roles.setdefault(folder_id, set()).add(code)

    def own_rule_lets_in(folder: Folder) -> bool:
        return (
            folder.access == Access.INHERIT
            or folder.owner_id == user.pk
            or bool(listed_teams.get(folder.pk, set()) & team_ids)
            or bool(listed_roles.get(folder.pk, set()) & role_codes)
        )

    verdict: dict[int, bool] = {}

    def visible(folder_id: int) -> bool:
        # Iterative, so that a deep tree cannot exhaust the stack; cycles are refused on write.
        path = []
        current: int | None = folder_id
        while current is not None and current not in verdict and current not in path:
            path.append(current)
            current = folders[current].parent_id
        above = verdict.get(current, True) if current is not None else True
        for pk in reversed(path):
            above = above and own_rule_lets_in(folders[pk])
            verdict[pk] = above
        return verdict[folder_id]

    return {pk for pk in folders if visible(pk)}


class FolderQuerySet(_AccessQuerySet):
    def _visible(self, user: Any) -> models.Q:
        return models.Q(pk__in=visible_folder_ids(user))


class DocumentQuerySet(_AccessQuerySet):
    def _visible(self, user: Any) -> models.Q:
        through_teams = Document.teams.through.objects.filter(team_id__in=team_ancestor_ids(user))
        through_roles = Document.roles.through.objects.filter(role__code__in=_role_codes(user))
        in_folder = models.Q(folder__isnull=True) | models.Q(folder_id__in=visible_folder_ids(user))
        own_rule = (
            models.Q(access=Access.INHERIT)
            | models.Q(pk__in=through_teams.values("document_id"))
            | models.Q(pk__in=through_roles.values("document_id"))
        )
        return models.Q(owner_id=user.pk) | (in_folder & own_rule)


class AccessControlled(models.Model):
    """What folders and documents share: who may see them (decision 035) and who owns them."""

    access = models.CharField(
        _("who may see it"), max_length=10, choices=Access.choices, default=Access.INHERIT
    )
    teams = models.ManyToManyField(
        "identity.Team", verbose_name=_("teams"), blank=True, related_name="+"
    )
    roles = models.ManyToManyField(
        "identity.Role", verbose_name=_("roles"), blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_owner_field = "owner"
    scope_team_field = "team"

    class Meta:
        abstract = True


class Folder(AccessControlled):
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent folder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FolderQuerySet.as_manager()

    audit_m2m = ("teams", "roles")

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "parent", Lower("name"), name="knowledge_folder_unique_name_in_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentTag(models.Model):
    """Tags of documents, apart from customers' tags so that each list stays its own."""

    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH, unique=True)

    class Meta:
        verbose_name = _("document tag")
        verbose_name_plural = _("document tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(AccessControlled):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    folder = models.ForeignKey(
        Folder,
        verbose_name=_("folder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    tags = models.ManyToManyField(
        DocumentTag, verbose_name=_("tags"), blank=True, related_name="documents"
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Title, text and tags cut into words and Chinese bigrams (knowledge.search): what
    # full-text search reads, with a GIN index over it on PostgreSQL.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DocumentQuerySet.as_manager()

    audit_m2m = ("teams", "roles", "tags")
    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["folder", "title"])]

    def __str__(self) -> str:
        return self.title


def version_upload_to(instance: DocumentVersion, filename: str) -> str:
    """A path that never collides and reveals nothing; the user's file name is kept apart."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class DocumentVersion(models.Model):
    """One saved state of a document: the page's HTML, or one uploaded file.  Never changed."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body_html = models.TextField(_("body"), blank=True)
    file = models.FileField(_("file"), upload_to=version_upload_to, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # The version row itself never changes, so its text need not be copied into the trail.
    audit_exclude = ("file", "body_html")

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="knowledge_version_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    @property
    def audit_subject(self) -> Document:
        return self.document


class DocumentLink(models.Model):
    """A document shown on a customer's or an opportunity's page (decision 035: explicit keys)."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="links"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The signed scan of a contract, a milestone's acceptance report (issue #6).
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        verbose_name = _("document link")
        verbose_name_plural = _("document links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        customer__isnull=False, opportunity__isnull=True, contract__isnull=True
                    )
                    | models.Q(
                        customer__isnull=True, opportunity__isnull=False, contract__isnull=True
                    )
                    | models.Q(
                        customer__isnull=True, opportunity__isnull=True, contract__isnull=False
                    )
                ),
                name="knowledge_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["document", "customer"],
                condition=models.Q(customer__isnull=False),
                name="knowledge_link_unique_customer",
            ),
            models.UniqueConstraint(
                fields=["document", "opportunity"],
                condition=models.Q(opportunity__isnull=False),
                name="knowledge_link_unique_opportunity",
            ),
            models.UniqueConstraint(
                fields=["document", "contract"],
                condition=models.Q(contract__isnull=False),
                name="knowledge_link_unique_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.customer or self.opportunity or self.contract}"

    @property
    def audit_subject(self) -> Document:
        # The document's history, not the customer's: a customer's history is read by people
        # who may not see the document, and the row names it.
        return self.document


class AnnouncementQuerySet(ScopedQuerySet):
    def restrict(self, user: ScopedUser | None, action: str = "view") -> Any:
        """Published announcements whose audience holds the user; authors see their own."""
        if user is None or not user.is_authenticated:
            return self.none()
        object_type = object_type_of(self.model)
        if user.data_scope(object_type, action) is None:
            return self.none()
        if user.data_scope(object_type, "manage") is not None:
            return self
        if action != "view":
            return self.filter(author_id=user.pk)
        return self.meant_for(user) | self.filter(author_id=user.pk)

    def meant_for(self, user: Any) -> Any:
        """Published announcements whose audience holds the user (what counts as unread)."""
        audience = models.Q(audience=Audience.ALL) | models.Q(
            pk__in=Announcement.teams.through.objects.filter(
                team_id__in=team_ancestor_ids(user)
            ).values("announcement_id")
        )
        return self.filter(audience, published_at__lte=timezone.now())


class Announcement(models.Model):
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("body"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.ALL
    )
    teams = models.ManyToManyField(
        "identity.Team", verbose_name=_("teams"), blank=True, related_name="+"
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    published_at = models.DateTimeField(_("published"), default=timezone.now, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AnnouncementQuerySet.as_manager()

    scope_owner_field = "author"
    audit_m2m = ("teams",)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class AnnouncementRead(models.Model):
    """A read receipt: the first time a user opened an announcement."""

    announcement = models.ForeignKey(
        Announcement, verbose_name=_("announcement"), on_delete=models.CASCADE, related_name="reads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(_("read"), default=timezone.now)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user"], name="knowledge_read_unique_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.announcement}"

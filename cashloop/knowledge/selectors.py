"""Reads of knowledge, each narrowed to what the acting user may see.

Documents and folders follow the folder tree's access rules (see models); announcements
their audience.  Lists prefetch what their pages and the API show, so they cost a fixed
number of queries however many rows they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.scoping import get_scoped, may, may_on
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.knowledge.choices import Audience
from cashloop.knowledge.errors import AnnouncementError, DocumentError
from cashloop.knowledge.models import (
    Announcement,
    AnnouncementRead,
    Document,
    DocumentLink,
    DocumentVersion,
    Folder,
)
from cashloop.knowledge.search import search_filter
from cashloop.sales.models import Opportunity


def folder_list(*, user: Any) -> QuerySet[Folder]:
    return Folder.objects.restrict(user, "view").order_by("name", "pk")


@dataclass
class FolderNode:
    folder: Folder
    depth: int


def folder_tree(*, user: Any) -> list[FolderNode]:
    """The visible folders in tree order (parents before children), with their depth."""
    folders = list(folder_list(user=user))
    by_parent: dict[int | None, list[Folder]] = {}
    for folder in folders:
        by_parent.setdefault(folder.parent_id, []).append(folder)
    nodes: list[FolderNode] = []
    stack = [(f, 0) for f in reversed(by_parent.get(None, []))]
    while stack:
        folder, depth = stack.pop()
        nodes.append(FolderNode(folder, depth))
        stack.extend((child, depth + 1) for child in reversed(by_parent.get(folder.pk, [])))
    return nodes


def folder_get(*, user: Any, folder_id: int) -> Folder:
    return get_scoped(
        Folder.objects.prefetch_related("teams", "roles"),
        user=user,
        action="view",
        pk=folder_id,
        not_found=DocumentError.FOLDER_NOT_FOUND,
    )


def folder_path(*, folder: Folder | None) -> list[Folder]:
    """The folders from the root down to `folder` (for breadcrumbs)."""
    path: list[Folder] = []
    while folder is not None:
        path.insert(0, folder)
        folder = folder.parent
    return path


def document_list(
    *,
    user: Any,
    q: str = "",
    folder_id: int | None = None,
    tag: str = "",
    customer_id: int | None = None,
    opportunity_id: int | None = None,
) -> QuerySet[Document]:
    qs = Document.objects.restrict(user, "view").select_related(
        "owner", "folder", "current_version"
    )
    if folder_id is not None:
        qs = qs.filter(folder_id=folder_id)
    if tag:
        qs = qs.filter(tags__name=tag)
    if customer_id is not None:
        qs = qs.filter(links__customer_id=customer_id)
    if opportunity_id is not None:
        qs = qs.filter(links__opportunity_id=opportunity_id)
    if q:
        qs = search_filter(qs, q)
    return qs.prefetch_related("tags").order_by("-updated_at", "-pk")


def document_get(*, user: Any, document_id: int) -> Document:
    return get_scoped(
        Document.objects.select_related("owner", "folder", "current_version").prefetch_related(
            "tags", "teams", "roles"
        ),
        user=user,
        action="view",
        pk=document_id,
        not_found=DocumentError.NOT_FOUND,
    )


def document_can_change(*, user: Any, document: Document) -> bool:
    return may_on(user, "change", document)


def version_list(*, document: Document) -> QuerySet[DocumentVersion]:
    """A document's versions, newest first (the caller has fetched the document scoped)."""
    return document.versions.select_related("created_by").order_by("-number")


def version_get(*, user: Any, document_id: int, number: int | None = None) -> DocumentVersion:
    """One version of a document the user may see; without a number, the current one."""
    document = document_get(user=user, document_id=document_id)
    if number is None:
        version = document.current_version
    else:
        version = document.versions.filter(number=number).first()
    if version is None:
        raise DomainError(DocumentError.VERSION_NOT_FOUND)
    return version


def link_list(
    *,
    user: Any,
    customer_id: int | None = None,
    opportunity_id: int | None = None,
    contract_id: int | None = None,
    visible: QuerySet[Document] | None = None,
) -> QuerySet[DocumentLink]:
    """Links on a customer or opportunity, to documents the user may see (`visible`, when
    the caller has that queryset already, saves working it out twice)."""
    if visible is None:
        visible = Document.objects.restrict(user, "view")
    qs = DocumentLink.objects.filter(document__in=visible.values("pk")).select_related(
        "document", "document__current_version", "created_by"
    )
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    if contract_id is not None:
        qs = qs.filter(contract_id=contract_id)
    return qs.order_by("document__title", "pk")


def document_links(*, user: Any, document: Document) -> list[DocumentLink]:
    """Where a document is linked, keeping only the customers, opportunities and contracts
    the user sees."""
    from cashloop.contracts.models import Contract

    customers = Customer.objects.restrict(user, "view")
    opportunities = Opportunity.objects.restrict(user, "view")
    contracts = Contract.objects.restrict(user, "view")
    return list(
        document.links.filter(
            Q(customer__in=customers) | Q(opportunity__in=opportunities) | Q(contract__in=contracts)
        )
        .select_related("customer", "opportunity", "contract")
        .order_by("-created_at", "-pk")
    )


def announcement_list(*, user: Any) -> QuerySet[Announcement]:
    """Announcements for the user, pinned first, each with `is_read` for this user."""
    read = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user_id=user.pk)
    return (
        Announcement.objects.restrict(user, "view")
        .select_related("author")
        .annotate(is_read=Exists(read))
        .order_by("-pinned", "-published_at", "-pk")
    )


def announcement_unread_count(*, user: Any) -> int:
    """Unread announcements meant for the user (an admin's view of all others' is not)."""
    return _for_me(user).filter(is_read=False).count()


def _for_me(user: Any) -> QuerySet[Announcement]:
    meant = Announcement.objects.meant_for(user).values("pk")
    return announcement_list(user=user).filter(pk__in=meant)


def announcement_get(*, user: Any, announcement_id: int, action: str = "view") -> Announcement:
    return get_scoped(
        Announcement.objects.select_related("author").prefetch_related("teams"),
        user=user,
        action=action,
        pk=announcement_id,
        not_found=AnnouncementError.NOT_FOUND,
    )


def announcement_can_see_readers(*, user: Any, announcement: Announcement) -> bool:
    """The author and whoever manages announcements may see who has read one."""
    return announcement.author_id == user.pk or may(user, "manage", Announcement)


def announcement_audience(*, announcement: Announcement) -> QuerySet[User]:
    """The active users an announcement is meant for."""
    users = User.objects.filter(is_active=True)
    if announcement.audience == Audience.ALL:
        return users
    team_ids: list[int] = []
    for team in announcement.teams.all():
        team_ids.extend(team.subtree_ids())
    return users.filter(team_id__in=team_ids)


def announcement_unread_by(*, user: Any, announcement: Announcement) -> QuerySet[User]:
    """Who in the audience has not opened it yet (for its author and admins only)."""
    if not announcement_can_see_readers(user=user, announcement=announcement):
        raise DomainError(CoreError.PERMISSION_DENIED)
    readers = AnnouncementRead.objects.filter(announcement=announcement).values("user_id")
    return (
        announcement_audience(announcement=announcement)
        .exclude(pk__in=readers)
        .select_related("team")
        .order_by("team__name", "username")
    )


def announcement_reads(*, announcement: Announcement) -> QuerySet[AnnouncementRead]:
    return announcement.reads.select_related("user").order_by("read_at")


def pinned_announcements(*, user: Any, limit: int = 5) -> list[Announcement]:
    """For the dashboard: pinned ones and those not read yet, pinned first."""
    return list(_for_me(user).filter(Q(pinned=True) | Q(is_read=False))[:limit])

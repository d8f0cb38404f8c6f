"""Writes of knowledge: folders, documents and their versions, links, announcements.

Every write checks the actor's grant with `require`, reaches rows through
`restrict(actor, action)` (so a folder or document the actor cannot see answers as if it
did not exist), and records its audit row in the same transaction.  Uploaded files are
checked by their content, not their name, before anything is stored; a refused upload
stores nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import filetype
import nh3
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from cashloop.contracts.models import Contract
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.scoping import get_scoped, require
from cashloop.customers.models import Customer
from cashloop.identity.models import Role, Team, User
from cashloop.knowledge.choices import Access, Audience, DocumentKind
from cashloop.knowledge.errors import AnnouncementError, DocumentError
from cashloop.knowledge.models import (
    TAG_MAX_LENGTH,
    Announcement,
    AnnouncementRead,
    Document,
    DocumentLink,
    DocumentTag,
    DocumentVersion,
    Folder,
)
from cashloop.knowledge.search import html_text, search_text_for
from cashloop.sales.models import Opportunity

# What may be uploaded, by the type its content shows; the name's extension must agree.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/webp": ("webp",),
}
# filetype reads Office files' zip directory; 8 KiB holds it for the files people upload.
SNIFF_BYTES = 8192

FOLDER_FIELDS = frozenset({"name", "parent_id", "access", "team_ids", "role_ids"})
DOCUMENT_FIELDS = frozenset(
    {"title", "folder_id", "access", "team_ids", "role_ids", "tags", "body_html"}
)


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for field in changes:
        if field not in allowed:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})


def sanitize_html(body_html: str) -> str:
    """Rich text as it may be shown: scripts, styles, event handlers and the like removed."""
    return nh3.clean(body_html or "")


def upload_limit_bytes() -> int:
    return int(settings.CASHLOOP_UPLOAD_MAX_BYTES)


def _checked_file(upload: UploadedFile) -> str:
    """The content type of an acceptable upload, or the refusal (nothing stored yet)."""
    size = upload.size or 0
    if size == 0:
        raise DomainError(DocumentError.FILE_EMPTY, details={"field": "file"})
    if size > upload_limit_bytes():
        raise DomainError(
            DocumentError.FILE_TOO_LARGE,
            limit=filesizeformat(upload_limit_bytes()),
            details={"field": "file", "size": size, "limit": upload_limit_bytes()},
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if mime not in ALLOWED_TYPES or extension not in ALLOWED_TYPES[mime]:
        raise DomainError(
            DocumentError.FILE_TYPE_FORBIDDEN,
            details={"field": "file", "detected": mime or None, "extension": extension},
        )
    return mime


def _teams(team_ids: Collection[int], error: Any) -> list[Team]:
    teams = list(Team.objects.filter(pk__in=set(team_ids)))
    missing = set(team_ids) - {t.pk for t in teams}
    if missing:
        first = min(missing)
        raise DomainError(error, team_id=first, details={"field": "team_ids", "team_id": first})
    return teams


def _roles(role_ids: Collection[int]) -> list[Role]:
    roles = list(Role.objects.filter(pk__in=set(role_ids)))
    missing = set(role_ids) - {r.pk for r in roles}
    if missing:
        first = min(missing)
        raise DomainError(
            DocumentError.UNKNOWN_ROLE,
            role_id=first,
            details={"field": "role_ids", "role_id": first},
        )
    return roles


def _access_set(
    target: Folder | Document, *, access: str, team_ids: Collection[int], role_ids: Collection[int]
) -> None:
    """Set who may see a saved folder or document (the lists only count when `LISTED`)."""
    teams = _teams(team_ids, DocumentError.UNKNOWN_TEAM)
    roles = _roles(role_ids)
    if access == Access.LISTED and not teams and not roles:
        raise DomainError(DocumentError.LISTED_NOBODY, details={"field": "access"})
    target.teams.set(teams if access == Access.LISTED else [])
    target.roles.set(roles if access == Access.LISTED else [])


def _folder_visible(actor: User, folder_id: int | None, action: str = "view") -> Folder | None:
    if folder_id is None:
        return None
    return get_scoped(
        Folder.objects.all(),
        user=actor,
        action=action,
        pk=folder_id,
        not_found=DocumentError.FOLDER_NOT_FOUND,
    )


def _save_folder(folder: Folder) -> None:
    taken = Folder.objects.filter(parent_id=folder.parent_id, name__iexact=folder.name)
    if taken.exclude(pk=folder.pk).exists():
        raise DomainError(
            DocumentError.FOLDER_NAME_TAKEN, name=folder.name, details={"field": "name"}
        )
    try:
        with transaction.atomic():
            folder.save()
    except IntegrityError as exc:  # a concurrent folder of that name won the race
        raise DomainError(DocumentError.FOLDER_NAME_TAKEN, name=folder.name) from exc


@transaction.atomic
def folder_create(
    *,
    actor: User,
    name: str,
    parent_id: int | None = None,
    access: str = Access.INHERIT,
    team_ids: Collection[int] = (),
    role_ids: Collection[int] = (),
) -> Folder:
    require(actor, "add", Folder)
    parent = _folder_visible(actor, parent_id)
    folder = Folder(name=name.strip(), parent=parent, access=access, owner=actor, team=actor.team)
    full_clean_or_raise(folder, exclude=("parent", "owner", "team"))
    _save_folder(folder)
    _access_set(folder, access=access, team_ids=team_ids, role_ids=role_ids)
    audit_record(actor=actor, instance=folder, action=AuditAction.CREATE)
    return folder


def _refuse_cycle(folder: Folder, new_parent: Folder | None) -> None:
    """A folder may not go under itself or anything below it (the tree would lose its root)."""
    current = new_parent
    while current is not None:
        if current.pk == folder.pk:
            raise DomainError(DocumentError.FOLDER_CYCLE, details={"field": "parent_id"})
        current = current.parent


@transaction.atomic
def folder_update(*, actor: User, folder_id: int, changes: Mapping[str, Any]) -> Folder:
    """Rename, move or change who sees a folder; its documents follow it."""
    _check_fields(changes, FOLDER_FIELDS)
    folder = get_scoped(
        Folder.objects.all(),
        user=actor,
        action="change",
        pk=folder_id,
        lock=True,
        not_found=DocumentError.FOLDER_NOT_FOUND,
    )
    before = audit_snapshot(folder)
    if "name" in changes:
        folder.name = str(changes["name"]).strip()
    if "parent_id" in changes:
        parent = _folder_visible(actor, changes["parent_id"])
        _refuse_cycle(folder, parent)
        folder.parent = parent
    if "access" in changes:
        folder.access = changes["access"]
    full_clean_or_raise(folder, exclude=("parent", "owner", "team"))
    _save_folder(folder)
    if {"access", "team_ids", "role_ids"} & set(changes):
        _access_set(
            folder,
            access=folder.access,
            team_ids=changes.get("team_ids", folder.teams.values_list("pk", flat=True)),
            role_ids=changes.get("role_ids", folder.roles.values_list("pk", flat=True)),
        )
    audit_record(actor=actor, instance=folder, action=AuditAction.UPDATE, before=before)
    return folder


@transaction.atomic
def folder_delete(*, actor: User, folder_id: int) -> None:
    folder = get_scoped(
        Folder.objects.all(),
        user=actor,
        action="delete",
        pk=folder_id,
        lock=True,
        not_found=DocumentError.FOLDER_NOT_FOUND,
    )
    if folder.children.exists() or folder.documents.exists():
        raise DomainError(DocumentError.FOLDER_NOT_EMPTY)
    audit_record(
        actor=actor, instance=folder, action=AuditAction.DELETE, before=audit_snapshot(folder)
    )
    folder.delete()


def _tags_set(document: Document, names: Iterable[str]) -> None:
    wanted = sorted({name.strip() for name in names if name and name.strip()})
    for name in wanted:
        if len(name) > TAG_MAX_LENGTH:
            raise DomainError(CoreError.VALIDATION, details={"tags": [name]})
    document.tags.set([DocumentTag.objects.get_or_create(name=name)[0] for name in wanted])


def _reindex(document: Document) -> None:
    """Refresh the search text from the title, tags and current version's text."""
    version = document.current_version
    body = html_text(version.body_html) if version is not None else ""
    file_name = version.file_name if version is not None else ""
    tags = " ".join(document.tags.values_list("name", flat=True))
    document.search_text = search_text_for(document.title, tags, file_name, body)
    document.save(update_fields=["search_text"])


def _add_version(
    document: Document, *, actor: User, body_html: str = "", upload: UploadedFile | None = None
) -> DocumentVersion:
    last = document.versions.order_by("-number").values_list("number", flat=True).first()
    version = DocumentVersion(document=document, number=(last or 0) + 1, created_by=actor)
    if upload is not None:
        version.content_type = _checked_file(upload)
        version.file_name = (upload.name or "")[:255]
        version.size_bytes = upload.size or 0
        # Stored only once the content was accepted.  Should the transaction still roll
        # back, the file stays behind unreferenced: downloads go through version rows, so
        # nobody can reach it.
        version.file.save(upload.name or "file", upload, save=False)
    else:
        version.body_html = sanitize_html(body_html)
    version.save()
    document.current_version = version
    document.save(update_fields=["current_version", "updated_at"])
    audit_record(actor=actor, instance=version, action=AuditAction.CREATE)
    return version


@transaction.atomic
def document_create(
    *,
    actor: User,
    title: str,
    folder_id: int | None = None,
    body_html: str = "",
    upload: UploadedFile | None = None,
    tags: Iterable[str] = (),
    access: str = Access.INHERIT,
    team_ids: Collection[int] = (),
    role_ids: Collection[int] = (),
) -> Document:
    """A rich-text page (`body_html`) or an uploaded file (`upload`), as its version 1."""
    require(actor, "add", Document)
    folder = _folder_visible(actor, folder_id)
    document = Document(
        title=title.strip(),
        kind=DocumentKind.FILE if upload is not None else DocumentKind.PAGE,
        folder=folder,
        access=access,
        owner=actor,
        team=actor.team,
    )
    full_clean_or_raise(document, exclude=("folder", "owner", "team", "current_version"))
    document.save()
    _access_set(document, access=access, team_ids=team_ids, role_ids=role_ids)
    _tags_set(document, tags)
    _add_version(document, actor=actor, body_html=body_html, upload=upload)
    _reindex(document)
    audit_record(actor=actor, instance=document, action=AuditAction.CREATE)
    return document


def _document_for(actor: User, document_id: int, action: str) -> Document:
    return get_scoped(
        Document.objects.all(),
        user=actor,
        action=action,
        pk=document_id,
        lock=True,
        not_found=DocumentError.NOT_FOUND,
    )


@transaction.atomic
def document_update(*, actor: User, document_id: int, changes: Mapping[str, Any]) -> Document:
    """Change a document's title, folder, tags or access; new page text is a new version."""
    _check_fields(changes, DOCUMENT_FIELDS)
    document = _document_for(actor, document_id, "change")
    before = audit_snapshot(document)
    if "body_html" in changes and document.kind != DocumentKind.PAGE:
        raise DomainError(DocumentError.NOT_A_PAGE, details={"field": "body_html"})
    if "title" in changes:
        document.title = str(changes["title"]).strip()
    if "folder_id" in changes:
        document.folder = _folder_visible(actor, changes["folder_id"])
    if "access" in changes:
        document.access = changes["access"]
    full_clean_or_raise(document, exclude=("folder", "owner", "team", "current_version"))
    document.save()
    if {"access", "team_ids", "role_ids"} & set(changes):
        _access_set(
            document,
            access=document.access,
            team_ids=changes.get("team_ids", document.teams.values_list("pk", flat=True)),
            role_ids=changes.get("role_ids", document.roles.values_list("pk", flat=True)),
        )
    if "tags" in changes:
        _tags_set(document, changes["tags"] or ())
    current = document.current_version
    new_body = "body_html" in changes and (
        current is None or sanitize_html(changes["body_html"]) != current.body_html
    )
    if new_body:
        _add_version(document, actor=actor, body_html=changes["body_html"])
    _reindex(document)
    audit_record(actor=actor, instance=document, action=AuditAction.UPDATE, before=before)
    return document


@transaction.atomic
def document_version_upload(
    *, actor: User, document_id: int, upload: UploadedFile
) -> DocumentVersion:
    """A new file for an uploaded document; the older versions stay downloadable."""
    document = _document_for(actor, document_id, "change")
    if document.kind != DocumentKind.FILE:
        raise DomainError(DocumentError.NOT_A_FILE, details={"field": "file"})
    version = _add_version(document, actor=actor, upload=upload)
    _reindex(document)
    return version


@transaction.atomic
def document_delete(*, actor: User, document_id: int) -> None:
    """Delete a document with its versions and links; the stored files go after commit."""
    document = _document_for(actor, document_id, "delete")
    names = [n for n in document.versions.values_list("file", flat=True) if n]
    audit_record(
        actor=actor, instance=document, action=AuditAction.DELETE, before=audit_snapshot(document)
    )
    storage = DocumentVersion._meta.get_field("file").storage  # type: ignore[union-attr]
    document.current_version = None
    document.save(update_fields=["current_version"])
    document.delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def document_link(
    *,
    actor: User,
    document_id: int,
    customer_id: int | None = None,
    opportunity_id: int | None = None,
    contract_id: int | None = None,
) -> DocumentLink:
    """Show a document the actor may see on a customer, opportunity or contract the actor
    may change."""
    # Who may touch the document first, so that a stranger learns nothing from the body.
    document = _document_for(actor, document_id, "view")
    if [customer_id, opportunity_id, contract_id].count(None) != 2:
        raise DomainError(DocumentError.LINK_TARGET)
    link = DocumentLink(document=document, created_by=actor)
    if customer_id is not None:
        link.customer = _target(actor, Customer, customer_id)
    elif opportunity_id is not None:
        link.opportunity = _target(actor, Opportunity, opportunity_id)
    else:
        link.contract = _target(actor, Contract, contract_id)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        raise DomainError(DocumentError.ALREADY_LINKED) from exc
    audit_record(actor=actor, instance=link, action=AuditAction.CREATE)
    return link


def _target(actor: User, model: Any, pk: Any) -> Any:
    return get_scoped(
        model.objects.all(),
        user=actor,
        action="change",
        pk=pk,
        not_found=DocumentError.LINK_TARGET_NOT_FOUND,
    )


@transaction.atomic
def document_unlink(*, actor: User, link_id: int) -> None:
    """Remove a link from a customer or opportunity the actor may change."""
    link = DocumentLink.objects.select_related("document").filter(pk=link_id).first()
    if link is None:
        raise DomainError(DocumentError.LINK_NOT_FOUND)
    try:
        if link.customer_id is not None:
            _target(actor, Customer, link.customer_id)
        elif link.opportunity_id is not None:
            _target(actor, Opportunity, link.opportunity_id)
        else:
            _target(actor, Contract, link.contract_id)
    except DomainError as exc:
        raise DomainError(DocumentError.LINK_NOT_FOUND) from exc
    audit_record(actor=actor, instance=link, action=AuditAction.DELETE, before=audit_snapshot(link))
    link.delete()


@transaction.atomic
def announcement_publish(
    *,
    actor: User,
    title: str,
    body_html: str = "",
    audience: str = Audience.ALL,
    team_ids: Collection[int] = (),
    pinned: bool = False,
    published_at: datetime | None = None,
) -> Announcement:
    """Publish an announcement to everyone or to teams (and their sub-teams)."""
    require(actor, "add", Announcement)
    teams = _audience_teams(audience, team_ids)
    announcement = Announcement(
        title=title.strip(),
        body_html=sanitize_html(body_html),
        audience=audience,
        pinned=pinned,
        published_at=published_at or timezone.now(),
        author=actor,
    )
    full_clean_or_raise(announcement, exclude=("author",))
    announcement.save()
    announcement.teams.set(teams)
    audit_record(actor=actor, instance=announcement, action=AuditAction.CREATE)
    return announcement


def _audience_teams(audience: str, team_ids: Collection[int]) -> list[Team]:
    teams = _teams(team_ids, AnnouncementError.UNKNOWN_TEAM)
    if audience == Audience.TEAMS and not teams:
        raise DomainError(AnnouncementError.NO_TEAMS, details={"field": "team_ids"})
    return teams if audience == Audience.TEAMS else []


def _announcement_for(actor: User, announcement_id: int, action: str) -> Announcement:
    return get_scoped(
        Announcement.objects.all(),
        user=actor,
        action=action,
        pk=announcement_id,
        lock=True,
        not_found=AnnouncementError.NOT_FOUND,
    )


@transaction.atomic
def announcement_update(
    *,
    actor: User,
    announcement_id: int,
    title: str,
    body_html: str = "",
    audience: str = Audience.ALL,
    team_ids: Collection[int] = (),
    pinned: bool = False,
) -> Announcement:
    """Correct an announcement; read receipts stay (who opened it still opened it)."""
    announcement = _announcement_for(actor, announcement_id, "change")
    before = audit_snapshot(announcement)
    teams = _audience_teams(audience, team_ids)
    announcement.title = title.strip()
    announcement.body_html = sanitize_html(body_html)
    announcement.audience = audience
    announcement.pinned = pinned
    full_clean_or_raise(announcement, exclude=("author",))
    announcement.save()
    announcement.teams.set(teams)
    audit_record(actor=actor, instance=announcement, action=AuditAction.UPDATE, before=before)
    return announcement


@transaction.atomic
def announcement_withdraw(*, actor: User, announcement_id: int) -> None:
    """Take an announcement down, with its read receipts; the audit trail keeps it."""
    announcement = _announcement_for(actor, announcement_id, "delete")
    audit_record(
        actor=actor,
        instance=announcement,
        action=AuditAction.DELETE,
        before=audit_snapshot(announcement),
    )
    announcement.delete()


@transaction.atomic
def announcement_read(*, actor: User, announcement_id: int) -> AnnouncementRead | None:
    """Record that the actor opened an announcement meant for them (the first time counts).

    Its author or an admin looking at one meant for others leaves no receipt, so the
    readers listed are the audience's.
    """
    announcement = get_scoped(
        Announcement.objects.all(),
        user=actor,
        action="view",
        pk=announcement_id,
        not_found=AnnouncementError.NOT_FOUND,
    )
    if not Announcement.objects.meant_for(actor).filter(pk=announcement.pk).exists():
        return None
    receipt, _created = AnnouncementRead.objects.get_or_create(
        announcement=announcement, user=actor
    )
    return receipt

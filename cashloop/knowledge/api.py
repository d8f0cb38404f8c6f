"""Document and announcement endpoints: /api/v1/documents and /api/v1/announcements.

Files are uploaded as multipart (`file` plus the form fields of `DocumentUploadIn`) and
downloaded through an endpoint that checks who may see the document, never from a public
media URL.
"""

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.pagination import paginated
from cashloop.knowledge import selectors, services
from cashloop.knowledge.downloads import file_response
from cashloop.knowledge.schemas import (
    AnnouncementChangeIn,
    AnnouncementIn,
    AnnouncementOut,
    DocumentIn,
    DocumentListOut,
    DocumentOut,
    DocumentPatch,
    DocumentUploadIn,
    FolderIn,
    FolderOut,
    FolderPatch,
    LinkIn,
    LinkOut,
    ReaderOut,
    UnreadCountOut,
    VersionOut,
)

documents_router = Router(tags=["documents"])
announcements_router = Router(tags=["announcements"])


def _ids(text: str, field: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise DomainError(CoreError.VALIDATION, details={field: ["comma-separated ids"]}) from None


class DocumentFilter(Schema):
    q: str = ""
    folder_id: int | None = None
    tag: str = ""
    customer_id: int | None = None
    opportunity_id: int | None = None


@documents_router.get("", response=list[DocumentListOut])
@paginated(sorts=("updated_at", "title", "created_at"), default="-updated_at")
def document_list(request: HttpRequest, filters: Query[DocumentFilter]) -> Any:
    """Documents you may see; `q` searches title, tags and text (Chinese too)."""
    return selectors.document_list(user=request.user, **filters.dict())


@documents_router.post("", response={201: DocumentOut})
def document_create(request: HttpRequest, payload: DocumentIn) -> Any:
    """A rich-text page; its HTML is sanitised (scripts and event handlers removed)."""
    document = services.document_create(actor=request.user, **payload.dict())
    return Status(201, selectors.document_get(user=request.user, document_id=document.pk))


@documents_router.post("/upload", response={201: DocumentOut})
def document_upload(
    request: HttpRequest, data: Form[DocumentUploadIn], file: File[UploadedFile]
) -> Any:
    """Upload a PDF, Word, Excel, PowerPoint or PNG/JPEG/WebP file as a new document."""
    fields = data.dict()
    document = services.document_create(
        actor=request.user,
        title=fields["title"],
        folder_id=fields["folder_id"],
        upload=file,
        tags=[t for t in fields["tags"].split(",") if t.strip()],
        access=fields["access"],
        team_ids=_ids(fields["team_ids"], "team_ids"),
        role_ids=_ids(fields["role_ids"], "role_ids"),
    )
    return Status(201, selectors.document_get(user=request.user, document_id=document.pk))


@documents_router.get("/folders", response=list[FolderOut])
def folder_list(request: HttpRequest) -> Any:
    return selectors.folder_list(user=request.user)


@documents_router.post("/folders", response={201: FolderOut})
def folder_create(request: HttpRequest, payload: FolderIn) -> Any:
    return Status(201, services.folder_create(actor=request.user, **payload.dict()))


@documents_router.patch("/folders/{folder_id}", response=FolderOut)
def folder_update(request: HttpRequest, folder_id: int, payload: FolderPatch) -> Any:
    """Rename, move (never under itself) or change who sees a folder."""
    return services.folder_update(
        actor=request.user, folder_id=folder_id, changes=payload.dict(exclude_unset=True)
    )


@documents_router.delete("/folders/{folder_id}", response={204: None})
def folder_delete(request: HttpRequest, folder_id: int) -> Any:
    services.folder_delete(actor=request.user, folder_id=folder_id)
    return Status(204, None)


@documents_router.delete("/links/{link_id}", response={204: None})
def document_unlink(request: HttpRequest, link_id: int) -> Any:
    services.document_unlink(actor=request.user, link_id=link_id)
    return Status(204, None)


@documents_router.get("/{document_id}", response=DocumentOut)
def document_detail(request: HttpRequest, document_id: int) -> Any:
    return selectors.document_get(user=request.user, document_id=document_id)


@documents_router.patch("/{document_id}", response=DocumentOut)
def document_update(request: HttpRequest, document_id: int, payload: DocumentPatch) -> Any:
    """Change title, folder, tags or access; new page text makes a new version."""
    services.document_update(
        actor=request.user, document_id=document_id, changes=payload.dict(exclude_unset=True)
    )
    return selectors.document_get(user=request.user, document_id=document_id)


@documents_router.delete("/{document_id}", response={204: None})
def document_delete(request: HttpRequest, document_id: int) -> Any:
    services.document_delete(actor=request.user, document_id=document_id)
    return Status(204, None)


@documents_router.get("/{document_id}/versions", response=list[VersionOut])
def version_list(request: HttpRequest, document_id: int) -> Any:
    document = selectors.document_get(user=request.user, document_id=document_id)
    return selectors.version_list(document=document)


@documents_router.post("/{document_id}/versions", response={201: VersionOut})
def version_upload(request: HttpRequest, document_id: int, file: File[UploadedFile]) -> Any:
    """A new file for an uploaded document; earlier versions stay downloadable."""
    version = services.document_version_upload(
        actor=request.user, document_id=document_id, upload=file
    )
    return Status(201, version)


@documents_router.get(
    "/{document_id}/versions/{number}/download",
    url_name="document_version_download",
    response={200: None},
)
def version_download(request: HttpRequest, document_id: int, number: int) -> FileResponse:
    version = selectors.version_get(user=request.user, document_id=document_id, number=number)
    return file_response(version)


@documents_router.get("/{document_id}/links", response=list[LinkOut])
def link_list(request: HttpRequest, document_id: int) -> Any:
    document = selectors.document_get(user=request.user, document_id=document_id)
    return selectors.document_links(user=request.user, document=document)


@documents_router.post("/{document_id}/links", response={201: LinkOut})
def document_link(request: HttpRequest, document_id: int, payload: LinkIn) -> Any:
    """Show the document on one customer or opportunity you may change."""
    link = services.document_link(actor=request.user, document_id=document_id, **payload.dict())
    return Status(201, link)


@announcements_router.get("", response=list[AnnouncementOut])
@paginated(sorts=("published_at", "pinned", "title"), default="-pinned,-published_at")
def announcement_list(request: HttpRequest) -> Any:
    """Announcements meant for you, pinned first, each saying whether you have read it."""
    return selectors.announcement_list(user=request.user).prefetch_related("teams")


@announcements_router.post("", response={201: AnnouncementOut})
def announcement_publish(request: HttpRequest, payload: AnnouncementIn) -> Any:
    return Status(201, services.announcement_publish(actor=request.user, **payload.dict()))


@announcements_router.get("/unread-count", response=UnreadCountOut)
def announcement_unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.announcement_unread_count(user=request.user)}


@announcements_router.get("/{announcement_id}", response=AnnouncementOut)
def announcement_detail(request: HttpRequest, announcement_id: int) -> Any:
    """One announcement; reading it here does not count as opened (POST …/read does)."""
    return selectors.announcement_get(user=request.user, announcement_id=announcement_id)


@announcements_router.put("/{announcement_id}", response=AnnouncementOut)
def announcement_update(
    request: HttpRequest, announcement_id: int, payload: AnnouncementChangeIn
) -> Any:
    """Correct an announcement (its author, or an admin); read receipts stay."""
    services.announcement_update(
        actor=request.user, announcement_id=announcement_id, **payload.dict()
    )
    return selectors.announcement_get(user=request.user, announcement_id=announcement_id)


@announcements_router.delete("/{announcement_id}", response={204: None})
def announcement_withdraw(request: HttpRequest, announcement_id: int) -> Any:
    services.announcement_withdraw(actor=request.user, announcement_id=announcement_id)
    return Status(204, None)


@announcements_router.post("/{announcement_id}/read", response=AnnouncementOut)
def announcement_read(request: HttpRequest, announcement_id: int) -> Any:
    receipt = services.announcement_read(actor=request.user, announcement_id=announcement_id)
    announcement = selectors.announcement_get(user=request.user, announcement_id=announcement_id)
    announcement.is_read = receipt is not None  # type: ignore[attr-defined]
    return announcement


@announcements_router.get("/{announcement_id}/unread", response=list[ReaderOut])
def announcement_unread(request: HttpRequest, announcement_id: int) -> Any:
    """Who in the audience has not opened it yet: for its author and admins."""
    announcement = selectors.announcement_get(user=request.user, announcement_id=announcement_id)
    return selectors.announcement_unread_by(user=request.user, announcement=announcement)

"""API schemas of knowledge: strict input (unknown fields refused), explicit output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from cashloop.core.schemas import InSchema, PatchSchema
from cashloop.knowledge.choices import Access, Audience


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class FolderIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    parent_id: int | None = None
    access: Access = Access.INHERIT
    team_ids: list[int] = Field(default_factory=list, max_length=50)
    role_ids: list[int] = Field(default_factory=list, max_length=50)


class FolderPatch(PatchSchema):
    clearable = frozenset({"parent_id"})

    name: str | None = Field(None, min_length=1, max_length=200)
    parent_id: int | None = None
    access: Access | None = None
    team_ids: list[int] | None = Field(None, max_length=50)
    role_ids: list[int] | None = Field(None, max_length=50)


class FolderOut(Schema):
    id: int
    name: str
    parent_id: int | None
    access: str
    owner_id: int


class DocumentIn(InSchema):
    """A rich-text page; files are uploaded as multipart to /documents/upload."""

    title: str = Field(..., min_length=1, max_length=200)
    folder_id: int | None = None
    body_html: str = Field("", max_length=1_000_000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    access: Access = Access.INHERIT
    team_ids: list[int] = Field(default_factory=list, max_length=50)
    role_ids: list[int] = Field(default_factory=list, max_length=50)


class DocumentUploadIn(InSchema):
    """The form fields that go with an uploaded file (tags and ids comma-separated)."""

    title: str = Field(..., min_length=1, max_length=200)
    folder_id: int | None = None
    tags: str = Field("", max_length=1000)
    access: Access = Access.INHERIT
    team_ids: str = Field("", max_length=500)
    role_ids: str = Field("", max_length=500)


class DocumentPatch(InSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    folder_id: int | None = None
    body_html: str | None = Field(None, max_length=1_000_000)
    tags: list[str] | None = Field(None, max_length=20)
    access: Access | None = None
    team_ids: list[int] | None = Field(None, max_length=50)
    role_ids: list[int] | None = Field(None, max_length=50)


class VersionOut(Schema):
    number: int
    file_name: str
    content_type: str
    size_bytes: int
    created_by: UserRef
    created_at: datetime
    download_url: str | None

    @staticmethod
    def resolve_download_url(obj: Any) -> str | None:
        if not obj.file:
            return None
        return reverse(
            "api:document_version_download",
            kwargs={"document_id": obj.document_id, "number": obj.number},
        )


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    folder_id: int | None
    access: str
    team_ids: list[int]
    role_ids: list[int]
    tags: list[str]
    owner: UserRef
    current_version: int | None
    body_html: str
    file_name: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_team_ids(obj: Any) -> list[int]:
        return [t.pk for t in obj.teams.all()]

    @staticmethod
    def resolve_role_ids(obj: Any) -> list[int]:
        return [r.pk for r in obj.roles.all()]

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_current_version(obj: Any) -> int | None:
        return obj.current_version.number if obj.current_version_id else None

    @staticmethod
    def resolve_body_html(obj: Any) -> str:
        return obj.current_version.body_html if obj.current_version_id else ""

    @staticmethod
    def resolve_file_name(obj: Any) -> str:
        return obj.current_version.file_name if obj.current_version_id else ""


class DocumentListOut(Schema):
    id: int
    title: str
    kind: str
    folder_id: int | None
    tags: list[str]
    owner: UserRef
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [t.name for t in obj.tags.all()]


class LinkIn(InSchema):
    customer_id: int | None = None
    opportunity_id: int | None = None
    contract_id: int | None = None


class LinkOut(Schema):
    id: int
    document_id: int
    customer_id: int | None
    opportunity_id: int | None
    contract_id: int | None
    created_by: UserRef
    created_at: datetime


class AnnouncementChangeIn(InSchema):
    title: str = Field(..., min_length=1, max_length=200)
    body_html: str = Field("", max_length=200_000)
    audience: Audience = Audience.ALL
    team_ids: list[int] = Field(default_factory=list, max_length=50)
    pinned: bool = False


class AnnouncementIn(AnnouncementChangeIn):
    published_at: datetime | None = None


class AnnouncementOut(Schema):
    id: int
    title: str
    body_html: str
    audience: str
    team_ids: list[int]
    pinned: bool
    published_at: datetime
    author: UserRef
    is_read: bool = False

    @staticmethod
    def resolve_team_ids(obj: Any) -> list[int]:
        return [t.pk for t in obj.teams.all()]

    @staticmethod
    def resolve_is_read(obj: Any) -> bool:
        return bool(getattr(obj, "is_read", False))


class UnreadCountOut(Schema):
    unread: int


class ReaderOut(Schema):
    id: int
    name: str
    team: str | None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_team(obj: Any) -> str | None:
        return str(obj.team) if obj.team_id else None

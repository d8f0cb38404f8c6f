"""The one way a stored file leaves: a response built after the caller checked access."""

from __future__ import annotations

from django.http import FileResponse

from cashloop.knowledge.models import DocumentVersion


def file_response(version: DocumentVersion) -> FileResponse:
    """Stream a version's file as an attachment under its original name.

    The caller fetched `version` through a scoped selector; nothing here checks again.
    Attachments (not inline) so that a crafted file cannot run in the site's origin.
    """
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.file_name or f"document-{version.document_id}-v{version.number}",
        content_type=version.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

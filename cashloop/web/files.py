"""Answers that are files to save (PDFs, XML, CSV), for pages and API alike."""

from __future__ import annotations

from django.http import HttpResponse


def attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

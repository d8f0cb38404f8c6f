"""What the top-bar search finds among documents (registered in apps.py)."""

from __future__ import annotations

from django.urls import reverse

from cashloop.identity.models import User
from cashloop.knowledge import selectors
from cashloop.web.search import SearchHit


def document_hits(user: User, query: str, limit: int) -> list[SearchHit]:
    documents = selectors.document_list(user=user, q=query)[:limit]
    return [
        SearchHit(
            title=d.title,
            subtitle=" · ".join(
                part for part in (str(d.folder or ""), d.get_kind_display(), str(d.owner)) if part
            ),
            url=reverse("knowledge:document_detail", args=[d.pk]),
        )
        for d in documents
    ]

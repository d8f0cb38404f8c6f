"""What the top-bar search finds among customers and contacts (registered in apps.py)."""

from __future__ import annotations

from django.urls import reverse

from cashloop.customers import selectors
from cashloop.identity.models import User
from cashloop.web.search import SearchHit


def customer_hits(user: User, query: str, limit: int) -> list[SearchHit]:
    customers = selectors.customer_list(user=user, q=query)[:limit]
    return [
        SearchHit(
            title=f"{c.code} {c.name}",
            subtitle=" · ".join(
                part for part in (c.legal_name, c.tax_id, str(c.owner or "")) if part
            ),
            url=reverse("customers:detail", args=[c.pk]),
        )
        for c in customers
    ]


def contact_hits(user: User, query: str, limit: int) -> list[SearchHit]:
    contacts = selectors.contact_list(user=user, q=query)[:limit]
    return [
        SearchHit(
            title=p.name,
            subtitle=" · ".join(
                part for part in (p.customer.name, p.title, p.phone, p.email) if part
            ),
            url=reverse("customers:detail", args=[p.customer_id]),
        )
        for p in contacts
    ]

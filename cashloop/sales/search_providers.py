"""What the top-bar search finds among opportunities and leads (registered in apps.py)."""

from __future__ import annotations

from django.urls import reverse

from cashloop.core.money import format_money
from cashloop.identity.models import User
from cashloop.sales import selectors
from cashloop.web.search import SearchHit


def opportunity_hits(user: User, query: str, limit: int) -> list[SearchHit]:
    found = selectors.opportunity_list(
        user=user, filters=selectors.OpportunityFilters(q=query), sort="-created"
    )[:limit]
    return [
        SearchHit(
            title=o.name,
            subtitle=" · ".join(
                (o.customer.name, o.stage.name, format_money(o.amount, o.currency), str(o.owner))
            ),
            url=reverse("sales:opportunity_detail", args=[o.pk]),
        )
        for o in found
    ]


def lead_hits(user: User, query: str, limit: int) -> list[SearchHit]:
    found = selectors.lead_list(user=user, q=query)[:limit]
    return [
        SearchHit(
            title=str(lead),
            subtitle=" · ".join(
                part
                for part in (
                    lead.contact_name,
                    lead.phone,
                    lead.email,
                    lead.get_status_display(),
                    str(lead.owner or ""),
                )
                if part
            ),
            url=reverse("sales:lead_detail", args=[lead.pk]),
        )
        for lead in found
    ]

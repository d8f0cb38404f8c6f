"""Knowledge on other apps' pages: the Documents panel of a customer or opportunity, and
the announcements panel of the dashboard.  One tag each, so those pages need no view code."""

from __future__ import annotations

from typing import Any

from django import template

from cashloop.core.scoping import may_on
from cashloop.knowledge import selectors

register = template.Library()

# How many documents the panel's "link" list offers; the library's search finds the rest.
LINK_CHOICES = 100


@register.inclusion_tag("knowledge/_documents_panel.html", takes_context=True)
def documents_panel(
    context: Any, customer: Any = None, opportunity: Any = None, contract: Any = None
) -> dict:
    """The documents linked to `customer`, `opportunity` or `contract` the user may see."""
    request = context["request"]
    user = request.user
    field, target = next(
        (name, row)
        for name, row in (
            ("customer_id", customer),
            ("opportunity_id", opportunity),
            ("contract_id", contract),
        )
        if row is not None
    )
    visible = selectors.document_list(user=user)
    links = list(selectors.link_list(user=user, visible=visible, **{field: target.pk}))
    # Linking needs the right to change the target; its page has mostly worked that out.
    can_link = context.get("can_change")
    if can_link is None:
        can_link = may_on(user, "change", target)
    choices = []
    if can_link:
        linked = [link.document_id for link in links]
        choices = list(
            visible.exclude(pk__in=linked)
            .select_related(None)
            .prefetch_related(None)
            .only("pk", "title")[:LINK_CHOICES]
        )
    return {
        "links": links,
        "can_link": can_link,
        "choices": choices,
        "target_field": field,
        "target_id": target.pk,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("knowledge/_announcements_panel.html", takes_context=True)
def announcements_panel(context: Any) -> dict:
    """Pinned and unread announcements for the dashboard, with the unread count."""
    user = context["request"].user
    return {
        "announcements": selectors.pinned_announcements(user=user),
        "unread": selectors.announcement_unread_count(user=user),
    }

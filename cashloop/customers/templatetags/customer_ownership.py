"""`{% customer_ownership customer %}`: the customer page's ownership panel.

Release to the pool, hand over, merge, and the pool's recent events, each shown only to
those allowed; kept apart from the page's own view so that the panel brings its context.
"""

from __future__ import annotations

from typing import Any

from django import template

from cashloop.core.scoping import object_type_of
from cashloop.customers.models import Customer, PoolEvent
from cashloop.customers.selectors import customer_in_scope

register = template.Library()
EVENTS_SHOWN = 5


@register.inclusion_tag("customers/_ownership_panel.html", takes_context=True)
def customer_ownership(context: dict[str, Any], customer: Customer) -> dict[str, Any]:
    user = context["request"].user
    owned = customer.owner_id is not None
    # Only a customer that has changed hands (or sits in the pool) can have pool events.
    moved = not owned or customer.owner_since is not None
    events = PoolEvent.objects.filter(customer=customer).select_related("user")
    return {
        "customer": customer,
        "can_release": owned and customer_in_scope(user=user, action="change", customer=customer),
        "can_merge": user.data_scope(object_type_of(Customer), "merge") is not None,
        "can_hand_over": owned
        and customer_in_scope(user=user, action="hand_over", customer=customer),
        "events": list(events[:EVENTS_SHOWN]) if moved else [],
        "csrf_token": context.get("csrf_token"),
    }

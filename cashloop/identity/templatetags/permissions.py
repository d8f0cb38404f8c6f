"""Template helpers of permission schemes: field visibility and the customer's share panel.

`{% if customer|field_visible:"tax_id" %}` drops the row and label of a field hidden from
whoever read the row (the read path remembers that user, decision 034); the value itself
is already masked or blank on the instance.  Lists ask `{% hidden_fields %}` once for the
header and every row.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps

from cashloop.core.fieldrules import HIDE, field_rule, fields_hidden
from cashloop.core.scoping import may
from cashloop.identity.permissions import ROLE_ADMIN

register = template.Library()


@register.filter
def may_manage_roles(user: Any) -> bool:
    from cashloop.identity.models import Role

    return may(user, ROLE_ADMIN[1], Role)


@register.filter
def field_visible(obj: Any, field: str) -> bool:
    """False when `field` of `obj` is hidden from the user `obj` was read for."""
    user = getattr(obj, "__dict__", {}).get("_field_rule_user")
    if user is None:
        return True
    return field_rule(user, type(obj), field) != HIDE


@register.simple_tag(takes_context=True)
def hidden_fields(context: dict[str, Any], object_type: str) -> set[str]:
    """Fields of `object_type` hidden from the requesting user, for a list's columns:
    `{% hidden_fields "sales.lead" as hidden %}`, then `{% if "phone" not in hidden %}`
    around the header and the cell alike."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return set()
    return fields_hidden(user, apps.get_model(object_type))


@register.inclusion_tag("identity/_shares_panel.html", takes_context=True)
def share_panel(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    """The customer page's sharing panel: current shares, and a link for those who may share."""
    from cashloop.identity import selectors
    from cashloop.identity.services import share_allowed

    request = context["request"]
    # The page read `customer` through the user's scope already: no second fetch.
    shares = list(selectors.customer_shares(customer=customer))
    can_share = share_allowed(request.user, customer)
    return {
        "request": request,
        "customer": customer,
        "shares": shares,
        "can_share": can_share,
        "csrf_token": context.get("csrf_token"),
    }

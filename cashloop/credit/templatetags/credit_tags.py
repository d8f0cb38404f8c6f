"""`{% credit_line customer %}`: the customer's available credit where a sale is made (quotes,
contracts, invoices), so the seller sees a hold or an exhausted limit before asking."""

from __future__ import annotations

from typing import Any

from django import template

from cashloop.core.scoping import may
from cashloop.credit.models import CreditHold
from cashloop.credit.selectors import credit_position

register = template.Library()


@register.inclusion_tag("credit/_credit_line.html", takes_context=True)
def credit_line(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    """The position of `customer` (None, e.g. a quote to a lead: nothing shown) for a user
    who may read credit; the page already scoped the customer."""
    user = context["request"].user
    if customer is None or not may(user, "view", CreditHold):
        return {"position": None}
    return {"position": credit_position(customer), "customer": customer}

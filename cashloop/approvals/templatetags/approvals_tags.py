"""Template helpers of approvals: whether to show the flow editor's panel in Settings."""

from __future__ import annotations

from typing import Any

from django import template

from cashloop.approvals.models import ApprovalFlow
from cashloop.core.scoping import may

register = template.Library()


@register.filter
def may_manage_approval_flows(user: Any) -> bool:
    return may(user, "manage", ApprovalFlow)

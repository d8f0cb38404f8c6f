"""Template tags of report schedules: whether the reader may open the schedules page (the
reports' tabs show its tab only then)."""

from typing import Any

from django import template

from cashloop.core.scoping import may
from cashloop.reports.models import ReportSchedule

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_schedules(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and may(request.user, "view", ReportSchedule)

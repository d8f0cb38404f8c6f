"""Reads of report schedules (decision 064).  Schedules are company-wide, like webhooks:
whoever may view them sees every one (`require` on the type, no data scope)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cashloop.core.errors import DomainError
from cashloop.core.scoping import ScopedUser, require
from cashloop.identity.models import User
from cashloop.reports.models import ReportRecipient, ReportSchedule
from cashloop.reports.schedule_errors import ScheduleError


def report_schedule_list(*, user: ScopedUser) -> QuerySet[ReportSchedule]:
    """Every schedule with its recipients and their users: two queries."""
    require(user, "view", ReportSchedule)
    return ReportSchedule.objects.prefetch_related(
        Prefetch("recipients", ReportRecipient.objects.select_related("user"))
    )


def report_schedule_get(*, user: ScopedUser, schedule_id: int) -> ReportSchedule:
    found = report_schedule_list(user=user).filter(pk=schedule_id).first()
    if found is None:
        raise DomainError(ScheduleError.NOT_FOUND)
    return found


def recipient_choices(*, user: ScopedUser) -> QuerySet[User]:
    """Who a schedule may be sent to: active users with an email address (whether each may
    read the report is checked when the schedule is saved and again when it is sent)."""
    require(user, "view", ReportSchedule)
    return User.objects.filter(is_active=True).exclude(email="").order_by("username")

"""Writes of report schedules (decision 064): create, change and delete a schedule, send it
now, and send every schedule that is due (the daily job).

A schedule is checked whole on every write: a known report, weekly with a weekday 0-6 or
monthly with a day 1-28, at least one format, at least one recipient, each an active user
with an email address who may read the report, each language one of the site's.  A refused
write changes nothing.

Sending claims the period first (`last_period`, a conditional update, so two workers
cannot both send it) and mails inside the same transaction: a failing mail server undoes
the claim and the next run tries again.  "Send now" mails at once and leaves the period
alone: the scheduled mail still goes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.scoping import require
from cashloop.identity.models import User
from cashloop.reports import schedules
from cashloop.reports.choices import Frequency, ReportFormat, ScheduledReport
from cashloop.reports.models import MONTH_DAYS_MAX, ReportRecipient, ReportSchedule
from cashloop.reports.schedule_errors import ScheduleError

log = logging.getLogger(__name__)
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


@dataclass(frozen=True)
class Recipient:
    """A recipient as asked for; no language: the company's default (`LANGUAGE_CODE`),
    as users keep no language of their own."""

    user_id: int
    language: str = ""


def _report_check(report: str) -> str:
    if report not in ScheduledReport.values:
        raise DomainError(ScheduleError.UNKNOWN_REPORT, value=report, details={"field": "report"})
    return report


def _when_check(
    frequency: str, weekday: int | None, day: int | None
) -> tuple[int | None, int | None]:
    """(weekday, day) for the frequency; the other one is dropped."""
    if frequency == Frequency.WEEKLY:
        if weekday is None or not 0 <= weekday <= 6:
            raise DomainError(ScheduleError.BAD_WEEKDAY, details={"field": "weekday"})
        return weekday, None
    if frequency == Frequency.MONTHLY:
        if day is None or not 1 <= day <= MONTH_DAYS_MAX:
            raise DomainError(ScheduleError.BAD_DAY, details={"field": "day"})
        return None, day
    raise DomainError(ScheduleError.BAD_FREQUENCY, value=frequency, details={"field": "frequency"})


def _formats_check(formats: Sequence[str]) -> tuple[bool, bool]:
    chosen = set(formats)
    if not chosen or not chosen <= set(ReportFormat.values):
        raise DomainError(ScheduleError.NO_FORMAT, details={"field": "formats"})
    return ReportFormat.PDF in chosen, ReportFormat.XLSX in chosen


def _recipients_check(report: str, recipients: Sequence[Recipient]) -> list[tuple[User, str]]:
    if not recipients:
        raise DomainError(ScheduleError.NO_RECIPIENTS, details={"field": "recipients"})
    wanted = {r.user_id: r for r in recipients}
    found = {
        u.pk: u
        for u in User.objects.filter(pk__in=list(wanted), is_active=True).prefetch_related("roles")
    }
    checked = []
    for user_id, asked in wanted.items():
        user = found.get(user_id)
        if user is None:
            raise DomainError(
                ScheduleError.RECIPIENT_UNKNOWN, value=user_id, details={"field": "recipients"}
            )
        if not user.email:
            raise DomainError(
                ScheduleError.RECIPIENT_NO_EMAIL, name=str(user), details={"field": "recipients"}
            )
        if not schedules.may_read(user, report):
            raise DomainError(
                ScheduleError.RECIPIENT_DENIED, name=str(user), details={"field": "recipients"}
            )
        language = asked.language or settings.LANGUAGE_CODE
        if language not in LANGUAGES:
            raise DomainError(
                ScheduleError.BAD_LANGUAGE, value=asked.language, details={"field": "recipients"}
            )
        checked.append((user, language))
    return checked


def _recipients_set(schedule: ReportSchedule, checked: list[tuple[User, str]]) -> None:
    ReportRecipient.objects.filter(schedule=schedule).delete()
    ReportRecipient.objects.bulk_create(
        [ReportRecipient(schedule=schedule, user=user, language=lang) for user, lang in checked]
    )


@transaction.atomic
def report_schedule_create(
    *,
    actor: User,
    name: str,
    report: str,
    frequency: str,
    recipients: Sequence[Recipient],
    formats: Sequence[str] = (ReportFormat.PDF,),
    weekday: int | None = None,
    day: int | None = None,
    active: bool = True,
) -> ReportSchedule:
    require(actor, "add", ReportSchedule)
    report = _report_check(report)
    weekday, day = _when_check(frequency, weekday, day)
    as_pdf, as_xlsx = _formats_check(formats)
    checked = _recipients_check(report, recipients)
    schedule = ReportSchedule.objects.create(
        name=name.strip() or schedules.report_title(report),
        report=report,
        frequency=frequency,
        weekday=weekday,
        day=day,
        as_pdf=as_pdf,
        as_xlsx=as_xlsx,
        active=active,
        created_by=actor,
    )
    _recipients_set(schedule, checked)
    audit_record(actor=actor, instance=schedule, action=AuditAction.CREATE)
    return schedule


@transaction.atomic
def report_schedule_update(
    *,
    actor: User,
    schedule_id: int,
    name: str | None = None,
    report: str | None = None,
    frequency: str | None = None,
    weekday: int | None = None,
    day: int | None = None,
    formats: Sequence[str] | None = None,
    recipients: Sequence[Recipient] | None = None,
    active: bool | None = None,
) -> ReportSchedule:
    """Change what is given; the schedule is checked whole again (a new report is checked
    against the recipients it keeps)."""
    require(actor, "change", ReportSchedule)
    schedule = _locked(schedule_id)
    before = audit_snapshot(schedule)
    new_report = _report_check(report if report is not None else schedule.report)
    weekday, day = _when_check(
        frequency or schedule.frequency,
        weekday if weekday is not None else schedule.weekday,
        day if day is not None else schedule.day,
    )
    as_pdf, as_xlsx = _formats_check(formats if formats is not None else schedule.formats)
    kept = recipients
    if kept is None:
        kept = [
            Recipient(r.user_id, r.language)
            for r in ReportRecipient.objects.filter(schedule=schedule)
        ]
    checked = _recipients_check(new_report, kept)
    schedule.report = new_report
    schedule.frequency = frequency or schedule.frequency
    schedule.weekday, schedule.day = weekday, day
    schedule.as_pdf, schedule.as_xlsx = as_pdf, as_xlsx
    if name is not None:
        schedule.name = name.strip() or schedules.report_title(new_report)
    if active is not None:
        schedule.active = active
    schedule.save()
    if recipients is not None:
        _recipients_set(schedule, checked)
    audit_record(actor=actor, instance=schedule, action=AuditAction.UPDATE, before=before)
    return schedule


@transaction.atomic
def report_schedule_delete(*, actor: User, schedule_id: int) -> None:
    require(actor, "delete", ReportSchedule)
    schedule = _locked(schedule_id)
    audit_record(actor=actor, instance=schedule, action=AuditAction.DELETE)
    schedule.delete()


def _locked(schedule_id: int) -> ReportSchedule:
    found = ReportSchedule.objects.select_for_update().filter(pk=schedule_id).first()
    if found is None:
        raise DomainError(ScheduleError.NOT_FOUND)
    return found


def _mail(schedule: ReportSchedule, today: date) -> int:
    """Mail the report to each recipient who may still read it, written for them; -> sent."""
    sent = 0
    for recipient in ReportRecipient.objects.filter(schedule=schedule).select_related("user"):
        user = recipient.user
        if not user.email or not schedules.may_read(user, schedule.report):
            log.warning("report schedule %s: %s may no longer read it", schedule.pk, user.pk)
            continue
        with translation.override(recipient.language):
            data = schedules.report_data(schedule.report, user, today)
            context: dict[str, Any] = {**data, "schedule": schedule, "user": user}
            message = EmailMessage(
                subject=_("%(report)s: %(name)s, %(date)s")
                % {"report": data["title"], "name": schedule.name, "date": today.isoformat()},
                body=render_to_string("reports/schedule_mail.txt", context),
                to=[user.email],
            )
            for file in schedules.report_files(data, schedule.formats):
                message.attach(file.filename, file.content, file.mimetype)
        message.send()
        sent += 1
    return sent


def report_schedule_send(*, actor: User, schedule_id: int, today: date | None = None) -> int:
    """Mail the report now to its recipients (the schedule's period is left as it was)."""
    require(actor, "send", ReportSchedule)
    schedule = ReportSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        raise DomainError(ScheduleError.NOT_FOUND)
    return _mail(schedule, today or timezone.localdate())


def report_schedules_send_due(*, today: date | None = None) -> dict[int, int]:
    """Mail every active schedule whose period is due and not sent yet: schedule id ->
    mails sent.  Running it again in the same period sends nothing."""
    today = today or timezone.localdate()
    done = {}
    for schedule in ReportSchedule.objects.filter(active=True).order_by("pk"):
        period = schedules.period_due(schedule, today)
        if period is None or schedule.last_period == period:
            continue
        with transaction.atomic():
            claimed = (
                ReportSchedule.objects.filter(pk=schedule.pk, active=True)
                .exclude(last_period=period)
                .update(last_period=period, last_sent_at=timezone.now())
            )
            if claimed:
                done[schedule.pk] = _mail(schedule, today)
    return done

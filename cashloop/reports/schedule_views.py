"""Pages of report schedules (decision 064): the schedules with a form for a new one, one
schedule's form, and the buttons to send one now or delete it.  Admins and finance keep
them (the "reports.reportschedule" grants)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.reports import schedule_selectors as selectors
from cashloop.reports import schedule_services as services
from cashloop.reports.choices import Weekday
from cashloop.reports.models import ReportSchedule
from cashloop.reports.schedule_forms import ScheduleForm
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show


def _form(request: HttpRequest, initial: dict[str, Any] | None = None) -> ScheduleForm:
    users = selectors.recipient_choices(user=request.user)
    return ScheduleForm(request.POST or None, initial=initial, users=users)


def _saved(request: HttpRequest, form: ScheduleForm, schedule_id: int | None) -> Any:
    """Create or change from the form; the schedule, or None with the refusal shown."""
    if not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    language = data.pop("language")
    data["recipients"] = [services.Recipient(pk, language) for pk in data["recipients"]]
    try:
        if schedule_id is None:
            return services.report_schedule_create(actor=request.user, **data)
        return services.report_schedule_update(actor=request.user, schedule_id=schedule_id, **data)
    except DomainError as exc:
        refuse_or_show(exc)
        form_add_domain_error(form, exc)
        return None


@login_required
def schedule_list(request: HttpRequest, section: str = "reports") -> HttpResponse:
    need(request.user, "view", ReportSchedule)
    form = _form(request)
    if request.method == "POST":
        need(request.user, "add", ReportSchedule)
        if _saved(request, form, None) is not None:
            messages.success(request, _("Schedule saved."))
            return redirect("report_schedules:list")
    return render(
        request,
        "reports/schedules.html",
        {
            "schedules": selectors.report_schedule_list(user=request.user),
            "form": form,
            "tab": "schedules",
            "weekdays": Weekday.choices,
            "can_add": may(request.user, "add", ReportSchedule),
            "can_send": may(request.user, "send", ReportSchedule),
            "can_delete": may(request.user, "delete", ReportSchedule),
        },
    )


@login_required
def schedule_edit(request: HttpRequest, schedule_id: int, section: str = "reports") -> HttpResponse:
    try:
        schedule = selectors.report_schedule_get(user=request.user, schedule_id=schedule_id)
    except DomainError as exc:
        page_error(exc)
    recipients = list(schedule.recipients.all())
    initial = {
        **{f: getattr(schedule, f) for f in ("name", "report", "frequency", "weekday", "day")},
        "formats": schedule.formats,
        "active": schedule.active,
        "recipients": [r.user_id for r in recipients],
        "language": recipients[0].language if recipients else None,
    }
    form = _form(request, initial)
    if request.method == "POST":
        need(request.user, "change", ReportSchedule)
        if _saved(request, form, schedule.pk) is not None:
            messages.success(request, _("Schedule saved."))
            return redirect("report_schedules:list")
    return render(
        request,
        "reports/schedule_edit.html",
        {"schedule": schedule, "form": form, "tab": "schedules"},
    )


@login_required
@require_POST
def schedule_send(request: HttpRequest, schedule_id: int, section: str = "reports") -> HttpResponse:
    try:
        sent = services.report_schedule_send(actor=request.user, schedule_id=schedule_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
        return redirect("report_schedules:list")
    text = ngettext(
        "Report sent to %(count)s recipient.", "Report sent to %(count)s recipients.", sent
    )
    messages.success(request, text % {"count": sent})
    return redirect("report_schedules:list")


@login_required
@require_POST
def schedule_delete(
    request: HttpRequest, schedule_id: int, section: str = "reports"
) -> HttpResponse:
    try:
        services.report_schedule_delete(actor=request.user, schedule_id=schedule_id)
    except DomainError as exc:
        refuse_or_show(exc)
    messages.success(request, _("Schedule deleted."))
    return redirect("report_schedules:list")

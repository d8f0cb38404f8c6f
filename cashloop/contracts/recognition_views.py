"""Pages of revenue recognition and key dates: a contract's revenue schedule, the monthly
run on request, the key-date calendar and each user's iCalendar feed.

The feed is the one page without a session: calendar apps cannot sign in, so its address
carries a signed token instead (`keydates.key_date_feed_user`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cashloop.contracts import keydates, recognition
from cashloop.contracts.keydates import KeyDateKind
from cashloop.contracts.models import Contract
from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.web.pages import need, page_error, refuse_or_show


@login_required
def contract_schedule(request: HttpRequest, contract_id: int) -> HttpResponse:
    """A contract's revenue schedule: per line and month, recognised and planned."""
    try:
        schedule = recognition.revenue_schedule_get(user=request.user, contract_id=contract_id)
    except DomainError as exc:
        page_error(exc)
    last_month = recognition.add_months(timezone.localdate(), -1)
    return render(
        request,
        "contracts/recognition/schedule.html",
        {
            "schedule": schedule,
            "contract": schedule.contract,
            "contract_url": keydates.contract_url(schedule.contract.pk),
            "can_recognise": may(request.user, "recognise", Contract),
            "default_period": last_month.strftime("%Y-%m"),
        },
    )


def _month(value: str | None) -> date | None:
    """ "2026-11" -> 2026-11-01; None for anything else."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@login_required
@require_POST
def recognition_run(request: HttpRequest) -> HttpResponse:
    """Run the month's recognition now (the monthly task does it by itself on the 1st)."""
    need(request.user, "recognise", Contract)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("revenue:key_dates")
    period = _month(request.POST.get("period"))
    if period is None:
        messages.error(request, _("Choose a month."))
        return redirect(back)
    try:
        rows = recognition.revenue_recognition_run(actor=request.user, period=period)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        contracts = len({row.line.contract_id for row in rows})
        messages.success(
            request,
            ngettext(
                "Revenue of %(month)s recognised for %(n)d contract.",
                "Revenue of %(month)s recognised for %(n)d contracts.",
                contracts,
            )
            % {"month": f"{period:%Y-%m}", "n": contracts},
        )
    return redirect(back)


def _weeks(first: date) -> list[list[date]]:
    """The month's weeks, Monday first, padded with the neighbouring months' days."""
    start = first - timedelta(days=first.weekday())
    last = recognition.month_end(first)
    end = last + timedelta(days=6 - last.weekday())
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [days[i : i + 7] for i in range(0, len(days), 7)]


@login_required
def key_date_calendar(request: HttpRequest) -> HttpResponse:
    """The key dates of the contracts the user may see, as a month grid and a list."""
    need(request.user, "view", Contract)
    today = timezone.localdate()
    first = _month(request.GET.get("month")) or today.replace(day=1)
    weeks = _weeks(first)
    found = keydates.key_dates(user=request.user, start=weeks[0][0], end=weeks[-1][-1])
    by_day: dict[date, list[keydates.KeyDate]] = {}
    for key_date in found:
        by_day.setdefault(key_date.date, []).append(key_date)
    token = keydates.key_date_feed_token(user=request.user)
    feed_path = reverse("revenue:key_dates_feed", args=[token])
    return render(
        request,
        "contracts/keydates/calendar.html",
        {
            "month": first,
            "previous": recognition.add_months(first, -1).strftime("%Y-%m"),
            "next": recognition.add_months(first, 1).strftime("%Y-%m"),
            "this_month": today.strftime("%Y-%m"),
            "today": today,
            "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "in_month": [k for k in found if k.date.month == first.month],
            "kinds": KeyDateKind,
            "feed_url": f"{settings.CASHLOOP_BASE_URL}{feed_path}",
        },
    )


@require_GET
def key_date_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A user's key dates as iCalendar, for calendar apps (no session: a signed address)."""
    user = keydates.key_date_feed_user(token=token)
    if user is None or not may(user, "view", Contract):
        raise Http404(_("No such calendar."))
    body = keydates.key_date_feed(user=user, base_url=settings.CASHLOOP_BASE_URL)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cashloop-key-dates.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response

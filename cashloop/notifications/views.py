"""Pages of notifications: my messages; opening one marks it read and follows its link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.notifications import selectors, services

PAGE_LIMIT = 200


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    rows = selectors.notification_list(user=request.user, unread=unread)[:PAGE_LIMIT]
    return render(request, "notifications/list.html", {"rows": rows, "unread": unread})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        n = services.notification_read(actor=request.user, notification_id=notification_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notifications:list")
    safe = url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()})
    return redirect(n.url if n.url and safe else "notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_read_all(actor=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:list")

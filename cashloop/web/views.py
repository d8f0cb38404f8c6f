"""Pages of the shell: dashboard, settings index, sections not built yet, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import AuditEntry
from cashloop.core.scoping import may
from cashloop.customers import selectors as customer_selectors
from cashloop.identity import selectors as identity_selectors
from cashloop.imports.models import ImportJob
from cashloop.receivables.models import InvoicingProfile
from cashloop.web import dashboards
from cashloop.web.navigation import SECTIONS_BY_KEY
from cashloop.webhooks.models import WebhookSubscription


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The boards of the user's roles (decision 064), one at a time, and what everyone sees."""
    boards = dashboards.boards_for(request.user)
    board = dashboards.BOARDS_BY_KEY.get(request.GET.get("board", ""))
    if board not in boards:
        board = boards[0] if boards else None
    customers = customer_selectors.customer_list(user=request.user)
    context = {
        "boards": boards,
        "board": board,
        "b": board.build(request.user, timezone.localdate()) if board is not None else None,
        "customer_count": customers.count(),
        "my_customer_count": customers.filter(owner=request.user).count(),
        "contact_count": customer_selectors.contact_list(user=request.user).count(),
        "recent_customers": customers.order_by("-updated_at")[:8],
        "my_changes": AuditEntry.objects.filter(actor=request.user)
        .select_related("object_type")
        .order_by("-at")[:8],
    }
    return render(request, "web/dashboard.html", context)


@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    users = identity_selectors.user_list(user=request.user).prefetch_related("roles")
    return render(
        request,
        "web/settings.html",
        {
            "users": users,
            "can_invoicing": may(request.user, "view", InvoicingProfile),
            "can_webhooks": may(request.user, "view", WebhookSubscription),
            "can_imports": may(request.user, "view", ImportJob),
        },
    )


@login_required
def section(request: HttpRequest, section: str) -> HttpResponse:
    found = SECTIONS_BY_KEY.get(section)
    if found is None or found.built:
        raise Http404
    return render(request, "web/not_built.html", {"section": found})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 403}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # Paths the API does not know answer like everything else there: the envelope.
        error = DomainError(CoreError.NOT_FOUND)
        return JsonResponse(error.as_envelope(), status=error.status)
    return render(request, "web/error.html", {"status": 404}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"status": 500}, status=500)

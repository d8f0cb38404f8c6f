"""Pages of credit control: a customer's credit (limit, exposure, available, score with its
reasons, holds, signals, and the forms to ask a release or a limit and record a signal),
and the list of open holds finance works from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.credit import selectors, services
from cashloop.credit.errors import CreditError
from cashloop.credit.forms import LimitForm, ReleaseForm, SignalForm
from cashloop.credit.models import CreditHold, CreditProfile, RiskSignal
from cashloop.web.pages import need, page_error, refuse_or_show


@login_required
def hold_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", CreditHold)
    holds = selectors.holds_list(user=request.user)[:200]
    return render(request, "credit/hold_list.html", {"holds": holds})


def _page(request: HttpRequest, customer_id: int, **forms: object) -> HttpResponse:
    need(request.user, "view", CreditHold)
    credit = selectors.customer_credit(user=request.user, customer_id=customer_id)
    if credit is None:
        page_error(DomainError(CreditError.CUSTOMER_NOT_FOUND))
    assert credit is not None
    position = credit["position"]
    context = {
        **credit,
        # A release covers the holds, and with a limit also a sale that would pass it
        # (the service places that `limit` hold itself), so the page offers it then too.
        "may_ask_release": position.hold is not None or position.limit is not None,
        "release_pending": next(
            (
                h.approval_request
                for h in credit["holds"]
                if h.is_open
                and h.approval_request is not None
                and h.approval_request.status == "pending"
            ),
            None,
        ),
        "release_form": forms.get("release_form") or ReleaseForm(),
        "limit_form": forms.get("limit_form") or LimitForm(),
        "signal_form": forms.get("signal_form") or SignalForm(),
        "can_release": may(request.user, "release", CreditHold),
        "can_limit": may(request.user, "change", CreditProfile),
        "can_signal": may(request.user, "add", RiskSignal),
    }
    return render(request, "credit/customer.html", context)


@login_required
def customer_credit(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _page(request, customer_id)


@login_required
@require_POST
def release_request(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            holds = services.credit_hold_release_request(
                actor=request.user, customer_id=customer_id, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error(None, exc.message)
        else:
            pending = any(h.released_at is None for h in holds)
            messages.success(
                request,
                _("Release asked; finance decides in Approvals.") if pending else _("Released."),
            )
            return redirect("credit:customer", customer_id)
    return _page(request, customer_id, release_form=form)


@login_required
@require_POST
def limit_change(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = LimitForm(request.POST)
    if form.is_valid():
        try:
            change = services.credit_limit_change_request(
                actor=request.user, customer_id=customer_id, **form.cleaned_data
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error("limit" if exc.code == CreditError.LIMIT_NEGATIVE else None, exc.message)
        else:
            messages.success(
                request,
                _("New limit applied.")
                if change.status == "applied"
                else _("New limit sent for approval."),
            )
            return redirect("credit:customer", customer_id)
    return _page(request, customer_id, limit_form=form)


@login_required
@require_POST
def signal_record(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = SignalForm(request.POST)
    if form.is_valid():
        try:
            services.risk_signal_create(
                actor=request.user,
                signal=services.SignalIn(customer_id=customer_id, **form.cleaned_data),
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Risk signal recorded; the score is updated."))
            return redirect("credit:customer", customer_id)
    return _page(request, customer_id, signal_form=form)

"""Pages of credit control: a customer's credit (limit, exposure, available, score with its
reasons, holds, signals, and the forms to ask a release or a limit and record a signal),
the list of open holds finance works from, and the admin's page of credit settings, group
limits and score band policies."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import may
from cashloop.credit import selectors, services
from cashloop.credit.errors import CreditError
from cashloop.credit.forms import (
    BandForm,
    CreditSettingsForm,
    GroupLimitForm,
    LimitForm,
    ReleaseForm,
    SignalForm,
)
from cashloop.credit.models import CreditHold, CreditProfile, CreditSettings, RiskSignal
from cashloop.web.pages import need, page_error, refuse_or_show


@login_required
def hold_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", CreditHold)
    holds = selectors.holds_list(user=request.user)[:200]
    context = {"holds": holds, "can_settings": may(request.user, "change", CreditSettings)}
    return render(request, "credit/hold_list.html", context)


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


# --- the admin's page: settings, group limits, score band policies ---------------------------


def _settings_page(request: HttpRequest, **forms: object) -> HttpResponse:
    need(request.user, "change", CreditSettings)
    current = selectors.credit_settings()
    context = {
        "settings_form": forms.get("settings_form")
        or CreditSettingsForm(
            initial={
                "include_open_quotes": current.include_open_quotes,
                "overdue_days": current.overdue_days,
                "overdue_amount": quantize(current.overdue_amount, base_currency()),
                "release_grace_days": current.release_grace_days,
            }
        ),
        "group_form": forms.get("group_form") or GroupLimitForm(),
        "band_form": forms.get("band_form") or BandForm(),
        "group_limits": selectors.group_limit_list(user=request.user),
        "bands": selectors.band_list(user=request.user),
    }
    return render(request, "credit/settings.html", context)


@login_required
def credit_admin(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


def _post(
    request: HttpRequest, form: forms.Form, name: str, save: Callable[[dict], object], done: str
) -> HttpResponse:
    """Save a valid form through `save`; a refusal shows on the form, the page again."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error(None, f"{exc.message} ({exc.code.code})")
        else:
            messages.success(request, done)
            return redirect("credit:settings")
    return _settings_page(request, **{name: form})


@login_required
@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    def save(data: dict) -> object:
        return services.credit_settings_update(actor=request.user, **data)

    form = CreditSettingsForm(request.POST)
    return _post(request, form, "settings_form", save, _("Credit settings saved."))


@login_required
@require_POST
def group_limit_save(request: HttpRequest) -> HttpResponse:
    def save(data: dict) -> object:
        return services.credit_group_limit_set(
            actor=request.user,
            group_id=data["group"].pk,
            limit=data["limit"],
            currency=data["currency"] or None,
        )

    form = GroupLimitForm(request.POST)
    return _post(request, form, "group_form", save, _("Group limit saved."))


@login_required
@require_POST
def band_save(request: HttpRequest) -> HttpResponse:
    def save(data: dict) -> object:
        return services.credit_band_save(actor=request.user, band=services.BandIn(**data))

    form = BandForm(request.POST)
    return _post(request, form, "band_form", save, _("Score band saved."))


@login_required
@require_POST
def band_delete(request: HttpRequest, band_id: int) -> HttpResponse:
    try:
        services.credit_band_delete(actor=request.user, band_id=band_id)
    except DomainError as exc:
        page_error(exc)
    messages.success(request, _("Score band deleted."))
    return redirect("credit:settings")

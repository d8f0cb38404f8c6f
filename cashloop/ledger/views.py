"""Pages of the ledger: chart of accounts, journal, entry detail, periods, verify."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.money import base_currency
from cashloop.core.scoping import may, require
from cashloop.core.verify import verify_all
from cashloop.customers import selectors as customer_selectors
from cashloop.ledger import selectors, services, vouchers
from cashloop.ledger.choices import PostingReason
from cashloop.ledger.forms import AccountForm, EntryFilterForm, ReverseForm
from cashloop.ledger.models import Account, AccountingPeriod, JournalEntry
from cashloop.web.files import attachment
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 50


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render a ledger page; its tabs show Verify only to those who may run it."""
    context["can_verify"] = may(request.user, "view", JournalEntry) and may(
        request.user, "reverse", JournalEntry
    )
    return render(request, template, context, status=status)


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    try:
        accounts = list(selectors.account_list(user=request.user))
    except DomainError as exc:
        page_error(exc)
    context = {
        "accounts": accounts,
        "can_add": may(request.user, "add", Account),
        "can_change": may(request.user, "change", Account),
    }
    return _render(request, "ledger/account_list.html", context)


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Account)
    form = AccountForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Account %(account)s added.") % {"account": account})
            return redirect("ledger:accounts")
    return _render(request, "ledger/account_form.html", {"form": form, "account": None})


@login_required
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    try:
        account = selectors.account_get(user=request.user, account_id=account_id, action="change")
    except DomainError as exc:
        page_error(exc)
    form = AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(
                actor=request.user,
                account_id=account.pk,
                **form.service_data(only_changed=True),
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Account %(code)s saved.") % {"code": account.code})
            return redirect("ledger:accounts")
    return _render(request, "ledger/account_form.html", {"form": form, "account": account})


@login_required
def vouchers_export(request: HttpRequest) -> HttpResponse:
    """The journal's vouchers as CSV, over the dates the journal page filters on."""
    filters = EntryFilterForm(request.GET).filters()
    day_from, day_to = filters["date_from"], filters["date_to"]
    try:
        text = selectors.vouchers_export(user=request.user, date_from=day_from, date_to=day_to)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("ledger:entries")
    return attachment(text, vouchers.CONTENT_TYPE, selectors.vouchers_filename(day_from, day_to))


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    filter_form = EntryFilterForm(request.GET)
    filters = filter_form.filters()
    try:
        entries = selectors.entry_list(user=request.user, **filters)
        accounts = selectors.account_list(user=request.user)
    except DomainError as exc:
        page_error(exc)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    customer = None
    if filters["customer_id"] is not None:
        try:
            customer = customer_selectors.customer_get(
                user=request.user, customer_id=filters["customer_id"]
            )
        except DomainError:
            customer = None
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    context = {
        "page": page,
        "filters": filters,
        "query": query,
        "reasons": PostingReason.choices,
        "accounts": accounts,
        "customer": customer,
        "base_currency": base_currency(),
        "can_export": may(request.user, "export", JournalEntry),
    }
    template = "ledger/_entry_rows.html" if request.htmx else "ledger/entry_list.html"
    return _render(request, template, context)


def _entry_context(request: HttpRequest, entry: JournalEntry, form: ReverseForm) -> dict:
    lines = list(entry.lines.all())
    for line in lines:  # the base-currency columns, as debit and credit like the others
        line.base_debit = line.base_amount if line.base_amount > 0 else None
        line.base_credit = -line.base_amount if line.base_amount < 0 else None
    reversal = getattr(entry, "reversed_by", None)
    return {
        "entry": entry,
        "lines": lines,
        "reversal": reversal,
        "base_currency": base_currency(),
        "base_debit": sum((line.base_amount for line in lines if line.base_amount > 0), 0),
        "base_credit": sum((-line.base_amount for line in lines if line.base_amount < 0), 0),
        "can_reverse": reversal is None and may(request.user, "reverse", JournalEntry),
        "form": form,
    }


@login_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = selectors.entry_get(user=request.user, entry_id=entry_id)
    except DomainError as exc:
        page_error(exc)
    form = ReverseForm(initial={"date": timezone.localdate()})
    return _render(request, "ledger/entry_detail.html", _entry_context(request, entry, form))


@login_required
@require_POST
def entry_reverse(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        require(request.user, "reverse", JournalEntry)
        entry = selectors.entry_get(user=request.user, entry_id=entry_id)
    except DomainError as exc:
        page_error(exc)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.journal_entry_reverse(
                actor=request.user,
                entry_id=entry.pk,
                entry_date=form.cleaned_data["date"],
                memo=form.cleaned_data["memo"],
            )
        except DomainError as exc:
            if exc.code is CoreError.PERMISSION_DENIED:
                page_error(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(entry)s reversed by %(reversal)s.")
                % {"entry": entry.number, "reversal": reversal.number},
            )
            return redirect("ledger:entry_detail", entry_id=reversal.pk)
    return _render(request, "ledger/entry_detail.html", _entry_context(request, entry, form))


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        rows = selectors.period_calendar(user=request.user, today=today)
    except DomainError as exc:
        page_error(exc)
    context = {
        "rows": rows,
        "current": (today.year, today.month),
        "can_change": may(request.user, "change", AccountingPeriod),
    }
    return _render(request, "ledger/period_list.html", context)


def _period_set(request: HttpRequest, year: int, month: int, *, close: bool) -> HttpResponse:
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        raise Http404
    action = services.accounting_period_close if close else services.accounting_period_reopen
    try:
        period = action(actor=request.user, year=year, month=month)
    except DomainError as exc:
        if exc.code in (CoreError.PERMISSION_DENIED, CoreError.NOT_AUTHENTICATED):
            page_error(exc)
        messages.error(request, exc.message)
    else:
        label = date(period.year, period.month, 1)
        if close:
            messages.success(request, _("%(month)s closed.") % {"month": f"{label:%Y-%m}"})
        else:
            messages.success(request, _("%(month)s reopened.") % {"month": f"{label:%Y-%m}"})
    return redirect("ledger:periods")


@login_required
@require_POST
def period_close(request: HttpRequest, year: int, month: int) -> HttpResponse:
    return _period_set(request, year, month, close=True)


@login_required
@require_POST
def period_reopen(request: HttpRequest, year: int, month: int) -> HttpResponse:
    return _period_set(request, year, month, close=False)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Finance and admins (those who may reverse entries) run every verify check."""
    try:
        require(request.user, "view", JournalEntry)
        require(request.user, "reverse", JournalEntry)
    except DomainError as exc:
        page_error(exc)
    results = verify_all()
    context = {
        "results": results,
        "all_ok": all(r.ok for r in results),
        "ran_at": timezone.localtime(),
    }
    return _render(request, "ledger/verify.html", context)

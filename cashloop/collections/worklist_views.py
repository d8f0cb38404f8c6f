"""Pages of the collector's worklist under /collections/: "My tasks today" by priority, and
one page per customer with its open items, contacts, history, promises and the quick
actions (log a contact, record a promise, send a statement, schedule, escalate, done)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.collections import selectors, services
from cashloop.collections.models import CollectionActivity, CollectionTask, PaymentPromise
from cashloop.collections.selectors import Priority
from cashloop.collections.worklist_forms import ActivityForm, EscalateForm, PromiseForm, TaskForm
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, format_money
from cashloop.core.scoping import may
from cashloop.web.pages import need, page_error, refuse_or_show


def priority_reasons(
    priority: Priority, *, overdue: Any, days: int, score: int | None, broken: int
) -> list[str]:
    """Why a customer is where it is on the list, largest part first."""
    texts = {
        "amount": _("%(amount)s overdue") % {"amount": format_money(overdue, base_currency())},
        "days": _("%(days)s days late") % {"days": days},
        "risk": _("credit score %(score)s") % {"score": score},
        "broken_promises": _("%(count)s broken promises") % {"count": broken},
    }
    return [f"{texts[part]} (+{points})" for part, points in priority.parts]


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", CollectionTask)
    everyone = request.GET.get("all") == "1"
    rows = selectors.worklist(user=request.user, everyone=everyone)
    for row in rows:
        row.reasons = priority_reasons(  # type: ignore[attr-defined]
            row.priority,
            overdue=row.overdue,
            days=row.oldest_days,
            score=row.credit_score,
            broken=row.broken_promises,
        )
    return render(
        request,
        "collections/worklist.html",
        {
            "rows": rows[:300],
            "everyone": everyone,
            "base_currency": base_currency(),
            "today": timezone.localdate(),
            "can_check": may(request.user, "check", PaymentPromise),
        },
    )


def _customer(request: HttpRequest, customer_id: int) -> selectors.CollectionCustomer:
    need(request.user, "view", CollectionTask)
    try:
        return selectors.collection_customer(user=request.user, customer_id=customer_id)
    except DomainError as exc:
        page_error(exc)


def _page(request: HttpRequest, customer_id: int, **bound: forms.Form) -> HttpResponse:
    data = _customer(request, customer_id)
    contacts = data.contacts
    context = {
        "c": data,
        "customer": data.customer,
        "base_currency": base_currency(),
        "today": timezone.localdate(),
        "reasons": priority_reasons(
            data.priority,
            overdue=data.overdue,
            days=data.oldest_days,
            score=data.credit_score,
            broken=data.broken_promises,
        ),
        "activity_form": bound.get("activity_form") or ActivityForm(contacts=contacts),
        "promise_form": bound.get("promise_form") or PromiseForm(),
        "task_form": bound.get("task_form") or TaskForm(),
        "escalate_form": bound.get("escalate_form") or EscalateForm(),
        "can_log": may(request.user, "add", CollectionActivity),
        "can_promise": may(request.user, "add", PaymentPromise),
        "can_cancel": may(request.user, "change", PaymentPromise),
        "can_task": may(request.user, "add", CollectionTask),
        "can_done": may(request.user, "change", CollectionTask),
    }
    status = 422 if bound else 200
    return render(request, "collections/collection_customer.html", context, status=status)


@login_required
def customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _page(request, customer_id)


def _act(
    request: HttpRequest,
    customer_id: int,
    form: forms.Form,
    name: str,
    action: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Run a quick action from its form: back to the page with a message, or the page
    again with the form's errors."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect("worklist:customer", customer_id)
    return _page(request, customer_id, **{name: form})


@login_required
@require_POST
def activity_log(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = ActivityForm(request.POST, contacts=_customer(request, customer_id).contacts)

    def act(d: dict[str, Any]) -> object:
        return services.collection_activity_log(actor=request.user, customer_id=customer_id, **d)

    return _act(request, customer_id, form, "activity_form", act, _("Contact logged."))


@login_required
@require_POST
def promise_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    def act(d: dict[str, Any]) -> object:
        return services.payment_promise_create(actor=request.user, customer_id=customer_id, **d)

    form = PromiseForm(request.POST)
    return _act(request, customer_id, form, "promise_form", act, _("Promise recorded."))


@login_required
@require_POST
def task_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    def act(d: dict[str, Any]) -> object:
        return services.collection_task_create(actor=request.user, customer_id=customer_id, **d)

    form = TaskForm(request.POST)
    return _act(request, customer_id, form, "task_form", act, _("Follow-up scheduled."))


@login_required
@require_POST
def escalate(request: HttpRequest, customer_id: int) -> HttpResponse:
    def act(d: dict[str, Any]) -> object:
        return services.collection_escalate(actor=request.user, customer_id=customer_id, **d)

    form = EscalateForm(request.POST)
    return _act(request, customer_id, form, "escalate_form", act, _("Escalated."))


def _simple(request: HttpRequest, customer_id: int, run: Callable[[], object], done: str) -> Any:
    try:
        run()
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("worklist:customer", customer_id)


@login_required
@require_POST
def statement_send(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _simple(
        request,
        customer_id,
        lambda: services.collection_statement_send(actor=request.user, customer_id=customer_id),
        _("Statement sent."),
    )


@login_required
@require_POST
def promise_cancel(request: HttpRequest, customer_id: int, promise_id: int) -> HttpResponse:
    return _simple(
        request,
        customer_id,
        lambda: services.payment_promise_cancel(actor=request.user, promise_id=promise_id),
        _("Promise cancelled."),
    )


@login_required
@require_POST
def task_done(request: HttpRequest, customer_id: int, task_id: int) -> HttpResponse:
    return _simple(
        request,
        customer_id,
        lambda: services.collection_task_done(actor=request.user, task_id=task_id),
        _("Task done."),
    )


@login_required
@require_POST
def promises_check(request: HttpRequest) -> HttpResponse:
    need(request.user, "check", PaymentPromise)
    result = services.payment_promises_check(actor=request.user)
    messages.success(
        request,
        _("Promises checked: %(kept)s kept, %(broken)s broken, %(open)s still open.")
        % {
            "kept": result.kept,
            "broken": result.broken,
            "open": result.checked - result.kept - result.broken,
        },
    )
    return redirect("worklist:collections")

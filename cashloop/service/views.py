"""Pages of after-sales service: the ticket list, a ticket with its conversation, a new ticket.

The overdue warning is shown on a ticket and on the new-ticket form as soon as a
customer is chosen (the customer select reloads the form through HTMX).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import may, may_on
from cashloop.customers.models import Customer
from cashloop.service import selectors, services
from cashloop.service.choices import MOVE_LABELS, TRANSITIONS, TicketPriority, TicketStatus
from cashloop.service.forms import AssignForm, ReplyForm, TicketFilterForm, TicketForm
from cashloop.service.models import Ticket
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 25


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Ticket)
    filters = TicketFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.ticket_list(
        user=request.user,
        q=data.get("q", ""),
        status=data.get("status", ""),
        priority=data.get("priority", ""),
        assignee_id=request.user.pk if data.get("mine") else None,
        overdue_sla=bool(data.get("overdue_sla")),
        customer_id=data.get("customer"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": data,
        "query": urlencode({k: v for k, v in data.items() if v}),
        "statuses": TicketStatus.choices,
        "priorities": TicketPriority.choices,
        "can_add": may(request.user, "add", Ticket),
    }
    template = "service/_ticket_rows.html" if request.htmx else "service/ticket_list.html"
    return render(request, template, context)


def _chosen_customer(request: HttpRequest, customers: QuerySet[Customer]) -> Customer | None:
    raw = request.POST.get("customer") or request.GET.get("customer") or ""
    return customers.filter(pk=raw).first() if raw.isdigit() else None


@login_required
def ticket_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Ticket)
    customers = Customer.objects.restrict(request.user, "view").filter(merged_into=None)
    customer = _chosen_customer(request, customers)
    if request.method == "POST":
        form = TicketForm(request.POST, customers=customers, customer=customer)
    else:
        # Choosing a customer reloads the form with what was typed so far, unvalidated.
        form = TicketForm(initial=request.GET.dict(), customers=customers, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
            return redirect("service:detail", ticket_id=ticket.pk)
    context = {
        "form": form,
        "customer": customer,
        "warning": selectors.customer_overdue_warning(customer.pk) if customer else None,
    }
    return render(request, "service/ticket_form.html", context)


def _detail(
    request: HttpRequest,
    ticket_id: int,
    reply_form: ReplyForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    except DomainError as exc:
        page_error(exc)
    can_change = may_on(request.user, "change", ticket)
    context = {
        "ticket": ticket,
        "warning": selectors.customer_overdue_warning(ticket.customer_id),
        "reply_form": reply_form or ReplyForm(),
        "assign_form": assign_form or AssignForm(initial={"assignee": ticket.assignee_id}),
        "can_reply": may_on(request.user, "reply", ticket) and ticket.status != "closed",
        "can_assign": may_on(request.user, "assign", ticket) and ticket.status != "closed",
        "moves": [
            (value, label)
            for value, label in MOVE_LABELS.items()
            if can_change and value in TRANSITIONS[ticket.status]
        ],
    }
    return render(request, "service/ticket_detail.html", context, status=status)


@login_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _detail(request, ticket_id)


@login_required
@require_POST
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_reply(
                actor=request.user,
                ticket_id=ticket_id,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                payment_reminder_added=form.cleaned_data["payment_reminder"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Reply added."))
            return redirect("service:detail", ticket_id=ticket_id)
    return _detail(request, ticket_id, reply_form=form, status=422)


@login_required
@require_POST
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = AssignForm(request.POST)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            services.ticket_assign(
                actor=request.user,
                ticket_id=ticket_id,
                assignee_id=assignee.pk if assignee else None,
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Ticket assigned."))
            return redirect("service:detail", ticket_id=ticket_id)
    return _detail(request, ticket_id, assign_form=form, status=422)


@login_required
@require_POST
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        services.ticket_update(
            actor=request.user,
            ticket_id=ticket_id,
            changes={"status": request.POST.get("status", "")},
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Status changed."))
    return redirect("service:detail", ticket_id=ticket_id)

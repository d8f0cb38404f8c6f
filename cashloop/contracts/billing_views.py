"""Pages of contract billing (/billing/): the installments due with "Bill now", and the
three-way reconciliation (/billing/reconciliation/) with its totals and a "does not tie"
filter.  Both call the same functions as the API and the daily task."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cashloop.contracts import billing, keydates, reconciliation
from cashloop.contracts.choices import ContractStatus
from cashloop.contracts.models import Contract
from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.customers.models import Customer
from cashloop.web.pages import need, refuse_or_show

# The page shows this many due installments; the API lists them all.
DUE_ROWS = 200


@login_required
def billing_due(request: HttpRequest) -> HttpResponse:
    """Installments due by today and not invoiced, of the contracts the user may bill."""
    need(request.user, "bill", Contract)
    today = timezone.localdate()
    items = billing.due_plan_items(user=request.user, on=today)
    rows = list(items[:DUE_ROWS])
    for item in rows:
        item.contract_url = keydates.contract_url(item.contract_id)
    return render(
        request,
        "contracts/billing/due.html",
        {"items": rows, "count": items.count(), "today": today, "shown": DUE_ROWS},
    )


@login_required
@require_POST
def billing_run(request: HttpRequest) -> HttpResponse:
    """ "Bill now": invoice what is due today, of one contract or all (the daily task's work)."""
    need(request.user, "bill", Contract)
    contract_id = request.POST.get("contract_id") or None
    try:
        invoices = billing.contract_invoices_generate(
            actor=request.user,
            on=timezone.localdate(),
            contract_id=int(contract_id) if contract_id and contract_id.isdigit() else None,
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d invoice issued from the payment plans.",
                "%(n)d invoices issued from the payment plans.",
                len(invoices),
            )
            % {"n": len(invoices)}
            if invoices
            else _("Nothing was due: no invoice issued."),
        )
    return redirect("billing:due")


@login_required
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    """Contracted, invoiced, collected, outstanding, not invoiced, recognised: per contract
    and in total; the contracts that do not tie are marked and can be shown alone."""
    need(request.user, "view", Contract)
    customer = request.GET.get("customer", "")
    status = request.GET.get("status", "")
    off_only = request.GET.get("off") == "1"
    rows = list(
        reconciliation.contract_reconciliation(
            user=request.user,
            customer_id=int(customer) if customer.isdigit() else None,
            status=status if status in ContractStatus.values else None,
            off_only=off_only,
        )
    )
    for row in rows:
        row.contract_url = keydates.contract_url(row.pk)
    chosen = (
        Customer.objects.restrict(request.user, "view").filter(pk=customer).first()
        if customer.isdigit()
        else None
    )
    return render(
        request,
        "contracts/billing/reconciliation.html",
        {
            "rows": rows,
            "totals": reconciliation.reconciliation_totals(rows),
            "statuses": [(v, label) for v, label in ContractStatus.choices if v != "draft"],
            "filters": {"status": status, "off": off_only, "customer": chosen},
            "can_bill": may(request.user, "bill", Contract),
        },
    )

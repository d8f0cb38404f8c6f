"""Pages of receivables: invoices, credit notes, payments with their allocation panel.

Every write calls a service and every read a selector.  The draft form's live totals
are a dry run through the real service (`invoice_create` / `invoice_update` inside a
transaction that is rolled back), so the page never computes money on its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cashloop.contracts.crediting import credited_so_far
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import may
from cashloop.customers import selectors as customer_selectors
from cashloop.customfields.exports import list_export
from cashloop.customfields.forms import service_custom
from cashloop.customfields.selectors import column_cells
from cashloop.customfields.views import list_custom
from cashloop.ledger.models import JournalEntry
from cashloop.receivables import einvoice, selectors, services
from cashloop.receivables.choices import (
    DueRule,
    HeldPostingKind,
    InvoiceOrigin,
    InvoiceStatus,
    WriteOffKind,
)
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.forms import (
    ContractCreditFormSet,
    CreditNoteForm,
    DocumentFilterForm,
    InstallmentFormSet,
    InvoiceFilterForm,
    InvoiceForm,
    InvoicingProfileForm,
    LineFormSet,
    PaymentForm,
    RefundForm,
    StatementForm,
    WriteOffForm,
    filled,
)
from cashloop.receivables.models import (
    CreditNote,
    HeldPosting,
    Invoice,
    InvoicingProfile,
    Payment,
)
from cashloop.receivables.statement import default_period, statement_get, statement_pdf
from cashloop.web.files import attachment
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _plain(value: Decimal) -> str:
    """7.20000000 -> "7.2", 10.00 -> "10" (never "1E+1")."""
    return format(value.normalize(), "f")


def _query(filters: dict[str, Any]) -> str:
    return urlencode(
        {k: ("1" if v is True else v) for k, v in filters.items() if v not in (None, "", False)}
    )


def _filter_customer(request: HttpRequest, customer_id: int | None) -> Any:
    if customer_id is None:
        return None
    try:
        return customer_selectors.customer_get(user=request.user, customer_id=customer_id)
    except DomainError:
        return None


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# --- invoices ----------------------------------------------------------------------------


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Invoice)
    filters = InvoiceFilterForm(request.GET).filters()
    invoices, custom = list_custom(request, selectors.invoice_list(user=request.user, **filters))
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    column_cells(custom["custom_columns"], page.object_list)
    context = {
        **custom,
        "page": page,
        "filters": filters,
        "query": "&".join(q for q in (_query(filters), custom["custom_query"]) if q),
        "statuses": InvoiceStatus.choices,
        "customer": _filter_customer(request, filters["customer_id"]),
        "can_add": may(request.user, "add", Invoice),
        "can_export": may(request.user, "export", Invoice),
        "active_tab": "invoices",
    }
    template = "receivables/_invoice_rows.html" if request.htmx else "receivables/invoice_list.html"
    return render(request, template, context)


@login_required
def invoice_export(request: HttpRequest) -> HttpResponse:
    """The invoices of the list's filters as CSV (or Excel with `?format=xlsx`)."""
    need(request.user, "export", Invoice)
    filters = InvoiceFilterForm(request.GET).filters()
    rows = selectors.invoice_list(user=request.user, action="export", **filters)
    columns = [
        (_("Number"), lambda i: i.number, "number"),
        (_("Customer"), lambda i: i.customer.name, "customer__name"),
        (_("Invoice date"), lambda i: i.issue_date.isoformat(), "issue_date"),
        (_("Status"), lambda i: i.get_status_display(), "status"),
        (_("Currency"), lambda i: i.currency, "currency"),
        (_("Total"), lambda i: quantize(i.total, i.currency), "total"),
        (_("Residual"), lambda i: quantize(i.residual, i.currency), "residual"),
    ]
    return list_export(request, rows, columns=columns, filename="invoices")


@login_required
def payment_export(request: HttpRequest) -> HttpResponse:
    """The payments of the list's filters as CSV (or Excel with `?format=xlsx`)."""
    need(request.user, "export", Payment)
    filters = DocumentFilterForm(request.GET).filters()
    rows = selectors.payment_list(user=request.user, action="export", **filters)
    columns = [
        (_("Number"), lambda p: p.number, "number"),
        (_("Customer"), lambda p: p.customer.name, "customer__name"),
        (_("Date"), lambda p: p.date.isoformat(), "date"),
        (_("Method"), lambda p: p.get_method_display(), "method"),
        (_("Currency"), lambda p: p.currency, "currency"),
        (_("Amount"), lambda p: quantize(p.amount, p.currency), "amount"),
        (_("Unapplied"), lambda p: quantize(p.unapplied, p.currency), "unapplied"),
        (_("Bank reference"), lambda p: p.bank_reference, "bank_reference"),
        (_("Payer"), lambda p: p.payer_name, "payer_name"),
        (_("Voided on"), lambda p: p.voided_on.isoformat() if p.voided_on else "", "voided_on"),
    ]
    return list_export(
        request, rows.select_related("customer"), columns=columns, filename="payments"
    )


@login_required
def credit_note_export(request: HttpRequest) -> HttpResponse:
    """The credit notes of the list's filters as CSV (or Excel with `?format=xlsx`)."""
    need(request.user, "export", CreditNote)
    filters = DocumentFilterForm(request.GET).filters()
    rows = selectors.credit_note_list(user=request.user, action="export", **filters)
    columns = [
        (_("Number"), lambda n: n.number, "number"),
        (_("Customer"), lambda n: n.customer.name, "customer__name"),
        (_("Invoice"), lambda n: n.invoice.number if n.invoice else "", "invoice__number"),
        (_("Date"), lambda n: n.date.isoformat(), "date"),
        (_("Currency"), lambda n: n.currency, "currency"),
        (_("Total"), lambda n: quantize(n.amount, n.currency), "amount"),
        (_("Unapplied"), lambda n: quantize(n.unapplied, n.currency), "unapplied"),
        (_("Reason"), lambda n: n.reason, "reason"),
    ]
    rows = rows.select_related("customer", "invoice")
    return list_export(request, rows, columns=columns, filename="credit-notes")


def _draft_forms(
    request: HttpRequest, invoice: Invoice | None = None, data: Any = None
) -> tuple[InvoiceForm, Any, Any]:
    customers = customer_selectors.customer_list(user=request.user)
    if invoice is None:
        initial: dict[str, Any] = {"issue_date": timezone.localdate()}
        if (customer_id := _int(request.GET.get("customer"))) is not None:
            initial["customer"] = customers.filter(pk=customer_id).first()
        lines_initial: list[dict[str, Any]] = []
        items_initial: list[dict[str, Any]] = []
    else:
        foreign = invoice.currency != base_currency()
        initial = {
            "issue_date": invoice.issue_date,
            "rate": _plain(invoice.rate) if foreign else None,
            "memo": invoice.memo,
        }
        lines_initial = [
            {
                "description": line.description,
                "quantity": _plain(line.quantity),
                "unit_price": quantize(line.unit_price, invoice.currency),
                "discount_percent": _plain(line.discount_percent),
                "tax_rate": _plain(line.tax_rate),
            }
            for line in invoice.lines.all()
        ]
        items_initial = [
            {
                "share": _plain(item.share),
                "due_rule": item.due_rule,
                "due_days": item.due_days,
                "fixed_date": item.due_date if item.due_rule == DueRule.FIXED_DATE else None,
                "discount_percent": _plain(item.discount_percent),
                "discount_days": item.discount_days,
            }
            for item in invoice.installments.all()
        ]
    form = InvoiceForm(
        data, customers=customers, instance=invoice, initial=initial, custom_user=request.user
    )
    lines = LineFormSet(data, prefix="lines", initial=lines_initial or None)
    if invoice is None and data is None:
        lines.extra = 1
    items = InstallmentFormSet(data, prefix="items", initial=items_initial or None)
    return form, lines, items


def _save_draft(
    request: HttpRequest, form: InvoiceForm, lines: Any, items: Any, invoice: Invoice | None
) -> Invoice:
    """Create or change the draft through the service (raises its `DomainError`)."""
    line_rows = [row.to_service() for row in filled(lines)]
    if not line_rows:
        raise DomainError(ReceivableError.NO_LINES)
    schedule = [row.to_service() for row in filled(items)] or None
    data = form.cleaned_data
    if invoice is None:
        return services.invoice_create(
            actor=request.user,
            customer_id=data["customer"].pk,
            issue_date=data["issue_date"],
            lines=line_rows,
            installments=schedule,
            currency=data["currency"] or None,
            rate=data["rate"],
            memo=data["memo"],
            custom=service_custom(form.custom_data()),
        )
    return services.invoice_update(
        actor=request.user,
        invoice_id=invoice.pk,
        issue_date=data["issue_date"],
        lines=line_rows,
        installments=schedule,
        rate=data["rate"],
        memo=data["memo"],
        # Only the values changed: one the draft keeps is not checked again.
        custom=service_custom(form.custom_data(changed_only=True)) or None,
    )


def _draft_page(request: HttpRequest, invoice: Invoice | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form, lines, items = _draft_forms(request, invoice, data)
    if data is not None and form.is_valid() and lines.is_valid() and items.is_valid():
        try:
            saved = _save_draft(request, form, lines, items, invoice)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Draft invoice saved."))
            return redirect("receivables:invoice_detail", invoice_id=saved.pk)
    context = {
        "form": form,
        "lines": lines,
        "items": items,
        "invoice": invoice,
        "preview_url": f"?invoice={invoice.pk}" if invoice else "",
        "active_tab": "invoices",
    }
    return render(request, "receivables/invoice_form.html", context)


@login_required
def invoice_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Invoice)
    return _draft_page(request, None)


@login_required
def invoice_edit(request: HttpRequest, invoice_id: int) -> HttpResponse:
    try:
        invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id, action="change")
    except DomainError as exc:
        page_error(exc)
    if invoice.status != InvoiceStatus.DRAFT:
        messages.error(request, str(ReceivableError.NOT_DRAFT.message))
        return redirect("receivables:invoice_detail", invoice_id=invoice.pk)
    return _draft_page(request, invoice)


@login_required
@require_POST
def invoice_preview(request: HttpRequest) -> HttpResponse:
    """The draft form's totals, computed by the service in a transaction rolled back."""
    invoice = None
    if (invoice_id := _int(request.GET.get("invoice"))) is not None:
        try:
            invoice = selectors.invoice_get(
                user=request.user, invoice_id=invoice_id, action="change"
            )
        except DomainError as exc:
            page_error(exc)
    form, lines, items = _draft_forms(request, invoice, request.POST)
    context: dict[str, Any] = {
        "error": None,
        "draft": None,
        "incomplete": False,
        "base_currency": base_currency(),
    }
    if not (form.is_valid() and lines.is_valid() and items.is_valid()):
        context["incomplete"] = True
    else:
        with transaction.atomic():
            try:
                draft = _save_draft(request, form, lines, items, invoice)
                context["draft"] = draft
                context["draft_lines"] = list(draft.lines.all())
                context["draft_items"] = list(draft.installments.all())
            except DomainError as exc:
                context["error"] = exc
            transaction.set_rollback(True)
    return render(request, "receivables/_invoice_totals.html", context)


def _invoice_context(request: HttpRequest, invoice: Invoice) -> dict[str, Any]:
    is_draft = invoice.status == InvoiceStatus.DRAFT
    held = selectors.held_posting_pending(user=request.user, invoice_id=invoice.pk)
    # A sale waiting for approval is neither changed nor issued again: approval issues it.
    waiting = any(h.kind == HeldPostingKind.NON_CONTRACT_SALE for h in held)
    return {
        "invoice": invoice,
        "history": selectors.invoice_history(user=request.user, invoice_id=invoice.pk)[:50],
        "base_currency": base_currency(),
        "is_foreign": invoice.currency != base_currency(),
        "can_change": is_draft and not waiting and may(request.user, "change", Invoice),
        "can_issue": is_draft and not waiting and may(request.user, "issue", Invoice),
        "can_credit": invoice.status in (*services.OPEN_STATUSES, InvoiceStatus.PAID)
        and may(request.user, "credit", Invoice),
        "can_write_off": invoice.status in services.OPEN_STATUSES
        and may(request.user, "write_off", Invoice),
        "can_allocate": may(request.user, "allocate", Payment),
        "can_add_payment": not is_draft and may(request.user, "add", Payment),
        "can_einvoice": invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED),
        "can_view_entries": may(request.user, "view", JournalEntry),
        "held": held,
        "sale_rejected": is_draft and selectors.sale_rejection(invoice_id=invoice.pk),
        "active_tab": "invoices",
    }


@login_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    try:
        invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id)
    except DomainError as exc:
        page_error(exc)
    return render(request, "receivables/invoice_detail.html", _invoice_context(request, invoice))


@login_required
def invoice_ubl(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Download the issued invoice as a UBL e-invoice (decision 058)."""
    try:
        invoice, xml = selectors.invoice_einvoice(user=request.user, invoice_id=invoice_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("receivables:invoice_detail", invoice_id=invoice_id)
    return attachment(xml, einvoice.CONTENT_TYPE, f"{invoice.number}.xml")


@login_required
def invoicing_profile(request: HttpRequest) -> HttpResponse:
    """The company's invoicing details (开票信息): the seller on e-invoices."""
    need(request.user, "view", InvoicingProfile)
    current = selectors.invoicing_profile()
    form = InvoicingProfileForm(request.POST or None, instance=current or InvoicingProfile())
    if request.method == "POST" and form.is_valid():
        need(request.user, "change", InvoicingProfile)
        try:
            services.invoicing_profile_update(actor=request.user, changes=form.cleaned_data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Invoicing details saved."))
            return redirect("receivables:invoicing_profile")
    return render(
        request,
        "receivables/invoicing_profile.html",
        {"form": form, "can_change": may(request.user, "change", InvoicingProfile)},
    )


@login_required
@require_POST
def invoice_issue(request: HttpRequest, invoice_id: int) -> HttpResponse:
    try:
        invoice = services.invoice_issue(actor=request.user, invoice_id=invoice_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        if isinstance(invoice, HeldPosting):
            _held_message(request, invoice)
            return redirect("receivables:invoice_detail", invoice_id=invoice_id)
        messages.success(
            request, _("Invoice %(number)s issued and posted.") % {"number": invoice.number}
        )
    return redirect("receivables:invoice_detail", invoice_id=invoice_id)


@login_required
@require_POST
def invoice_cancel(request: HttpRequest, invoice_id: int) -> HttpResponse:
    try:
        services.invoice_cancel(actor=request.user, invoice_id=invoice_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        messages.success(request, _("Draft cancelled."))
    return redirect("receivables:invoice_detail", invoice_id=invoice_id)


@login_required
def credit_note_create(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """A credit note against an invoice: applied to its open items at once."""
    need(request.user, "credit", Invoice)
    try:
        invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id, action="credit")
    except DomainError as exc:
        page_error(exc)
    data = request.POST if request.method == "POST" else None
    form = CreditNoteForm(data, initial={"date": max(timezone.localdate(), invoice.issue_date)})
    contract_lines = (
        _contract_lines_billed(invoice) if invoice.origin == InvoiceOrigin.CONTRACT else []
    )
    if contract_lines:
        # A contract invoice is credited by its contract lines, not by free lines.
        lines = ContractCreditFormSet(
            data, prefix="credit", initial=[{"contract_line_id": r.pk} for r in contract_lines]
        )
        for line_form, row in zip(lines.forms, contract_lines, strict=False):
            line_form.row = row  # type: ignore[attr-defined]
    else:
        lines = LineFormSet(data, prefix="lines")
        if data is None:
            lines.extra = 1
    if data is not None and form.is_valid() and lines.is_valid():
        try:
            rows = (
                _contract_credit_lines(lines, contract_lines)
                if contract_lines
                else [row.to_service() for row in filled(lines)]
            )
            if not rows:
                raise DomainError(ReceivableError.NO_LINES)
            note = services.credit_note_create(
                actor=request.user,
                invoice_id=invoice.pk,
                lines=rows,
                reason=form.cleaned_data["reason"],
                credit_date=form.cleaned_data["date"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            if isinstance(note, HeldPosting):
                _held_message(request, note)
            else:
                messages.success(
                    request, _("Credit note %(number)s issued.") % {"number": note.number}
                )
            return redirect("receivables:invoice_detail", invoice_id=invoice.pk)
    context = {
        "form": form,
        "lines": lines,
        "contract_lines": contract_lines,
        "invoice": invoice,
        "held": selectors.held_posting_pending(user=request.user, invoice_id=invoice.pk),
        "active_tab": "invoices",
    }
    return render(request, "receivables/credit_note_form.html", context)


class _ContractLineBilled:
    """A contract line as a contract invoice billed it: its net there, less credit notes."""

    def __init__(self, pk: int, description: str, tax_rate: Decimal) -> None:
        self.pk, self.description, self.tax_rate = pk, description, tax_rate
        self.invoiced = self.credited = Decimal(0)

    @property
    def left(self) -> Decimal:
        return self.invoiced - self.credited

    @property
    def tax_percent(self) -> Decimal:
        return (self.tax_rate * 100).normalize()


def _contract_lines_billed(invoice: Invoice) -> list[_ContractLineBilled]:
    found: dict[int, _ContractLineBilled] = {}
    for line in invoice.lines.all():
        if line.contract_line_id is None:
            continue
        row = found.setdefault(
            line.contract_line_id,
            _ContractLineBilled(line.contract_line_id, line.description, line.tax_rate),
        )
        row.invoiced += line.net
    for pk, (net, _tax) in credited_so_far(invoice.pk).items():
        if pk in found:
            found[pk].credited = net
    return list(found.values())


def _contract_credit_lines(
    formset: forms.BaseFormSet, billed: list[_ContractLineBilled]
) -> list[services.LineIn]:
    """The lines given an amount, as the service takes them (it checks them again)."""
    by_id = {row.pk: row for row in billed}
    result = []
    for n, line_form in enumerate(formset.forms, 1):
        amount = line_form.cleaned_data.get("amount")
        if not amount:
            continue
        row = by_id.get(line_form.cleaned_data["contract_line_id"])
        if row is None:
            raise DomainError(ReceivableError.CREDIT_LINE_NOT_ON_INVOICE, line=n)
        result.append(
            services.LineIn(
                description=row.description,
                quantity=Decimal(1),
                unit_price=amount,
                tax_rate=row.tax_rate,
                contract_line_id=row.pk,
            )
        )
    return result


def _held_message(request: HttpRequest, hold: HeldPosting) -> None:
    messages.info(
        request,
        _("Waiting for approval: nothing is posted until the approvers agree (%(what)s).")
        % {"what": hold},
    )


@login_required
def write_off_create(request: HttpRequest, installment_id: int) -> HttpResponse:
    need(request.user, "write_off", Invoice)
    try:
        item = selectors.installment_get(
            user=request.user, installment_id=installment_id, action="write_off"
        )
    except DomainError as exc:
        page_error(exc)
    invoice = item.invoice
    tolerance = services.write_off_tolerance()
    residual = quantize(item.residual, invoice.currency)
    initial = {
        "kind": WriteOffKind.SMALL_RESIDUAL if residual <= tolerance else WriteOffKind.BAD_DEBT,
        "amount": residual,
        "date": max(timezone.localdate(), invoice.issue_date),
    }
    form = WriteOffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.write_off_create(
                actor=request.user,
                installment_id=item.pk,
                kind=WriteOffKind(data["kind"]),
                reason=data["reason"],
                amount=data["amount"],
                write_off_date=data["date"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            if isinstance(row, HeldPosting):
                _held_message(request, row)
            else:
                messages.success(request, _("Written off."))
            return redirect("receivables:invoice_detail", invoice_id=invoice.pk)
    context = {
        "form": form,
        "item": item,
        "invoice": invoice,
        "residual": residual,
        "tolerance": tolerance,
        "held": [
            h
            for h in selectors.held_posting_pending(user=request.user, invoice_id=invoice.pk)
            if h.installment_id == item.pk
        ],
        "active_tab": "invoices",
    }
    return render(request, "receivables/write_off_form.html", context)


@login_required
@require_POST
def allocation_undo(request: HttpRequest, allocation_id: int) -> HttpResponse:
    try:
        row = selectors.allocation_get(user=request.user, allocation_id=allocation_id)
    except DomainError as exc:
        page_error(exc)
    try:
        services.allocation_undo(actor=request.user, allocation_id=row.pk)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        messages.success(request, _("Allocation undone; the original row stays in the history."))
    return _back(request, reverse("receivables:invoice_detail", args=[row.installment.invoice_id]))


# --- payments and credit notes: the allocation panel -------------------------------------


def _allocation_date(request: HttpRequest) -> date:
    try:
        value = forms.DateField().clean(request.POST.get("date") or None)
    except ValidationError:
        value = None
    return value or timezone.localdate()


def _allocate(
    request: HttpRequest, source: Payment | CreditNote
) -> tuple[bool, dict[int, str], str]:
    """Apply the amounts typed per installment (or all, oldest first, for "auto").

    All or nothing: one refusal undoes the others of the same submit.  Returns whether it
    worked, the amounts as typed (to show again) and the error to show.
    """
    kind = "payment_id" if isinstance(source, Payment) else "credit_note_id"
    on = _allocation_date(request)
    if "auto" in request.POST:
        try:
            made = services.payment_auto_allocate(
                actor=request.user, allocation_date=on, **{kind: source.pk}
            )
        except DomainError as exc:
            refuse_or_show(exc)
            return False, {}, f"{exc.message} ({exc.code.code})"
        if made:
            messages.success(
                request,
                ngettext(
                    "%(n)d allocation made, oldest due first.",
                    "%(n)d allocations made, oldest due first.",
                    len(made),
                )
                % {"n": len(made)},
            )
        else:
            messages.warning(request, _("Nothing to allocate."))
        return True, {}, ""
    typed = {
        pk: request.POST[key].strip()
        for key in request.POST
        if key.startswith("amount-") and (pk := _int(key.removeprefix("amount-"))) is not None
    }
    amounts: list[tuple[int, Decimal]] = []
    for pk, text in typed.items():
        try:
            value = Decimal(text.replace(",", "")) if text else Decimal(0)
        except InvalidOperation:
            return False, typed, _("%(value)s is not an amount.") % {"value": text}
        if not value.is_finite():
            return False, typed, _("%(value)s is not an amount.") % {"value": text}
        if value:
            amounts.append((pk, value))
    if not amounts:
        return False, typed, _("Type an amount against at least one installment.")
    try:
        with transaction.atomic():
            for pk, value in amounts:
                services.allocation_create(
                    actor=request.user,
                    installment_id=pk,
                    amount=value,
                    allocation_date=on,
                    **{kind: source.pk},
                )
    except DomainError as exc:
        refuse_or_show(exc)
        return False, typed, f"{exc.message} ({exc.code.code})"
    messages.success(
        request,
        ngettext("%(n)d allocation made.", "%(n)d allocations made.", len(amounts))
        % {"n": len(amounts)},
    )
    return True, {}, ""


def _panel_context(
    request: HttpRequest, source: Any, typed: dict[int, str] | None, error: str
) -> dict[str, Any]:
    for row in source.suggestion_rows:
        shown = (typed or {}).get(row.installment.pk)
        if shown is None:
            shown = str(quantize(row.suggested, source.currency)) if row.suggested else ""
        row.value = shown
    return {
        "allocation_error": error,
        "allocation_date": _allocation_date(request) if typed is not None else None,
        "today": timezone.localdate(),
        "can_allocate": may(request.user, "allocate", Payment),
        "can_view_entries": may(request.user, "view", JournalEntry),
    }


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Payment)
    filters = DocumentFilterForm(request.GET).filters()
    payments = selectors.payment_list(user=request.user, **filters)
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "query": _query(filters),
        "customer": _filter_customer(request, filters["customer_id"]),
        "can_add": may(request.user, "add", Payment),
        "can_export": may(request.user, "export", Payment),
    }
    template = "receivables/_payment_rows.html" if request.htmx else "receivables/payment_list.html"
    return render(request, template, context)


@login_required
def payment_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Payment)
    customers = customer_selectors.customer_list(user=request.user)
    initial: dict[str, Any] = {"date": timezone.localdate()}
    if (customer_id := _int(request.GET.get("customer"))) is not None:
        initial["customer"] = customers.filter(pk=customer_id).first()
    form = PaymentForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Payment %(number)s recorded.") % {"number": payment.number}
            )
            return redirect("receivables:payment_detail", payment_id=payment.pk)
    return render(request, "receivables/payment_form.html", {"form": form})


def _payment_page(
    request: HttpRequest,
    payment_id: int,
    *,
    refund_form: RefundForm | None = None,
    typed: dict[int, str] | None = None,
    error: str = "",
) -> HttpResponse:
    try:
        payment = selectors.payment_get(
            user=request.user,
            payment_id=payment_id,
            on=_allocation_date(request) if typed is not None else None,
        )
    except DomainError as exc:
        page_error(exc)
    if refund_form is None:
        refund_form = RefundForm(
            initial={
                "amount": quantize(payment.unapplied, payment.currency),
                "date": max(timezone.localdate(), payment.date),
            }
        )
    context = {
        "payment": payment,
        "source": payment,
        "is_foreign": payment.currency != base_currency(),
        "base_currency": base_currency(),
        "refund_form": refund_form,
        "can_refund": payment.unapplied > 0
        and not payment.is_voided
        and may(request.user, "refund", Payment),
        **_panel_context(request, payment, typed, error),
    }
    return render(request, "receivables/payment_detail.html", context)


@login_required
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    return _payment_page(request, payment_id)


@login_required
@require_POST
def payment_allocate(request: HttpRequest, payment_id: int) -> HttpResponse:
    try:
        payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    except DomainError as exc:
        page_error(exc)
    need(request.user, "allocate", Payment)
    done, typed, error = _allocate(request, payment)
    if done:
        return redirect("receivables:payment_detail", payment_id=payment.pk)
    return _payment_page(request, payment.pk, typed=typed, error=error)


@login_required
@require_POST
def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    need(request.user, "refund", Payment)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            services.payment_refund(
                actor=request.user,
                payment_id=payment_id,
                amount=form.cleaned_data["amount"],
                refund_date=form.cleaned_data["date"],
                memo=form.cleaned_data["memo"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Refund recorded."))
            return redirect("receivables:payment_detail", payment_id=payment_id)
    return _payment_page(request, payment_id, refund_form=form)


@login_required
def credit_note_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", CreditNote)
    filters = DocumentFilterForm(request.GET).filters()
    notes = selectors.credit_note_list(user=request.user, **filters)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "query": _query(filters),
        "customer": _filter_customer(request, filters["customer_id"]),
        "active_tab": "credit_notes",
        "can_export": may(request.user, "export", CreditNote),
    }
    template = (
        "receivables/_credit_note_rows.html"
        if request.htmx
        else "receivables/credit_note_list.html"
    )
    return render(request, template, context)


def _credit_note_page(
    request: HttpRequest, credit_note_id: int, typed: dict[int, str] | None = None, error: str = ""
) -> HttpResponse:
    try:
        note = selectors.credit_note_get(
            user=request.user,
            credit_note_id=credit_note_id,
            on=_allocation_date(request) if typed is not None else None,
        )
    except DomainError as exc:
        page_error(exc)
    context = {
        "note": note,
        "source": note,
        "is_foreign": note.currency != base_currency(),
        "base_currency": base_currency(),
        "active_tab": "credit_notes",
        **_panel_context(request, note, typed, error),
    }
    return render(request, "receivables/credit_note_detail.html", context)


@login_required
def credit_note_detail(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    return _credit_note_page(request, credit_note_id)


@login_required
@require_POST
def credit_note_allocate(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    try:
        note = selectors.credit_note_get(user=request.user, credit_note_id=credit_note_id)
    except DomainError as exc:
        page_error(exc)
    need(request.user, "allocate", Payment)
    done, typed, error = _allocate(request, note)
    if done:
        return redirect("receivables:credit_note_detail", credit_note_id=note.pk)
    return _credit_note_page(request, note.pk, typed=typed, error=error)


# --- the customer page's money section ---------------------------------------------------


@login_required
def customer_money(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer page loads this into its "Money" panel (one request of its own)."""
    try:
        customer = customer_selectors.customer_get(user=request.user, customer_id=customer_id)
    except DomainError as exc:
        page_error(exc)
    context = {
        "money": selectors.customer_money(user=request.user, customer=customer),
        "held": selectors.held_posting_pending(user=request.user, customer_id=customer.pk),
        "customer": customer,
        "can_add_invoice": may(request.user, "add", Invoice),
        "can_add_payment": may(request.user, "add", Payment),
    }
    return render(request, "receivables/_customer_money.html", context)


@login_required
def customer_statement(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Statement of account for a period, with a PDF download of the same figures."""
    default_start, default_end = default_period()
    form = StatementForm(request.GET or None, initial={"start": default_start, "end": default_end})
    start, end, currency = default_start, default_end, None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        currency = form.cleaned_data["currency"] or None
    found = None
    try:
        found = statement_get(
            user=request.user, customer_id=customer_id, start=start, end=end, currency=currency
        )
    except DomainError as exc:
        if exc.code is ReceivableError.STATEMENT_PERIOD:
            form_add_domain_error(form, exc)
        else:
            page_error(exc)
    if found is not None and request.GET.get("format") == "pdf":
        name = f"statement-{found.customer.code}-{found.start}-{found.end}.pdf"
        return attachment(statement_pdf(found), "application/pdf", name)
    return render(
        request,
        "receivables/statement.html",
        {"form": form, "statement": found, "customer_id": customer_id},
    )

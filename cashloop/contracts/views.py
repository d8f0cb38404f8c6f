"""Pages of contracts: the list, the detail, the draft form with its payment plan editor,
milestone acceptance, termination, amendments, renewal and contract templates.

Every write calls a service and every read a selector.  The plan editor's live totals
and remainder are a dry run through the real service (`contract_create` /
`contract_update` inside a transaction that is rolled back), so the page never computes
money on its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.contracts import amendments, selectors, services, terms
from cashloop.contracts.choices import ContractStatus, PlanDueRule
from cashloop.contracts.errors import ContractError
from cashloop.contracts.forms import (
    AmendmentForm,
    ContractFilterForm,
    ContractForm,
    ContractLineFormSet,
    ContractTemplateForm,
    MilestoneAcceptForm,
    MilestoneFormSet,
    PlanItemFormSet,
    TerminateForm,
)
from cashloop.contracts.models import Contract, ContractTemplate
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import may, may_on
from cashloop.customers import selectors as customer_selectors
from cashloop.customfields.exports import list_export
from cashloop.customfields.forms import service_custom
from cashloop.receivables.forms import filled
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 50


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _contract(request: HttpRequest, contract_id: int, action: str = "view") -> Contract:
    try:
        return selectors.contract_get(user=request.user, contract_id=contract_id, action=action)
    except DomainError as exc:
        page_error(exc)


# --- list ----------------------------------------------------------------------------------


@login_required
def contract_export(request: HttpRequest) -> HttpResponse:
    """The contracts of the list's filters as CSV (or Excel with `?format=xlsx`), with their
    custom fields."""
    need(request.user, "export", Contract)
    filters = ContractFilterForm(request.GET).filters()
    rows = selectors.contract_list(user=request.user, action="export", **filters)
    columns = [
        (_("Number"), lambda c: c.number, "number"),
        (_("Title"), lambda c: c.title, "title"),
        (_("Customer"), lambda c: c.customer.name, "customer__name"),
        (_("Status"), lambda c: c.get_status_display(), "status"),
        (_("Owner"), lambda c: str(c.owner or ""), "owner"),
        (
            _("Signed"),
            lambda c: c.signing_date.isoformat() if c.signing_date else "",
            "signing_date",
        ),
        (_("Start"), lambda c: c.start_date.isoformat(), "start_date"),
        (_("End"), lambda c: c.end_date.isoformat() if c.end_date else "", "end_date"),
        (_("Currency"), lambda c: c.currency, "currency"),
        (_("Total"), lambda c: quantize(c.total, c.currency), "total"),
        (_("Invoiced"), lambda c: quantize(c.invoiced, c.currency), "invoiced"),
    ]
    return list_export(request, rows, columns=columns, filename="contracts")


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Contract)
    filters = ContractFilterForm(request.GET).filters()
    rows = selectors.contract_list(user=request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    customer = None
    if filters["customer_id"] is not None:
        try:
            customer = customer_selectors.customer_get(
                user=request.user, customer_id=filters["customer_id"]
            )
        except DomainError:
            customer = None
    context = {
        "page": page,
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v not in (None, "")}),
        "statuses": ContractStatus.choices,
        "customer": customer,
        "can_add": may(request.user, "add", Contract),
        "can_export": may(request.user, "export", Contract),
    }
    template = "contracts/_contract_rows.html" if request.htmx else "contracts/contract_list.html"
    return render(request, template, context)


# --- the draft form and its plan editor -----------------------------------------------------


def _initial_rows(contract: Contract) -> tuple[list[dict], list[dict], list[dict]]:
    currency = contract.currency
    positions = {m.pk: m.position for m in contract.milestones.all()}
    milestones = [
        {"name": m.name, "kind": m.kind, "planned_date": m.planned_date}
        for m in contract.milestones.all()
    ]
    lines = [
        {
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit_price": quantize(line.unit_price, currency),
            "discount_percent": _plain(line.discount_percent),
            "tax_rate": _plain(line.tax_rate),
            "recognition": line.recognition,
            "milestone": positions.get(line.milestone_id),
            "service_start": line.service_start,
            "service_end": line.service_end,
            "product_id": line.product_id,
            "unit": line.unit,
        }
        for line in contract.lines.all()
    ]
    plan = [
        {
            "label": item.label,
            "percent": _plain(item.percent) if item.percent is not None else None,
            "amount": quantize(item.amount, currency) if item.percent is None else None,
            "due_rule": item.due_rule,
            "due_days": item.due_days,
            "milestone": positions.get(item.milestone_id),
            "fixed_date": item.fixed_date,
            "discount_percent": _plain(item.discount_percent),
            "discount_days": item.discount_days,
        }
        for item in contract.plan.all()
    ]
    return milestones, lines, plan


def _draft_forms(request: HttpRequest, contract: Contract | None, data: Any = None) -> dict:
    customers = customer_selectors.customer_list(user=request.user)
    if contract is None:
        initial: dict[str, Any] = {"start_date": timezone.localdate()}
        if (customer_id := _int(request.GET.get("customer"))) is not None:
            initial["customer"] = customers.filter(pk=customer_id).first()
        milestones: list[dict] = []
        lines: list[dict] = []
        plan: list[dict] = []
    else:
        foreign = contract.currency != base_currency()
        initial = {
            "title": contract.title,
            "signing_date": contract.signing_date,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "currency": contract.currency,
            "rate": _plain(contract.rate) if foreign and contract.rate else None,
            "template": contract.template_id,
        }
        milestones, lines, plan = _initial_rows(contract)
    line_set = ContractLineFormSet(data, prefix="lines", initial=lines or None)
    plan_set = PlanItemFormSet(data, prefix="plan", initial=plan or None)
    if contract is None and data is None:
        line_set.extra = 1
        plan_set.extra = 1
    return {
        "form": ContractForm(
            data, customers=customers, instance=contract, initial=initial, custom_user=request.user
        ),
        "milestones": MilestoneFormSet(data, prefix="milestones", initial=milestones or None),
        "lines": line_set,
        "plan": plan_set,
    }


def _valid(forms: dict) -> bool:
    return all([form.is_valid() for form in forms.values()])


def _save_draft(request: HttpRequest, forms: dict, contract: Contract | None) -> Contract:
    """Create or change the draft through the service (raises its `DomainError`)."""
    data = forms["form"].cleaned_data
    content = {
        "lines": [row.to_service() for row in filled(forms["lines"])],
        "plan": [row.to_service() for row in filled(forms["plan"])],
        "milestones": [row.to_service() for row in filled(forms["milestones"])],
    }
    template = data["template"]
    if contract is None:
        return services.contract_create(
            actor=request.user,
            customer_id=data["customer"].pk,
            title=data["title"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            signing_date=data["signing_date"],
            currency=data["currency"] or None,
            rate=data["rate"],
            template_id=template.pk if template else None,
            custom=service_custom(forms["form"].custom_data()),
            **content,
        )
    changes = {
        "title": data["title"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "signing_date": data["signing_date"],
        "template_id": template.pk if template else None,
        "currency": data["currency"] or contract.currency,
        "rate": data["rate"],
        **content,
    }
    if custom := service_custom(forms["form"].custom_data(changed_only=True)):
        changes["custom"] = custom
    return services.contract_update(actor=request.user, contract_id=contract.pk, changes=changes)


def _draft_page(request: HttpRequest, contract: Contract | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    forms = _draft_forms(request, contract, data)
    if data is not None and _valid(forms):
        try:
            saved = _save_draft(request, forms, contract)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(forms["form"], exc)
        else:
            messages.success(request, _("Draft contract saved."))
            return redirect("contracts:detail", contract_id=saved.pk)
    context = {
        **forms,
        "contract": contract,
        "preview_url": f"?contract={contract.pk}" if contract else "",
    }
    return render(request, "contracts/contract_form.html", context)


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Contract)
    return _draft_page(request, None)


@login_required
def contract_edit(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id, "change")
    if contract.status != ContractStatus.DRAFT:
        messages.error(
            request, _("Only a draft is edited here; change an active contract by amendment.")
        )
        return redirect("contracts:detail", contract_id=contract.pk)
    return _draft_page(request, contract)


@login_required
@require_POST
def contract_preview(request: HttpRequest) -> HttpResponse:
    """The plan editor's totals and remainder, computed by the service and rolled back."""
    contract = None
    if (contract_id := _int(request.GET.get("contract"))) is not None:
        contract = _contract(request, contract_id, "change")
    forms = _draft_forms(request, contract, request.POST)
    context: dict[str, Any] = {"error": None, "draft": None, "incomplete": False}
    if not _valid(forms):
        context["incomplete"] = True
    else:
        with transaction.atomic():
            try:
                draft = _save_draft(request, forms, contract)
                context.update(_plan_figures(draft))
                context["draft_lines"] = list(draft.lines.all())
            except DomainError as exc:
                context["error"] = exc
            transaction.set_rollback(True)
    return render(request, "contracts/_plan_preview.html", context)


def _plan_figures(contract: Contract) -> dict[str, Any]:
    """The plan against the total, and what activation would say of it."""
    items = list(contract.plan.select_related("milestone").order_by("sequence"))
    planned = sum((item.amount for item in items), Decimal(0))
    missing = [
        item.sequence
        for item in items
        if item.due_rule == PlanDueRule.ON_MILESTONE and item.milestone_id is None
    ]
    return {
        "draft": contract,
        "draft_items": items,
        "planned": planned,
        "remainder": contract.total - planned,
        "missing_milestones": missing,
    }


# --- the contract's page --------------------------------------------------------------------


@login_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id)
    user = request.user
    status = contract.status
    context = {
        "contract": contract,
        "history": selectors.contract_history(contract=contract)[:50],
        "is_foreign": contract.currency != base_currency(),
        "can_change": status == ContractStatus.DRAFT and may_on(user, "change", contract),
        "can_activate": status == ContractStatus.DRAFT and may_on(user, "activate", contract),
        "can_accept": status == ContractStatus.ACTIVE and may_on(user, "milestone", contract),
        "can_terminate": status == ContractStatus.ACTIVE and may_on(user, "terminate", contract),
        "can_amend": status == ContractStatus.ACTIVE and may_on(user, "amend", contract),
        "can_renew": status
        in (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.EXPIRED)
        and contract.end_date is not None
        and may_on(user, "renew", contract),
        "today": timezone.localdate(),
        **_plan_figures(contract),
    }
    return render(request, "contracts/contract_detail.html", context)


def _act(request: HttpRequest, contract_id: int, action: Any, success: str) -> HttpResponse:
    """Run a service on a contract from a button; its refusal comes back as a message."""
    try:
        result = action()
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("contracts:detail", contract_id=contract_id)
    messages.success(request, success)
    target = result.pk if isinstance(result, Contract) else contract_id
    return redirect("contracts:detail", contract_id=target)


@login_required
@require_POST
def contract_activate(request: HttpRequest, contract_id: int) -> HttpResponse:
    try:
        contract = services.contract_activate(actor=request.user, contract_id=contract_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        if contract.status == ContractStatus.PENDING_APPROVAL:
            messages.info(request, _("The contract waits for approval; approving activates it."))
        else:
            messages.success(request, _("Contract %(number)s is active.") % {"number": contract})
    return redirect("contracts:detail", contract_id=contract_id)


@login_required
@require_POST
def contract_terminate(request: HttpRequest, contract_id: int) -> HttpResponse:
    form = TerminateForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        contract_id,
        lambda: services.contract_terminate(
            actor=request.user, contract_id=contract_id, reason=reason
        ),
        _("Contract terminated; the installments not invoiced are cancelled."),
    )


@login_required
@require_POST
def contract_renew(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _act(
        request,
        contract_id,
        lambda: amendments.contract_renew(actor=request.user, contract_id=contract_id),
        _("The renewal is drafted; check it and activate it when signed."),
    )


@login_required
@require_POST
def contract_create_from_quote(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The draft contract of an accepted quote (the quote page's button)."""
    try:
        contract = services.contract_create_from_quote(actor=request.user, quote_id=quote_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("contracts:list")
    return redirect("contracts:detail", contract_id=contract.pk)


@login_required
@require_POST
def milestone_accept(request: HttpRequest, milestone_id: int) -> HttpResponse:
    try:
        milestone = selectors.milestone_get(
            user=request.user, milestone_id=milestone_id, action="milestone"
        )
    except DomainError as exc:
        page_error(exc)
    form = MilestoneAcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the date the customer accepted."))
        return redirect("contracts:detail", contract_id=milestone.contract_id)
    return _act(
        request,
        milestone.contract_id,
        lambda: services.contract_milestone_accept(
            actor=request.user,
            milestone_id=milestone_id,
            actual_date=form.cleaned_data["actual_date"],
        ),
        _("Milestone accepted; the installments waiting for it are now due."),
    )


# --- amendments -----------------------------------------------------------------------------


@login_required
def amendment_create(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Propose new lines, plan or end date for an active contract, beside the current ones."""
    contract = _contract(request, contract_id, "amend")
    if contract.status != ContractStatus.ACTIVE:
        messages.error(
            request,
            str(ContractError.WRONG_STATUS.message).format(status=contract.get_status_display()),
        )
        return redirect("contracts:detail", contract_id=contract.pk)
    data = request.POST if request.method == "POST" else None
    _, lines, plan = _initial_rows(contract)
    forms = {
        "form": AmendmentForm(data, initial={"end_date": contract.end_date}),
        "lines": ContractLineFormSet(data, prefix="lines", initial=lines),
        "plan": PlanItemFormSet(data, prefix="plan", initial=plan),
    }
    if data is not None and _valid(forms):
        try:
            amendment = amendments.amendment_create(
                actor=request.user,
                contract_id=contract.pk,
                reason=forms["form"].cleaned_data["reason"],
                lines=[row.to_service() for row in filled(forms["lines"])],
                plan=[row.to_service() for row in filled(forms["plan"])],
                end_date=forms["form"].cleaned_data["end_date"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(forms["form"], exc)
        else:
            if amendment.status == "applied":
                messages.success(request, _("Amendment applied."))
            else:
                messages.info(request, _("The amendment waits for approval."))
            return redirect("contracts:detail", contract_id=contract.pk)
    invoiced = [item.sequence for item in contract.plan.all() if item.status == "invoiced"]
    context = {**forms, "contract": contract, "invoiced_sequences": invoiced}
    return render(request, "contracts/amendment_form.html", context)


# --- templates ------------------------------------------------------------------------------


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "change", ContractTemplate)
    return render(request, "contracts/template_list.html", {"templates": selectors.template_list()})


@login_required
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    need(request.user, "change", ContractTemplate)
    template = None
    if template_id is not None:
        template = ContractTemplate.objects.filter(pk=template_id).first()
        if template is None:
            page_error(DomainError(ContractError.TEMPLATE_NOT_FOUND))
    initial = (
        {
            "name": template.name,
            "language": template.language,
            "body": template.body,
            "active": template.active,
        }
        if template
        else {"active": True}
    )
    form = ContractTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            terms.contract_template_save(
                actor=request.user, template_id=template_id, **form.cleaned_data
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("contracts:template_list")
    return render(request, "contracts/template_form.html", {"form": form, "template": template})

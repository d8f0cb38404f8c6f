"""Pages of approvals: the inbox, a request with its timeline and actions, the flow editor
(Settings, admin only), my delegation, and the expense claim and work plan pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cashloop.approvals import selectors, services
from cashloop.approvals.choices import DocumentStatus
from cashloop.approvals.conditions import conditions_text
from cashloop.approvals.forms import (
    ActionForm,
    ConditionFormSet,
    DelegationForm,
    ExpenseClaimForm,
    FlowForm,
    StepFormSet,
    WorkPlanForm,
    flow_rows_from_rules,
    flow_rules_from_rows,
)
from cashloop.approvals.models import ApprovalFlow, ExpenseClaim, WorkPlan
from cashloop.approvals.registry import DocumentType, document_type_get
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, format_money
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 25


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """What waits for me (with the count the navigation shows), and what I asked for."""
    waiting = selectors.approval_request_list(user=request.user, box="waiting")
    mine = Paginator(
        selectors.approval_request_list(user=request.user, box="mine"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "waiting": list(waiting[:100]),
        "waiting_count": waiting.count(),
        "mine": mine,
        "standing_in": selectors.delegation_to_me(user=request.user),
    }
    return render(request, "approvals/inbox.html", context)


@login_required
def waiting_badge(request: HttpRequest) -> HttpResponse:
    """The count on the navigation's Approvals item, loaded by HTMX after the page: every
    page of the product shows it, and none of them pays a query for it."""
    count = selectors.approval_waiting_count(user=request.user)
    return render(request, "approvals/_waiting_badge.html", {"count": count})


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        found = selectors.approval_request_get(user=request.user, request_id=request_id)
    except DomainError as exc:
        page_error(exc)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        try:
            _act(request, found.pk, action, form.cleaned_data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            return redirect("approvals:request_detail", request_id=found.pk)
    doc_type = document_type_get(found.document_type)
    version = found.flow_version
    context = {
        "req": found,
        "form": form,
        "doc_type": doc_type,
        "document_url": selectors.approval_document_url(found),
        "values": _values_rows(doc_type, found.values),
        "steps": _step_rows(found),
        "can_act": selectors.approval_request_can_act(user=request.user, request=found),
        "is_submitter": found.submitter_id == request.user.pk,
        "earlier_steps": range(1, found.step + 1),
        "version": version,
    }
    return render(request, "approvals/request_detail.html", context)


def _act(request: HttpRequest, request_id: int, action: str, data: dict[str, Any]) -> None:
    comment = data.get("comment") or ""
    user = request.user
    if action == "approve":
        services.approval_request_approve(actor=user, request_id=request_id, comment=comment)
        messages.success(request, _("Approved."))
    elif action == "reject":
        services.approval_request_reject(actor=user, request_id=request_id, reason=comment)
        messages.success(request, _("Rejected; nothing of it was applied."))
    elif action == "return":
        services.approval_request_return(
            actor=user, request_id=request_id, comment=comment, to_step=data.get("to_step")
        )
        messages.success(request, _("Sent back."))
    elif action == "withdraw":
        services.approval_request_withdraw(actor=user, request_id=request_id, comment=comment)
        messages.success(request, _("Withdrawn; nothing of it was applied."))
    elif action == "resubmit":
        services.approval_request_resubmit(actor=user, request_id=request_id, comment=comment)
        messages.success(request, _("Submitted again."))


def _values_rows(doc_type: DocumentType | None, values: dict[str, Any]) -> list[tuple[Any, Any]]:
    fields = doc_type.fields if doc_type else {}
    rows = []
    for key, value in values.items():
        spec = fields.get(key)
        shown = ", ".join(value) if isinstance(value, list) else value
        if spec and spec.kind == "money" and shown not in (None, ""):
            # The base-currency figures say so in their names; the others are the document's.
            currency = base_currency() if key.startswith("base_") else values.get("currency")
            shown = format_money(Decimal(str(shown)), currency or base_currency())
        rows.append((spec.label if spec else key, "—" if shown in (None, "") else shown))
    return rows


def _step_rows(found: Any) -> list[dict[str, Any]]:
    tasks = list(found.tasks.all())
    rows = []
    for n, step in enumerate(found.flow_version.steps):
        rows.append(
            {
                "number": n + 1,
                "rule": step["rule"],
                "current": n == found.step and found.is_open,
                "tasks": [t for t in tasks if t.step == n],
            }
        )
    return rows


# --- flows (Settings) --------------------------------------------------------------------


@login_required
def flow_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "manage", ApprovalFlow)
    flows = list(selectors.approval_flow_list(user=request.user))
    for flow in flows:
        doc_type = document_type_get(flow.document_type)
        flow.type_label = doc_type.label if doc_type else flow.document_type
    return render(request, "approvals/flow_list.html", {"flows": flows})


@login_required
def flow_edit(request: HttpRequest, flow_id: int | None = None) -> HttpResponse:
    """Create or edit a flow; saving makes a new version (requests keep theirs)."""
    need(request.user, "manage", ApprovalFlow)
    flow = None
    if flow_id is not None:
        try:
            flow = selectors.approval_flow_get(user=request.user, flow_id=flow_id)
        except DomainError as exc:
            page_error(exc)
    key = flow.document_type if flow else request.GET.get("type", "")
    doc_type = document_type_get(key)
    if doc_type is None:
        return render(request, "approvals/flow_pick_type.html", {"form": FlowForm()})
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"document_type": key}
    condition_rows: list[dict[str, Any]] = []
    step_rows: list[dict[str, Any]] = [{"step": 1}]
    complete = True
    if flow is not None and flow.current_version is not None:
        version = flow.current_version
        match, condition_rows, step_rows, complete = flow_rows_from_rules(
            version.conditions, version.steps
        )
        initial.update(
            name=flow.name,
            priority=flow.priority,
            is_active=flow.is_active,
            allow_self_approval=version.allow_self_approval,
            match=match,
        )
    form = FlowForm(data, initial=initial, fixed_type=True)
    conditions = ConditionFormSet(
        data,
        initial=None if data else condition_rows,
        prefix="cond",
        form_kwargs={"doc_type": doc_type},
    )
    steps = StepFormSet(data, initial=None if data else step_rows, prefix="steps")
    if data is not None and form.is_valid() and conditions.is_valid() and steps.is_valid():
        tree, step_list = flow_rules_from_rows(form.cleaned_data["match"], conditions, steps)
        fields = {
            "name": form.cleaned_data["name"],
            "priority": form.cleaned_data["priority"],
            "is_active": form.cleaned_data["is_active"],
            "allow_self_approval": form.cleaned_data["allow_self_approval"],
            "conditions": tree,
            "steps": step_list,
        }
        try:
            if flow is None:
                saved = services.approval_flow_create(
                    actor=request.user, document_type=key, **fields
                )
            else:
                saved = services.approval_flow_update(actor=request.user, flow_id=flow.pk, **fields)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Flow saved as a new version."))
            return redirect("approvals:flow_edit", flow_id=saved.pk)
    context = {
        "flow": flow,
        "doc_type": doc_type,
        "form": form,
        "conditions": conditions,
        "steps": steps,
        "complete": complete,
        "versions": _versions(flow, doc_type),
    }
    return render(request, "approvals/flow_edit.html", context)


def _versions(flow: ApprovalFlow | None, doc_type: DocumentType) -> list[Any]:
    versions = list(flow.versions.all()) if flow else []
    for version in versions:
        version.conditions_text = conditions_text(doc_type, version.conditions)
    return versions


# --- delegation --------------------------------------------------------------------------


@login_required
def delegation(request: HttpRequest) -> HttpResponse:
    """My out-of-office delegate: who acts on my approvals while I am away."""
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delegation_create(
                actor=request.user,
                delegate_id=data["delegate"].pk,
                start=data["start"],
                end=data["end"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("approvals:delegation")
    context = {
        "form": form,
        "rows": selectors.delegation_list(user=request.user),
        "standing_in": selectors.delegation_to_me(user=request.user),
    }
    return render(request, "approvals/delegation.html", context)


@login_required
@require_POST
def delegation_delete(request: HttpRequest, delegation_id: int) -> HttpResponse:
    try:
        services.delegation_delete(actor=request.user, delegation_id=delegation_id)
    except DomainError as exc:
        page_error(exc)
    messages.success(request, _("Delegation ended."))
    return redirect("approvals:delegation")


# --- expense claims and work plans -------------------------------------------------------


@dataclass(frozen=True)
class DocumentPages:
    """What differs between the expense claim pages and the work plan pages."""

    model: type[models.Model]
    key: str
    form: type[Any]
    title: Promise
    new_label: Promise
    prefix: str  # url names: <prefix>_list, _new, _detail, _submit
    columns: tuple[str, ...]
    get: Callable[..., Any]
    list: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    submit: Callable[..., Any]
    id_arg: str


PAGES = {
    "claim": DocumentPages(
        model=ExpenseClaim,
        key="approvals.expenseclaim",
        form=ExpenseClaimForm,
        title=gettext_lazy("Expense claims"),
        new_label=gettext_lazy("New expense claim"),
        prefix="claim",
        columns=("date", "category", "amount", "currency"),
        get=lambda user, pk: selectors.expense_claim_get(user=user, claim_id=pk),
        list=selectors.expense_claim_list,
        create=services.expense_claim_create,
        update=services.expense_claim_update,
        submit=services.expense_claim_submit,
        id_arg="claim_id",
    ),
    "plan": DocumentPages(
        model=WorkPlan,
        key="approvals.workplan",
        form=WorkPlanForm,
        title=gettext_lazy("Work plans"),
        new_label=gettext_lazy("New work plan"),
        prefix="plan",
        columns=("period_start", "period_end", "title"),
        get=lambda user, pk: selectors.work_plan_get(user=user, plan_id=pk),
        list=selectors.work_plan_list,
        create=services.work_plan_create,
        update=services.work_plan_update,
        submit=services.work_plan_submit,
        id_arg="plan_id",
    ),
}


@login_required
def document_list(request: HttpRequest, kind: str) -> HttpResponse:
    pages = PAGES[kind]
    need(request.user, "view", pages.model)
    rows = Paginator(pages.list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in rows.object_list:
        row.cells = [_cell(row, name) for name in pages.columns]
    headers = [pages.model._meta.get_field(name).verbose_name for name in pages.columns]
    context = {"pages": pages, "rows": rows, "headers": headers, "kind": kind}
    return render(request, "approvals/document_list.html", context)


def _cell(row: models.Model, name: str) -> Any:
    display = getattr(row, f"get_{name}_display", None)
    value = display() if display else getattr(row, name)
    if isinstance(value, Decimal) and hasattr(row, "currency"):
        return format_money(value, row.currency)
    return value


@login_required
def document_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """A new document, or the page of one: read-only unless its submitter may still edit."""
    pages = PAGES[kind]
    need(request.user, "add" if pk is None else "view", pages.model)
    document = None
    if pk is not None:
        try:
            document = pages.get(request.user, pk)
        except DomainError as exc:
            page_error(exc)
    editable = document is None or (
        document.submitter_id == request.user.pk and document.status in services.EDITABLE
    )
    form = pages.form(request.POST or None, instance=document) if editable else None
    if form is not None and request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if document is None:
                saved = pages.create(actor=request.user, **fields)
            else:
                saved = pages.update(actor=request.user, **{pages.id_arg: document.pk}, **fields)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"approvals:{pages.prefix}_detail", pk=saved.pk)
    approval = (
        selectors.document_request(document_type=pages.key, document_id=document.pk)
        if document is not None
        else None
    )
    context = {
        "pages": pages,
        "document": document,
        "form": form,
        "approval": approval,
        "facts": _facts(document, pages) if document is not None else [],
        "can_submit": document is not None and editable,
        "kind": kind,
    }
    return render(request, "approvals/document_detail.html", context)


def _facts(document: models.Model, pages: DocumentPages) -> list[tuple[Any, Any]]:
    names = ["submitter", "team", "status", *pages.form.Meta.fields]
    return [(document._meta.get_field(n).verbose_name, _cell(document, n)) for n in names]


@login_required
@require_POST
def document_submit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    pages = PAGES[kind]
    try:
        document = pages.submit(actor=request.user, **{pages.id_arg: pk})
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect(f"approvals:{pages.prefix}_detail", pk=pk)
    if document.status == DocumentStatus.APPROVED:
        messages.success(request, _("No approval is needed: approved."))
    else:
        messages.success(request, _("Submitted for approval."))
    return redirect(f"approvals:{pages.prefix}_detail", pk=pk)

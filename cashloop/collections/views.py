"""Pages of dunning: the policies and their levels, the run's preview with "Run now", the
log and each entry with its letter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.collections import selectors, services
from cashloop.collections.choices import ChargeStatus, DisputeStatus
from cashloop.collections.documents import letter_filename, letter_pdf, with_message
from cashloop.collections.forms import (
    DisputeForm,
    DisputeResolveForm,
    LevelFormSet,
    PolicyForm,
    level_initial,
    level_rows,
)
from cashloop.collections.models import Dispute, DunningCharge, DunningLog, DunningPolicy
from cashloop.core.errors import DomainError
from cashloop.core.scoping import may, may_on
from cashloop.receivables.models import Installment, Invoice
from cashloop.web.pages import need, page_error, refuse_or_show


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", DunningPolicy)
    return render(
        request,
        "collections/policy_list.html",
        {
            "policies": selectors.policy_list(user=request.user),
            "can_add": may(request.user, "add", DunningPolicy),
        },
    )


@login_required
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    need(request.user, "add" if policy_id is None else "change", DunningPolicy)
    policy = None
    if policy_id is not None:
        try:
            policy = selectors.policy_get(user=request.user, policy_id=policy_id)
        except DomainError as exc:
            page_error(exc)
    if request.method == "POST":
        form, formset = PolicyForm(request.POST), LevelFormSet(request.POST, prefix="level")
        if form.is_valid() and formset.is_valid():
            try:
                saved = services.dunning_policy_save(
                    actor=request.user,
                    policy_id=policy_id,
                    levels=level_rows(formset),
                    **form.cleaned_data,
                )
            except DomainError as exc:
                refuse_or_show(exc)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Policy “%(name)s” saved.") % {"name": saved.name})
                return redirect("collections:policies")
    elif policy is not None:
        form = PolicyForm(
            initial={
                "name": policy.name,
                "is_default": policy.is_default,
                "auto_send": policy.auto_send,
                "group_ids": [group.pk for group in policy.groups.all()],
                "interest_rate": policy.interest_rate,
                "charge_booking": policy.charge_booking,
            }
        )
        formset = LevelFormSet(initial=level_initial(policy), prefix="level")
    else:
        form, formset = PolicyForm(), LevelFormSet(prefix="level", initial=[{}])
    return render(
        request,
        "collections/policy_form.html",
        {"form": form, "formset": formset, "policy": policy},
    )


@login_required
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    try:
        services.dunning_policy_delete(actor=request.user, policy_id=policy_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Policy deleted."))
    return redirect("collections:policies")


# The customers the preview lists; the summary above them counts them all.
PREVIEW_ROWS = 300


@login_required
def run_preview(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", DunningLog)
    result = services.dunning_run(actor=request.user, send=False, limit=PREVIEW_ROWS)
    return render(
        request,
        "collections/run_preview.html",
        {"result": result, "can_run": may(request.user, "run", DunningLog)},
    )


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    need(request.user, "run", DunningLog)
    try:
        result = services.dunning_run(actor=request.user, send=True)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
        return redirect("collections:dunning")
    messages.success(
        request,
        _(
            "Dunning ran: %(customers)s customers, %(emails)s emails, %(tasks)s tasks,"
            " %(holds)s holds."
        )
        % {
            "customers": result.logs,
            "emails": result.emails,
            "tasks": result.tasks,
            "holds": result.holds,
        },
    )
    return redirect("collections:log")


@login_required
def log_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", DunningLog)
    logs = selectors.log_list(user=request.user).select_related("level")[:300]
    return render(request, "collections/log_list.html", {"logs": logs})


@login_required
def log_detail(request: HttpRequest, log_id: int) -> HttpResponse:
    need(request.user, "view", DunningLog)
    try:
        log = selectors.log_get(user=request.user, log_id=log_id)
    except DomainError as exc:
        page_error(exc)
    return render(request, "collections/log_detail.html", {"log": with_message(log)})


@login_required
def log_letter(request: HttpRequest, log_id: int) -> HttpResponse:
    need(request.user, "view", DunningLog)
    try:
        log = selectors.log_get(user=request.user, log_id=log_id)
    except DomainError as exc:
        page_error(exc)
    response = HttpResponse(letter_pdf(log), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter_filename(log)}"'
    return response


# --- disputes and dunning charges (decision 051) ----------------------------------------------


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Dispute)
    status = request.GET.get("status", "")
    rows = selectors.dispute_list(user=request.user, status=status or None)[:300]
    return render(
        request,
        "collections/dispute_list.html",
        {"disputes": rows, "status": status, "statuses": DisputeStatus.choices},
    )


@login_required
def dispute_new(request: HttpRequest, installment_id: int) -> HttpResponse:
    need(request.user, "add", Dispute)
    installment = (
        Installment.objects.select_related("invoice__customer")
        .filter(pk=installment_id, invoice__in=Invoice.objects.restrict(request.user, "view"))
        .first()
    )
    if installment is None:
        raise Http404
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = services.dispute_open(
                actor=request.user, installment_id=installment.pk, **form.cleaned_data
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The installment is disputed; it leaves dunning."))
            return redirect("collections:dispute_detail", dispute.pk)
    return render(
        request, "collections/dispute_form.html", {"form": form, "installment": installment}
    )


@login_required
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    need(request.user, "view", Dispute)
    try:
        dispute = selectors.dispute_get(user=request.user, dispute_id=dispute_id)
    except DomainError as exc:
        page_error(exc)
    can_resolve = dispute.status == DisputeStatus.OPEN and may_on(request.user, "change", dispute)
    form = DisputeResolveForm(request.POST or None)
    if request.method == "POST" and can_resolve and form.is_valid():
        try:
            services.dispute_resolve(actor=request.user, dispute_id=dispute.pk, **form.cleaned_data)
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Dispute resolved."))
            return redirect("collections:dispute_detail", dispute.pk)
    return render(
        request,
        "collections/dispute_detail.html",
        {"dispute": dispute, "form": form, "can_resolve": can_resolve},
    )


@login_required
def charge_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", DunningCharge)
    status = request.GET.get("status", "")
    rows = selectors.charge_list(user=request.user, status=status or None)[:300]
    return render(
        request,
        "collections/charge_list.html",
        {
            "charges": rows,
            "status": status,
            "statuses": ChargeStatus.choices,
            "can_waive": may(request.user, "change", DunningCharge),
        },
    )


@login_required
@require_POST
def charge_waive(request: HttpRequest, charge_id: int) -> HttpResponse:
    try:
        services.dunning_charge_waive(
            actor=request.user, charge_id=charge_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Charge waived."))
    return redirect("collections:charges")

"""Pages of sales: the pipeline board, opportunity and lead lists and forms, settings.

The board is one page whose columns are re-rendered by HTMX after a card is dropped on
another column (`board_move`): the move goes through `opportunity_move`, and the answer
is the whole board again, so totals and weighted totals stay right.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import may, may_on, require
from cashloop.customers import selectors as customer_selectors
from cashloop.customfields.exports import list_export
from cashloop.customfields.forms import service_custom
from cashloop.customfields.selectors import column_cells
from cashloop.customfields.views import list_custom
from cashloop.sales import forecast, funnel, selectors, services
from cashloop.sales.choices import LeadSource, LeadStatus, OpportunityStatus
from cashloop.sales.errors import SalesError
from cashloop.sales.forms import (
    AssignmentRuleForm,
    ConvertForm,
    DisqualifyForm,
    LeadForm,
    MoveForm,
    OpportunityForm,
    PipelineForm,
    ProbabilityForm,
    StageForm,
)
from cashloop.sales.models import (
    AssignmentRule,
    ForecastAdjustment,
    Lead,
    Opportunity,
    Pipeline,
    SalesTarget,
)
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import DENIED, need, page_error, refuse_or_show

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _date(value: str | None) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _filters(get: QueryDict) -> tuple[selectors.OpportunityFilters, dict[str, str]]:
    """The board's and the list's filters from the query string (bad values are ignored)."""
    period = get.get("period", "")
    close_from, close_to = _date(get.get("close_from")), _date(get.get("close_to"))
    if period in selectors.PERIODS:
        close_from, close_to = selectors.period_range(period)
    status = get.get("status", "")
    filters = selectors.OpportunityFilters(
        q=get.get("q", ""),
        pipeline_id=_int(get.get("pipeline")),
        stage_id=_int(get.get("stage")),
        status=status if status in OpportunityStatus.values else "",
        owner_id=_int(get.get("owner")),
        team_id=_int(get.get("team")),
        close_from=close_from,
        close_to=close_to,
    )
    raw = {
        key: get.get(key, "")
        for key in ("q", "pipeline", "stage", "status", "owner", "team", "period", "sort")
    }
    if period not in selectors.PERIODS:
        raw["close_from"] = get.get("close_from", "")
        raw["close_to"] = get.get("close_to", "")
    return filters, raw


def _filter_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "owners": selectors.opportunity_owner_choices(user=request.user).filter(
            pk__in=Opportunity.objects.restrict(request.user, "view").values("owner_id")
        ),
        "teams": selectors.team_choices(user=request.user),
        "periods": [
            ("this_month", _("This month")),
            ("this_quarter", _("This quarter")),
            ("next_quarter", _("Next quarter")),
            ("this_year", _("This year")),
        ],
    }


# --- board ------------------------------------------------------------------------------------


def _board_context(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    filters, raw = _filters(params)
    try:
        pipeline = selectors.pipeline_get(user=request.user, pipeline_id=filters.pipeline_id)
        require(request.user, "view", Opportunity)
    except DomainError as exc:
        page_error(exc)
    board = selectors.board_get(user=request.user, pipeline=pipeline, filters=filters)
    keep = {k: v for k, v in raw.items() if v and k != "pipeline"}
    return {
        "board": board,
        "raw": raw,
        "query": urlencode({"pipeline": pipeline.pk, **keep}),
        "can_move": may(request.user, "change", Opportunity),
        "can_add": may(request.user, "add", Opportunity),
        "pipelines": selectors.pipeline_list(user=request.user, active_only=True),
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request, request.GET)
    if request.htmx:
        return render(request, "sales/_board.html", context)
    context.update(_filter_context(request))
    context["can_settings"] = may(request.user, "change", Pipeline)
    return render(request, "sales/board.html", context)


@login_required
@require_POST
def board_move(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """A card dropped on a column: move it, answer with the board as it is now."""
    try:
        moved = services.opportunity_move(
            actor=request.user,
            opportunity_id=opportunity_id,
            stage_id=_int(request.POST.get("stage_id")) or 0,
            lost_reason=request.POST.get("lost_reason", ""),
        )
    except DomainError as exc:
        if exc.code in DENIED or exc.code is SalesError.OPPORTUNITY_NOT_FOUND:
            page_error(exc)
        board_error = exc.message
    else:
        board_error = ""
        messages.success(
            request,
            _("%(name)s moved to %(stage)s.")
            % {
                "name": moved.name,
                "stage": moved.stage.name,
            },
        )
    context = _board_context(request, request.POST)  # the board's filters came along
    context["board_error"] = board_error
    return render(request, "sales/_board.html", context)


# --- opportunities ----------------------------------------------------------------------------


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Opportunity)
    filters, raw = _filters(request.GET)
    qs, custom = list_custom(
        request, selectors.opportunity_list(user=request.user, filters=filters, sort=raw["sort"])
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    column_cells(custom["custom_columns"], page.object_list)
    keep = urlencode({k: v for k, v in raw.items() if v})
    keep = "&".join(q for q in (keep, custom["custom_query"]) if q)
    context = {
        **custom,
        "page": page,
        "raw": raw,
        "keep": keep,
        "statuses": OpportunityStatus.choices,
        "pipelines": (
            selectors.pipeline_list(user=request.user)
            if may(request.user, "view", Pipeline)
            else []
        ),
        "sorts": [
            ("close", _("Close date")),
            ("-close", _("Close date, latest first")),
            ("-amount", _("Amount, largest first")),
            ("amount", _("Amount, smallest first")),
            ("name", _("Name")),
            ("stage", _("Stage")),
            ("-created", _("Newest")),
        ],
        "can_add": may(request.user, "add", Opportunity),
        "can_export": may(request.user, "export", Opportunity),
        **_filter_context(request),
    }
    template = "sales/_opportunity_rows.html" if request.htmx else "sales/opportunity_list.html"
    return render(request, template, context)


@login_required
def opportunity_export(request: HttpRequest) -> HttpResponse:
    try:
        require(request.user, "export", Opportunity)
    except DomainError as exc:
        page_error(exc)
    filters, raw = _filters(request.GET)
    rows = selectors.opportunity_list(
        user=request.user, filters=filters, sort=raw["sort"], action="export"
    )
    base = base_currency()
    columns = [
        (_("Name"), lambda o: o.name, "name"),
        (_("Customer"), lambda o: o.customer.name, "customer__name"),
        (_("Stage"), lambda o: o.stage.name, "stage"),
        (_("Status"), lambda o: o.get_status_display(), "status"),
        (_("Currency"), lambda o: o.currency, "currency"),
        (_("Amount"), lambda o: quantize(o.amount, o.currency), "amount"),
        (_("Amount in base currency"), lambda o: quantize(o.base_amount, base), "base_amount"),
        (_("Probability"), lambda o: o.probability, "probability"),
        (
            _("Expected close date"),
            lambda o: o.expected_close_date.isoformat(),
            "expected_close_date",
        ),
        (_("Owner"), lambda o: str(o.owner), "owner"),
        (_("Team"), lambda o: str(o.team or ""), "team"),
        (pgettext("lead", "Source"), lambda o: o.get_source_display(), "source"),
    ]
    return list_export(request, rows, columns=columns, filename="opportunities")


def _opportunity(request: HttpRequest, opportunity_id: int, action: str = "view") -> Opportunity:
    try:
        return selectors.opportunity_get(
            user=request.user, opportunity_id=opportunity_id, action=action
        )
    except DomainError as exc:
        page_error(exc)


@login_required
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_id)
    can_change = selectors.opportunity_can_change(user=request.user, opportunity=opportunity)
    context = {
        "opportunity": opportunity,
        "stage_history": selectors.opportunity_stage_history(
            user=request.user, opportunity_id=opportunity.pk
        ),
        "history": selectors.opportunity_history(user=request.user, opportunity_id=opportunity.pk)[
            :30
        ],
        "can_change": can_change,
        "move_form": MoveForm(
            pipeline=opportunity.pipeline, initial={"stage": opportunity.stage_id}
        ),
        "probability_form": ProbabilityForm(initial={"probability": opportunity.probability}),
        "lead": selectors.lead_list(user=request.user)
        .filter(converted_opportunity=opportunity)
        .first(),
    }
    return render(request, "sales/opportunity_detail.html", context)


def _owners(request: HttpRequest, model: type = Opportunity) -> Any:
    return selectors.opportunity_owner_choices(user=request.user, model=model)


@login_required
def opportunity_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Opportunity)
    customers = customer_selectors.customer_list(user=request.user)
    initial = {"owner": request.user, "customer": _int(request.GET.get("customer"))}
    initial["pipeline"] = selectors.pipeline_get(user=request.user)
    form = OpportunityForm(
        request.POST or None,
        customers=customers,
        owners=_owners(request),
        initial=initial,
        custom_user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Opportunity %(name)s created.") % {"name": opportunity.name}
            )
            return redirect("sales:opportunity_detail", opportunity_id=opportunity.pk)
    return render(request, "sales/opportunity_form.html", {"form": form, "opportunity": None})


@login_required
def opportunity_edit(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_id, "change")
    if not selectors.opportunity_can_change(user=request.user, opportunity=opportunity):
        raise Http404
    form = OpportunityForm(
        request.POST or None,
        instance=opportunity,
        owners=_owners(request),
        custom_user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        changed = {
            key: value
            for key, value in data.items()
            if key.removesuffix("_id") in form.changed_data
        }
        if custom := form.custom_data(changed_only=True):
            changed["custom"] = service_custom(custom)
        try:
            services.opportunity_update(
                actor=request.user, opportunity_id=opportunity.pk, changes=changed
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect("sales:opportunity_detail", opportunity_id=opportunity.pk)
    return render(
        request, "sales/opportunity_form.html", {"form": form, "opportunity": opportunity}
    )


@login_required
@require_POST
def opportunity_move(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_id)
    form = MoveForm(request.POST, pipeline=opportunity.pipeline)
    if form.is_valid():
        try:
            services.opportunity_move(
                actor=request.user,
                opportunity_id=opportunity.pk,
                stage_id=form.cleaned_data["stage"].pk,
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Stage changed."))
    else:
        messages.error(request, _("Choose a stage."))
    return redirect("sales:opportunity_detail", opportunity_id=opportunity.pk)


@login_required
@require_POST
def opportunity_probability(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_id)
    form = ProbabilityForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_probability_override(
                actor=request.user, opportunity_id=opportunity.pk, **form.cleaned_data
            )
        except DomainError as exc:
            refuse_or_show(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Probability saved."))
    else:
        messages.error(request, _("A probability is a whole number from 0 to 100."))
    return redirect("sales:opportunity_detail", opportunity_id=opportunity.pk)


# --- leads ------------------------------------------------------------------------------------


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    filters = {
        "q": request.GET.get("q", ""),
        "status": status if status in (*LeadStatus.values, "open", "") else "open",
        "source": request.GET.get("source", "")
        if request.GET.get("source") in LeadSource.values
        else "",
    }
    rows, custom = list_custom(request, selectors.lead_list(user=request.user, **filters))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    column_cells(custom["custom_columns"], page.object_list)
    context = {
        **custom,
        "page": page,
        "filters": filters,
        "keep": "&".join(q for q in (urlencode(filters), custom["custom_query"]) if q),
        "statuses": [("open", _("Open leads")), ("", _("All leads")), *LeadStatus.choices],
        "sources": LeadSource.choices,
        "can_add": may(request.user, "add", Lead),
        "can_export": may(request.user, "export", Lead),
        "can_rules": may(request.user, "change", AssignmentRule),
    }
    template = "sales/_lead_rows.html" if request.htmx else "sales/lead_list.html"
    return render(request, template, context)


@login_required
def lead_export(request: HttpRequest) -> HttpResponse:
    """The leads of the list's filters as CSV (or Excel with `?format=xlsx`)."""
    need(request.user, "export", Lead)
    filters = {k: request.GET.get(k, "") for k in ("q", "source")}
    filters["status"] = request.GET.get("status", "open")  # as the list: open leads
    rows = selectors.lead_list(user=request.user, action="export", **filters)
    columns = [
        (_("Company"), lambda lead: lead.company_name, "company_name"),
        (_("Contact"), lambda lead: lead.contact_name, "contact_name"),
        (_("Phone"), lambda lead: lead.phone, "phone"),
        (_("Email"), lambda lead: lead.email, "email"),
        (pgettext("lead", "Source"), lambda lead: lead.get_source_display(), "source"),
        (_("Region"), lambda lead: lead.region, "region"),
        (_("Status"), lambda lead: lead.get_status_display(), "status"),
        (_("Owner"), lambda lead: str(lead.owner or ""), "owner"),
        (_("Created"), lambda lead: lead.created_at.date().isoformat(), "created_at"),
    ]
    return list_export(request, rows, columns=columns, filename="leads")


def _lead(request: HttpRequest, lead_id: int, action: str = "view") -> Lead:
    try:
        return selectors.lead_get(user=request.user, lead_id=lead_id, action=action)
    except DomainError as exc:
        page_error(exc)


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    context = {
        "lead": lead,
        "history": selectors.lead_history(user=request.user, lead_id=lead.pk)[:30],
        "can_change": may_on(request.user, "change", lead),
        "is_open": lead.status not in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED),
        "disqualify_form": DisqualifyForm(),
    }
    return render(request, "sales/lead_detail.html", context)


@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Lead)
    form = LeadForm(request.POST or None, owners=_owners(request, Lead), custom_user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            if may_on(request.user, "view", lead):
                messages.success(request, _("Lead saved."))
                return redirect("sales:lead_detail", lead_id=lead.pk)
            messages.success(
                request, _("Lead saved and assigned to %(owner)s.") % {"owner": lead.owner}
            )
            return redirect("sales:lead_list")
    return render(request, "sales/lead_form.html", {"form": form, "lead": None})


@login_required
def lead_edit(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id, "change")
    form = LeadForm(
        request.POST or None,
        instance=lead,
        owners=_owners(request, Lead),
        custom_user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        changed = {k: v for k, v in data.items() if k.removesuffix("_id") in form.changed_data}
        if custom := form.custom_data(changed_only=True):
            changed["custom"] = service_custom(custom)
        try:
            services.lead_update(actor=request.user, lead_id=lead.pk, changes=changed)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Lead saved."))
            return redirect("sales:lead_detail", lead_id=lead.pk)
    return render(request, "sales/lead_form.html", {"form": form, "lead": lead})


@login_required
@require_POST
def lead_disqualify(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    try:
        services.lead_disqualify(
            actor=request.user, lead_id=lead.pk, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Lead disqualified."))
    return redirect("sales:lead_detail", lead_id=lead.pk)


@login_required
def lead_convert(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Convert after seeing the customers that may be this lead's company already."""
    lead = _lead(request, lead_id, "change")
    candidates = customer_selectors.customer_duplicates(
        user=request.user, name=lead.company_name, phone=lead.phone, email=lead.email
    )
    initial = {
        "customer_code": selectors.lead_customer_code(lead=lead),
        "customer_name": lead.company_name or lead.contact_name,
        "opportunity_name": lead.company_name or lead.contact_name,
        "create_opportunity": True,
        "currency": "CNY",
    }
    form = ConvertForm(
        request.POST or None, candidates=candidates, initial=initial, custom_user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deal = None
        if data["create_opportunity"]:
            deal = services.OpportunitySpec(
                name=data["opportunity_name"],
                amount=data["amount"],
                expected_close_date=data["expected_close_date"],
            )
        try:
            converted = services.lead_convert(
                actor=request.user,
                lead_id=lead.pk,
                customer_id=data["existing"],
                customer_code=data["customer_code"],
                customer_name=data["customer_name"],
                currency=data["currency"].upper(),
                opportunity=deal,
                confirm_duplicate=data.get("confirm_duplicate", False),
                customer_custom=service_custom(form.custom_data()),
            )
        except DomainError as exc:
            if exc.code in DENIED:
                page_error(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Lead converted."))
            if converted.converted_opportunity_id:
                return redirect(
                    "sales:opportunity_detail", opportunity_id=converted.converted_opportunity_id
                )
            return redirect("customers:detail", customer_id=converted.converted_customer_id)
    context = {"lead": lead, "form": form, "candidates": candidates}
    return render(request, "sales/lead_convert.html", context)


# --- settings: pipelines, stages, assignment rules (admins) -----------------------------------


def _admin_only(request: HttpRequest, model: type) -> None:
    need(request.user, "change", model)


@login_required
def pipeline_settings(request: HttpRequest) -> HttpResponse:
    _admin_only(request, Pipeline)
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Pipeline created; now add its stages."))
            return redirect("sales:pipeline_edit", pipeline_id=pipeline.pk)
    pipelines = selectors.pipeline_list(user=request.user)
    return render(request, "sales/pipeline_settings.html", {"form": form, "pipelines": pipelines})


@login_required
def pipeline_edit(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    """One pipeline: its name and flags, each stage's name/probability/kind, order, new stage."""
    _admin_only(request, Pipeline)
    try:
        pipeline = selectors.pipeline_get(user=request.user, pipeline_id=pipeline_id)
    except DomainError as exc:
        page_error(exc)
    action = request.POST.get("action", "")
    pipeline_form = PipelineForm(
        request.POST if action == "pipeline" else None, instance=pipeline, prefix="p"
    )
    stage_form = StageForm(request.POST if action == "add_stage" else None, prefix="new")
    try:
        if action == "pipeline" and pipeline_form.is_valid():
            services.pipeline_update(
                actor=request.user,
                pipeline_id=pipeline.pk,
                changes={f: pipeline_form.cleaned_data[f] for f in pipeline_form.changed_data},
            )
            return _saved(request, pipeline)
        if action == "add_stage" and stage_form.is_valid():
            services.stage_create(
                actor=request.user, pipeline_id=pipeline.pk, **stage_form.cleaned_data
            )
            return _saved(request, pipeline)
        if action == "stage":
            stage_id = _int(request.POST.get("stage_id")) or 0
            form = StageForm(request.POST, prefix=f"s{stage_id}")
            if form.is_valid():
                services.stage_update(
                    actor=request.user, stage_id=stage_id, changes=form.cleaned_data
                )
                return _saved(request, pipeline)
            messages.error(request, _("A probability is a whole number from 0 to 100."))
        if action in ("up", "down"):
            ids = [s.pk for s in pipeline.stages.all()]
            moving = _int(request.POST.get("stage_id"))
            if moving in ids:
                i = ids.index(moving)
                j = i - 1 if action == "up" else i + 1
                if 0 <= j < len(ids):
                    ids[i], ids[j] = ids[j], ids[i]
                    services.stage_reorder(
                        actor=request.user, pipeline_id=pipeline.pk, stage_ids=ids
                    )
            return _saved(request, pipeline)
        if action == "delete_stage":
            services.stage_delete(
                actor=request.user, stage_id=_int(request.POST.get("stage_id")) or 0
            )
            return _saved(request, pipeline)
    except DomainError as exc:
        if exc.code in DENIED:
            page_error(exc)
        messages.error(request, exc.message)
    pipeline = selectors.pipeline_get(user=request.user, pipeline_id=pipeline.pk)
    stages = [(s, _stage_row_form(s)) for s in pipeline.stages.all()]
    context = {
        "pipeline": pipeline,
        "pipeline_form": pipeline_form,
        "stage_form": stage_form,
        "stages": stages,
        "history": selectors.pipeline_history(user=request.user, pipeline_id=pipeline.pk)[:20],
    }
    return render(request, "sales/pipeline_edit.html", context)


def _stage_row_form(stage: Any) -> StageForm:
    """A stage's fields sit in table cells; `form=` ties them to the row's own form."""
    form = StageForm(instance=stage, prefix=f"s{stage.pk}")
    for bound in form.fields.values():
        bound.widget.attrs["form"] = f"stage-{stage.pk}"
    return form


def _saved(request: HttpRequest, pipeline: Pipeline) -> HttpResponse:
    messages.success(request, _("Pipeline saved."))
    return redirect("sales:pipeline_edit", pipeline_id=pipeline.pk)


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request, AssignmentRule)
    form = AssignmentRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_rule_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("sales:rule_list")
    rules = selectors.assignment_rule_list(user=request.user)
    return render(request, "sales/rule_list.html", {"form": form, "rules": rules})


@login_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    _admin_only(request, AssignmentRule)
    rule = selectors.assignment_rule_list(user=request.user).filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.assignment_rule_delete(actor=request.user, rule_id=rule.pk)
        messages.success(request, _("Rule deleted."))
        return redirect("sales:rule_list")
    form = AssignmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        changed = {k: v for k, v in data.items() if k.removesuffix("_id") in form.changed_data}
        try:
            services.assignment_rule_update(actor=request.user, rule_id=rule.pk, changes=changed)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("sales:rule_list")
    return render(request, "sales/rule_form.html", {"form": form, "rule": rule})


# --- forecast, accuracy, funnel ---------------------------------------------------------------


def _period(value: str | None, default: forecast.Period) -> tuple[forecast.Period, Any]:
    """The period asked for, or the default and the refusal to show (bad input is shown)."""
    if not value:
        return default, None
    try:
        return forecast.parse_period(value), None
    except DomainError as exc:
        return default, exc


def _sales_reader(request: HttpRequest) -> None:
    need(request.user, "view", Opportunity)


def _forecast_context(request: HttpRequest, period: forecast.Period) -> dict[str, Any]:
    return {
        "forecast": forecast.forecast_get(user=request.user, period=period),
        "can_adjust": may(request.user, "add", ForecastAdjustment),
        "can_set_targets": may(request.user, "change", SalesTarget),
    }


@login_required
def targets_page(request: HttpRequest) -> HttpResponse:
    """The targets of a period for the reps within the user's scope, set all at once
    (decision 062); a refused row names itself and nothing is saved."""
    need(request.user, "view", SalesTarget)
    default = forecast.period_containing(timezone.localdate(), quarter=True)
    period, error = _period(request.GET.get("period") or request.POST.get("period"), default)
    reps = selectors.target_reps(user=request.user)
    typed: dict[int, str] = {}
    if request.method == "POST" and error is None:
        need(request.user, "change", SalesTarget)
        typed = {
            r.pk: request.POST.get(f"target-{r.pk}", "").strip().replace(",", "") for r in reps
        }
        try:
            services.sales_targets_set(
                actor=request.user,
                period=period.key,
                targets={k: v or None for k, v in typed.items()},
            )
        except DomainError as exc:
            refuse_or_show(exc)
            error = exc
        else:
            messages.success(request, _("Targets saved."))
            return redirect(f"{reverse('sales:targets')}?period={period.key}")
    visible = SalesTarget.objects.restrict(request.user, "view")
    current = forecast.targets_of(visible, period)
    explicit = {
        user_id: quantize(amount, base_currency())
        for user_id, amount in visible.filter(period=period.key).values_list("user_id", "amount")
    }
    rows = [
        {
            "user": r,
            "value": typed.get(r.pk, explicit.get(r.pk, "")),
            # A quarter's target from its months, until one is set for the quarter itself.
            "from_months": current.get(r.pk) if r.pk not in explicit else None,
            "refused": error is not None and (error.details or {}).get("user_id") == r.pk,
        }
        for r in reps
    ]
    return render(
        request,
        "sales/targets.html",
        {
            "period": period,
            "periods": forecast.period_choices(),
            "rows": rows,
            "error": error,
            "base_currency": base_currency(),
            "can_change": may(request.user, "change", SalesTarget),
        },
    )


@login_required
def forecast_page(request: HttpRequest) -> HttpResponse:
    """Each rep's forecast of a month or quarter by team; managers adjust commits inline."""
    _sales_reader(request)
    default = forecast.period_containing(timezone.localdate(), quarter=True)
    period, error = _period(request.GET.get("period"), default)
    context = {
        **_forecast_context(request, period),
        "periods": forecast.period_choices(),
        "error": error,
    }
    return render(request, "sales/forecast.html", context)


@login_required
@require_POST
def forecast_adjust(request: HttpRequest) -> HttpResponse:
    """Save an adjusted commit; answer with the forecast table again, totals included."""
    _sales_reader(request)
    try:
        period = forecast.parse_period(request.POST.get("period"))
        services.forecast_adjust(
            actor=request.user,
            period=period.key,
            user_id=_int(request.POST.get("user_id")) or 0,
            amount=request.POST.get("amount", "").strip().replace(",", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        refuse_or_show(exc)
        if exc.code is SalesError.PERIOD_INVALID:
            # No period means no table to answer with: the form was not ours.
            return HttpResponseBadRequest(exc.message)
        adjust_error = exc.message
    else:
        adjust_error = ""
    if not request.htmx:
        if adjust_error:
            messages.error(request, adjust_error)
        else:
            messages.success(request, _("Commit adjusted."))
        return redirect(f"{reverse('sales:forecast')}?period={period.key}")
    context = _forecast_context(request, period)
    context["adjust_error"] = adjust_error
    return render(request, "sales/_forecast_table.html", context)


@login_required
def forecast_accuracy(request: HttpRequest) -> HttpResponse:
    """A past period's snapshot forecast against what closed, per rep and team."""
    _sales_reader(request)
    default = forecast.period_containing(timezone.localdate()).previous()
    period, error = _period(request.GET.get("period"), default)
    as_of = _date(request.GET.get("as_of"))
    context = {
        "accuracy": forecast.accuracy_get(user=request.user, period=period, as_of=as_of),
        "periods": [p for p in forecast.period_choices() if p.start <= timezone.localdate()],
        "as_of": as_of,
        "error": error,
    }
    return render(request, "sales/forecast_accuracy.html", context)


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    """The funnel of a pipeline over a date range: a table and a bar chart, win rates."""
    _sales_reader(request)
    error = None
    try:
        date_from, date_to = funnel.date_range(
            _date(request.GET.get("date_from")), _date(request.GET.get("date_to"))
        )
    except DomainError as exc:
        error = exc
        date_from, date_to = funnel.date_range(None, None)
    try:
        pipeline = selectors.pipeline_get(
            user=request.user, pipeline_id=_int(request.GET.get("pipeline"))
        )
    except DomainError as exc:
        page_error(exc)
    result = funnel.funnel_get(
        user=request.user, pipeline=pipeline, date_from=date_from, date_to=date_to
    )
    bars = [row for row in result.stages if row.stage.kind != "lost"]
    context = {
        "funnel": result,
        "bars": bars,
        "chart_height": 30 * len(bars) + 10,
        "win_tables": [
            (_("Win rate by source"), result.by_source, "win-by-source"),
            (_("Win rate by rep"), result.by_rep, "win-by-rep"),
        ],
        "pipelines": selectors.pipeline_list(user=request.user, active_only=True),
        "error": error,
    }
    return render(request, "sales/funnel.html", context)

"""Pages of CPQ: the quote list, the quote builder, the quote's own page, and the catalog.

Every write calls a service and every read a selector.  The builder's live prices and
totals are a dry run through the real service (`quote_lines_set` inside a transaction
that is rolled back), so the page never prices or rounds on its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.scoping import may, may_on
from cashloop.cpq import selectors, services
from cashloop.cpq.choices import QuoteStatus
from cashloop.cpq.documents import quote_pdf
from cashloop.cpq.forms import (
    ComponentFormSet,
    CustomerGroupForm,
    CustomerPriceForm,
    DiscountRuleForm,
    FamilyForm,
    PriceBookForm,
    PriceFormSet,
    ProductForm,
    QuoteHeaderForm,
    QuoteNewForm,
    QuotePlanFormSet,
)
from cashloop.cpq.models import CustomerPrice, DiscountRule, PriceBook, Product, Quote
from cashloop.customers import selectors as customer_selectors
from cashloop.customers.models import CustomerGroup
from cashloop.receivables.forms import filled
from cashloop.sales.selectors import lead_list
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

ACTIONS = ("submit", "send", "accept", "reject", "revise")


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- quotes ------------------------------------------------------------------------------


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Quote)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    rows = selectors.quote_list(user=request.user, status=status, q=q, latest=not status)[:200]
    return render(
        request,
        "cpq/quote_list.html",
        {
            "quotes": rows,
            "filters": {"status": status, "q": q},
            "statuses": QuoteStatus.choices,
            "can_add": may(request.user, "add", Quote),
        },
    )


@login_required
def quote_new(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Quote)
    customers = customer_selectors.customer_list(user=request.user)
    leads = lead_list(user=request.user, status="open")
    initial = {"quote_date": timezone.localdate(), "language": request.LANGUAGE_CODE}
    if customer_id := _int(request.GET.get("customer")):
        initial["customer"] = customer_id
    form = QuoteNewForm(request.POST or None, customers=customers, leads=leads, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quote = services.quote_create(
                actor=request.user,
                customer_id=data["customer"].pk if data["customer"] else None,
                lead_id=data["lead"].pk if data["lead"] else None,
                currency=data["currency"] or None,
                quote_date=data["quote_date"],
                valid_until=data["valid_until"],
                language=data["language"],
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            return redirect("cpq:quote_builder", quote.pk)
    return render(request, "cpq/quote_new.html", {"form": form})


def _quote_for(request: HttpRequest, pk: int, action: str = "view") -> Quote:
    return _or_page(selectors.quote_get, user=request.user, quote_id=pk, action=action)  # type: ignore[no-any-return]


def _rows_from(data: Any) -> list[dict[str, Any]]:
    """The builder's lines as typed: product, quantity, discount, components left out."""
    rows = []
    remove = _int(data.get("remove"))
    for i in range(_int(data.get("rows")) or 0):
        product_id = _int(data.get(f"product-{i}"))
        if product_id is None or i == remove:
            continue
        rows.append(
            {
                "product_id": product_id,
                "quantity": (data.get(f"quantity-{i}") or "1").strip(),
                "discount": (data.get(f"discount-{i}") or "").strip(),
                "omit": {_int(v) for v in data.getlist(f"omit-{i}")} - {None},
            }
        )
    if add := _int(data.get("add")):
        rows.append({"product_id": add, "quantity": "1", "discount": "", "omit": set()})
    return rows


def _specs(rows: list[dict[str, Any]]) -> list[services.QuoteLineIn]:
    return [
        services.QuoteLineIn(
            product_id=row["product_id"],
            quantity=row["quantity"],
            discount_percent=row["discount"] or None,
            components=[services.ComponentChoice(pid, included=False) for pid in row["omit"]],
        )
        for row in rows
    ]


def _plan_of(quote: Quote, data: Any = None) -> Any:
    """The proposed payment plan's rows: as typed, or as saved."""
    initial = None if data is not None else quote.payment_plan or None
    return QuotePlanFormSet(data, prefix="plan", initial=initial)


def _plan_clean(plan: Any) -> list[dict[str, Any]] | None:
    """The typed plan in the service's form, or None while it is not a valid plan."""
    if not plan.is_valid():
        return None
    try:
        return services.payment_plan_clean([row.to_plan() for row in filled(plan)])
    except DomainError:
        return None


def _priced(request: HttpRequest, quote: Quote, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Price the typed lines through the service and roll it back: what saving would give,
    with what the typed payment plan leaves to allocate of the new total."""
    error = None
    priced, lines = quote, []
    with transaction.atomic():
        try:
            priced = services.quote_lines_set(
                actor=request.user, quote_id=quote.pk, lines=_specs(rows)
            )
            lines = list(
                priced.lines.select_related("discount_rule", "product").order_by("position")
            )
        except DomainError as exc:
            refuse_or_show(exc)
            error = exc
        transaction.set_rollback(True)
    heads = [line for line in lines if line.parent_id is None]
    for n, row in enumerate(rows):
        row["line"] = heads[n] if n < len(heads) else None
        row["components"] = [
            line for line in lines if row["line"] and line.parent_id == row["line"].pk
        ]
    names = {p.pk: p for p in Product.objects.filter(pk__in=[r["product_id"] for r in rows])}
    for row in rows:
        row["product"] = names.get(row["product_id"])
    plan = _plan_clean(_plan_of(quote, request.POST))
    return {"quote": priced, "rows": rows, "error": error, **_remainder(plan, priced.total)}


def _remainder(plan: list[dict[str, Any]] | None, total: Any) -> dict[str, Any]:
    if not plan:
        return {"plan_remainder": None}
    return {"plan_remainder": total - services.payment_plan_planned(plan, total)}


def _rows_of(quote: Quote) -> list[dict[str, Any]]:
    """The saved lines as builder rows."""
    lines = list(quote.lines.all())
    rows = []
    for head in (line for line in lines if line.parent_id is None):
        components = [line for line in lines if line.parent_id == head.pk]
        rows.append(
            {
                "product_id": head.product_id,
                "product": head.product,
                "quantity": format(head.quantity.normalize(), "f"),
                "discount": format(head.discount_percent.normalize(), "f")
                if head.unit_price
                else "",
                "omit": {c.product_id for c in components if not c.included},
                "line": head,
                "components": components,
            }
        )
    return rows


@login_required
def quote_builder(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for(request, pk, "change")
    if quote.status != QuoteStatus.DRAFT:
        messages.warning(request, _("Only a draft quote can be changed; revise it instead."))
        return redirect("cpq:quote_detail", quote.pk)
    header = QuoteHeaderForm(
        request.POST or None,
        initial={
            "valid_until": quote.valid_until,
            "language": quote.language,
            "terms": quote.terms,
        },
    )
    plan = _plan_of(quote, request.POST or None)
    if request.method == "POST":
        rows = _rows_from(request.POST)
        if header.is_valid() and plan.is_valid():
            changes = {
                **header.cleaned_data,
                "payment_plan": [row.to_plan() for row in filled(plan)],
            }
            try:
                with transaction.atomic():
                    services.quote_update(actor=request.user, quote_id=quote.pk, changes=changes)
                    services.quote_lines_set(
                        actor=request.user, quote_id=quote.pk, lines=_specs(rows)
                    )
            except DomainError as exc:
                refuse_or_show(exc)
                form_add_domain_error(header, exc)
            else:
                messages.success(request, _("Quote saved."))
                return redirect("cpq:quote_detail", quote.pk)
        context = _priced(request, quote, rows)
    else:
        context = {
            "quote": quote,
            "rows": _rows_of(quote),
            "error": None,
            **_remainder(quote.payment_plan, quote.total),
        }
    return render(
        request,
        "cpq/quote_builder.html",
        {**context, "header": header, "plan": plan, "draft": quote},
    )


@login_required
@require_POST
def quote_recalc(request: HttpRequest, pk: int) -> HttpResponse:
    """The lines partial priced as typed (HTMX), nothing saved."""
    quote = _quote_for(request, pk, "change")
    context = _priced(request, quote, _rows_from(request.POST))
    return render(request, "cpq/_builder_lines.html", {**context, "draft": quote})


@login_required
def product_search(request: HttpRequest) -> HttpResponse:
    """Active products matching the builder's search box, as buttons that add a line."""
    q = request.GET.get("q", "").strip()
    found = selectors.product_list(user=request.user, q=q, active=True)[:12] if q else []
    return render(
        request,
        "cpq/_product_results.html",
        {"products": found, "quote_id": _int(request.GET.get("quote"))},
    )


@login_required
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for(request, pk)
    user = request.user
    can_change = may_on(user, "change", quote)
    status = quote.status
    return render(
        request,
        "cpq/quote_detail.html",
        {
            "quote": quote,
            "versions": selectors.quote_versions(user=user, quote=quote),
            "can_edit": can_change and status == QuoteStatus.DRAFT,
            "can_submit": can_change and status == QuoteStatus.DRAFT,
            "can_send": status == QuoteStatus.APPROVED and may_on(user, "send", quote),
            "can_decide": can_change and status in (QuoteStatus.APPROVED, QuoteStatus.SENT),
            "can_revise": can_change and status in services.REVISABLE,
            "contract": _contract_of(quote),
        },
    )


def _contract_of(quote: Quote) -> Any:
    from cashloop.contracts.models import Contract

    return Contract.objects.filter(quote=quote).order_by("pk").first()


@login_required
@require_POST
def quote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        page_error(DomainError(CoreError.NOT_FOUND))
    actor = request.user
    try:
        if action == "submit":
            quote = services.quote_submit(actor=actor, quote_id=pk)
            if quote.status == QuoteStatus.PENDING_APPROVAL:
                messages.info(
                    request, _("The discount is above its rule's maximum: waiting for approval.")
                )
            else:
                messages.success(request, _("Quote approved."))
        elif action == "send":
            to = [a.strip() for a in request.POST.get("to", "").split(",") if a.strip()]
            services.quote_send(actor=actor, quote_id=pk, to=to)
            messages.success(request, _("Quote sent."))
        elif action == "accept":
            services.quote_accept(actor=actor, quote_id=pk)
            messages.success(request, _("Quote accepted; its draft contract was created."))
        elif action == "reject":
            services.quote_reject(actor=actor, quote_id=pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("Quote marked rejected."))
        else:
            new = services.quote_revise(actor=actor, quote_id=pk)
            messages.success(request, _("Version %(v)s created.") % {"v": new.version})
            return redirect("cpq:quote_builder", new.pk)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    return redirect("cpq:quote_detail", pk)


@login_required
def quote_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for(request, pk)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    name = f"{quote.number or quote.pk}-v{quote.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- the catalog -------------------------------------------------------------------------


def _or_page(read: Any, **kwargs: Any) -> Any:
    try:
        return read(**kwargs)
    except DomainError as exc:
        page_error(exc)


def _catalog(request: HttpRequest, template: str, tab: str, **context: Any) -> HttpResponse:
    return render(request, template, {"active_tab": tab, **context})


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Product)
    q = request.GET.get("q", "").strip()
    return _catalog(
        request,
        "cpq/product_list.html",
        "products",
        products=selectors.product_list(user=request.user, q=q),
        q=q,
        can_add=may(request.user, "add", Product),
    )


def _components_from(formset: Any) -> list[services.ComponentIn]:
    return [
        services.ComponentIn(
            product_id=row["product_id"],
            quantity=row.get("quantity") or 1,
            required=row["required"],
        )
        for row in formset.cleaned_data
        if row.get("product_id")
    ]


@login_required
def product_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    product = _or_page(selectors.product_get, user=request.user, product_id=pk) if pk else None
    need(request.user, "change" if product else "add", Product)
    initial: dict[str, Any] = {"tax_rate": "0.13", "active": True}
    parts: list[dict[str, Any]] = []
    if product is not None:
        initial = {
            **{f: getattr(product, f) for f in ("code", "name", "name_en", "kind", "unit")},
            "family_id": product.family_id,
            "tax_rate": format(product.tax_rate.normalize(), "f"),
            "standard_cost": product.standard_cost,
            "recognition": product.recognition,
            "is_bundle": product.is_bundle,
            "components_priced": product.components_priced,
            "active": product.active,
        }
        parts = [
            {"product_id": c.component_id, "quantity": c.quantity, "required": c.required}
            for c in product.components.all()
        ]
    form = ProductForm(request.POST or None, initial=initial)
    formset = ComponentFormSet(request.POST or None, initial=parts, prefix="component")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {**form.cleaned_data, "components": _components_from(formset)}
        try:
            if product is None:
                services.product_create(actor=request.user, **data)
            else:
                services.product_update(actor=request.user, product_id=product.pk, changes=data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Product saved."))
            return redirect("cpq:product_list")
    return _catalog(
        request,
        "cpq/product_form.html",
        "products",
        form=form,
        formset=formset,
        product=product,
    )


def _list_with_form(
    request: HttpRequest,
    *,
    model: type[Any],
    make_form: Any,
    create: Any,
    template: str,
    tab: str,
    rows: Any,
    update: Any = None,
) -> HttpResponse:
    """A catalog list with its form below it (families, groups, rules, prices): the form
    adds a row, or with `?edit=<id>` (where `update` is given) changes that row."""
    need(request.user, "view", model)
    editing = None
    if update is not None and (edit_id := _int(request.GET.get("edit"))):
        need(request.user, "change", model)
        editing = _or_page(lambda: _row_or_404(model, edit_id))
    form = make_form(request.POST or None, initial=_initial(make_form, editing))
    if request.method == "POST":
        need(request.user, "change" if editing else "add", model)
        if form.is_valid():
            try:
                if editing is not None:
                    update(editing.pk, form.cleaned_data)
                else:
                    create(form.cleaned_data)
            except DomainError as exc:
                refuse_or_show(exc)
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
    return _catalog(
        request,
        template,
        tab,
        rows=rows,
        form=form,
        editing=editing,
        can_add=may(request.user, "change" if editing else "add", model),
        can_change=update is not None and may(request.user, "change", model),
    )


def _row_or_404(model: type[Any], pk: int) -> Any:
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        raise DomainError(CoreError.NOT_FOUND)
    return row


def _initial(make_form: Any, row: Any) -> dict[str, Any] | None:
    """A row's values for the fields of its form (`family_id` reads the row's `family_id`);
    the fields are read off an unbound form, as some forms add theirs when built."""
    if row is None:
        return None
    return {name: getattr(row, name, None) for name in make_form().fields}


@login_required
def family_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    return _list_with_form(
        request,
        model=Product,
        make_form=FamilyForm,
        create=lambda data: services.product_family_create(actor=user, **data),
        update=lambda pk, data: services.product_family_update(
            actor=user, family_id=pk, changes=data
        ),
        template="cpq/family_list.html",
        tab="families",
        rows=selectors.family_list(user=user) if may(user, "view", Product) else [],
    )


@login_required
def customer_group_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    return _list_with_form(
        request,
        model=CustomerGroup,
        make_form=CustomerGroupForm,
        create=lambda data: services.customer_group_create(actor=user, **data),
        update=lambda pk, data: services.customer_group_update(
            actor=user, group_id=pk, changes=data
        ),
        template="cpq/customer_group_list.html",
        tab="groups",
        rows=CustomerGroup.objects.order_by("code"),
    )


@login_required
def discount_rule_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    return _list_with_form(
        request,
        model=DiscountRule,
        make_form=DiscountRuleForm,
        create=lambda data: services.discount_rule_create(actor=user, **data),
        update=lambda pk, data: services.discount_rule_update(actor=user, rule_id=pk, changes=data),
        template="cpq/discount_rule_list.html",
        tab="rules",
        rows=DiscountRule.objects.select_related("family", "customer_group").order_by(
            "priority", "pk"
        ),
    )


@login_required
def customer_price_list(request: HttpRequest) -> HttpResponse:
    customers = customer_selectors.customer_list(user=request.user)

    def create(data: dict[str, Any]) -> None:
        customer = data.pop("customer")
        services.customer_price_create(actor=request.user, customer_id=customer.pk, **data)

    def update(pk: int, data: dict[str, Any]) -> None:
        changes = {name: data[name] for name in services.CUSTOMER_PRICE_FIELDS}
        services.customer_price_update(actor=request.user, price_id=pk, changes=changes)

    rows = CustomerPrice.objects.restrict(request.user, "view").select_related(
        "customer", "product"
    )
    return _list_with_form(
        request,
        model=CustomerPrice,
        make_form=lambda *args, **kwargs: CustomerPriceForm(*args, customers=customers, **kwargs),
        create=create,
        update=update,
        template="cpq/customer_price_list.html",
        tab="customer_prices",
        rows=rows.order_by("customer__code", "product__code", "-valid_from"),
    )


@login_required
@require_POST
def customer_price_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.customer_price_delete(actor=request.user, price_id=pk)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Contracted price deleted."))
    return redirect("cpq:customer_price_list")


@login_required
def price_book_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", PriceBook)
    return _catalog(
        request,
        "cpq/price_book_list.html",
        "price_books",
        books=selectors.price_book_list(user=request.user),
        can_add=may(request.user, "add", PriceBook),
    )


@login_required
def price_book_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    book = _or_page(selectors.price_book_get, user=request.user, book_id=pk) if pk else None
    need(request.user, "change" if book else "add", PriceBook)
    initial: dict[str, Any] = {
        "currency": "CNY",
        "active": True,
        "valid_from": timezone.localdate(),
    }
    prices: list[dict[str, Any]] = []
    if book is not None:
        initial = {
            f: getattr(book, f) for f in ("name", "currency", "valid_from", "valid_until", "active")
        }
        initial["customer_group_id"] = book.customer_group_id
        prices = [
            {"product_id": e.product_id, "min_quantity": e.min_quantity, "unit_price": e.unit_price}
            for e in book.entries.all()
        ]
    form = PriceBookForm(request.POST or None, initial=initial)
    formset = PriceFormSet(request.POST or None, initial=prices, prefix="price")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        entries = [
            services.PriceIn(
                product_id=row["product_id"],
                unit_price=row["unit_price"],
                min_quantity=row.get("min_quantity") or 1,
            )
            for row in formset.cleaned_data
            if row.get("product_id") and row.get("unit_price") is not None
        ]
        data = {**form.cleaned_data, "entries": entries}
        try:
            if book is None:
                services.price_book_create(actor=request.user, **data)
            else:
                services.price_book_update(actor=request.user, book_id=book.pk, changes=data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Price book saved."))
            return redirect(reverse("cpq:price_book_list"))
    return _catalog(
        request, "cpq/price_book_form.html", "price_books", form=form, formset=formset, book=book
    )

"""Pages of customers: list with search, detail with contacts and history, forms, export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.scoping import require
from cashloop.customers import selectors, services
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.errors import CustomerError
from cashloop.customers.forms import ContactForm, CustomerForm
from cashloop.customers.models import Customer
from cashloop.web.forms import form_add_domain_error

PAGE_SIZE = 25
NOT_FOUND_CODES = {CustomerError.NOT_FOUND, CustomerError.CONTACT_NOT_FOUND, CoreError.NOT_FOUND}


def _page_error(exc: DomainError) -> None:
    """Out-of-scope and missing records are 404 pages; no right at all is a 403 page."""
    if exc.code in NOT_FOUND_CODES:
        raise Http404(exc.message)
    if exc.code is CoreError.PERMISSION_DENIED:
        raise PermissionDenied(exc.message)
    raise exc


def _can(request: HttpRequest, action: str, model: type) -> bool:
    try:
        require(request.user, action, model)
    except DomainError:
        return False
    return True


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", ""),
        "status": request.GET.get("status", ""),
        "tag": request.GET.get("tag", ""),
    }
    if filters["status"] not in CustomerStatus.values:
        filters["status"] = ""
    page = Paginator(selectors.customer_list(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.customer_contact_counts(customers=page.object_list)
    for customer in page.object_list:
        customer.contact_count = counts.get(customer.pk, 0)
    context = {
        "page": page,
        "filters": filters,
        "statuses": CustomerStatus.choices,
        "can_add": _can(request, "add", Customer),
        "can_export": _can(request, "export", Customer),
    }
    template = "customers/_list_rows.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    try:
        require(request.user, "export", Customer)
    except DomainError as exc:
        _page_error(exc)
    rows = selectors.customer_list(
        user=request.user, q=request.GET.get("q", ""), action="export"
    ).iterator(chunk_size=2000)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    header = [_("Code"), _("Name"), _("Legal name"), _("Tax ID"), _("Currency"), _("Owner")]

    def lines():  # type: ignore[no-untyped-def]
        yield "\ufeff"  # Excel opens UTF-8 Chinese correctly only with a BOM
        yield writer.writerow(header)
        for c in rows:
            owner = str(c.owner) if c.owner_id else ""
            yield writer.writerow([c.code, c.name, c.legal_name, c.tax_id, c.currency, owner])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers.csv"'
    return response


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = selectors.customer_get(user=request.user, customer_id=customer_id)
        history = selectors.customer_history(user=request.user, customer_id=customer_id)[:50]
    except DomainError as exc:
        _page_error(exc)
    contacts = selectors.contact_list(user=request.user, customer_id=customer.pk)
    context = {
        "customer": customer,
        "contacts": contacts,
        "history": history,
        "can_change": Customer.objects.restrict(request.user, "change")
        .filter(pk=customer.pk)
        .exists(),
    }
    return render(request, "customers/detail.html", context)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    if not _can(request, "add", Customer):
        _page_error(DomainError(CoreError.PERMISSION_DENIED))
    owners = selectors.customer_owner_choices(user=request.user)
    form = CustomerForm(
        request.POST or None, owners=owners, initial={"owner": request.user, "currency": "CNY"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = selectors.customer_get(
            user=request.user, customer_id=customer_id, action="change"
        )
    except DomainError as exc:
        _page_error(exc)
    owners = selectors.customer_owner_choices(user=request.user)
    form = CustomerForm(request.POST or None, instance=customer, owners=owners)
    if request.method == "POST" and form.is_valid():
        changed = {
            field: value
            for field, value in form.service_data().items()
            if field.removesuffix("_id") in form.changed_data or field in form.changed_data
        }
        try:
            services.customer_update(actor=request.user, customer_id=customer.pk, changes=changed)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
def contact_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = selectors.customer_get(
            user=request.user, customer_id=customer_id, action="change"
        )
    except DomainError as exc:
        _page_error(exc)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(
                actor=request.user, customer_id=customer.pk, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer})


@login_required
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    try:
        contact = selectors.contact_get(user=request.user, contact_id=contact_id, action="change")
    except DomainError as exc:
        _page_error(exc)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        try:
            services.contact_update(actor=request.user, contact_id=contact.pk, changes=changes)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("customers:detail", customer_id=contact.customer_id)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


@login_required
@require_POST
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    try:
        contact = selectors.contact_get(user=request.user, contact_id=contact_id)
        services.contact_delete(actor=request.user, contact_id=contact_id)
    except DomainError as exc:
        if exc.code in NOT_FOUND_CODES or exc.code is CoreError.PERMISSION_DENIED:
            _page_error(exc)
        messages.error(request, exc.message)
        return redirect("customers:detail", customer_id=contact.customer_id)
    messages.success(request, _("Contact deleted."))
    return redirect("customers:detail", customer_id=contact.customer_id)

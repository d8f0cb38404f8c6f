"""Pages of customers: list, the customer 360, forms, export, to-do, pool, hand-over, merge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from cashloop.collections import selectors as collection_selectors
from cashloop.collections.models import DunningLog
from cashloop.core.errors import DomainError
from cashloop.core.fieldrules import fields_hidden
from cashloop.core.scoping import may, require
from cashloop.credit import selectors as credit_selectors
from cashloop.customers import selectors, services
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.errors import CustomerError
from cashloop.customers.forms import (
    ContactForm,
    CustomerForm,
    HandOverForm,
    InteractionForm,
    MergeForm,
    PoolSettingsForm,
)
from cashloop.customers.hooks import OPPORTUNITIES
from cashloop.customers.models import Contact, Customer, Interaction, PoolSettings
from cashloop.customers.overview import LIST_SIZE, customer_360_get
from cashloop.customfields.exports import list_export
from cashloop.customfields.forms import service_custom
from cashloop.customfields.selectors import (
    column_cells,
)
from cashloop.customfields.views import list_custom
from cashloop.imports.models import ImportJob
from cashloop.receivables.models import Invoice
from cashloop.sales.models import Opportunity
from cashloop.service import selectors as service_selectors
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import DENIED, need, page_error, refuse_or_show

if TYPE_CHECKING:
    from cashloop.collections.selectors import CustomerDunningPanel
    from cashloop.identity.models import User

PAGE_SIZE = 25


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", ""),
        "status": request.GET.get("status", ""),
        "tag": request.GET.get("tag", ""),
    }
    if filters["status"] not in CustomerStatus.values:
        filters["status"] = ""
    rows, custom = list_custom(request, selectors.customer_list(user=request.user, **filters))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.customer_contact_counts(customers=page.object_list)
    for customer in page.object_list:
        customer.contact_count = counts.get(customer.pk, 0)
    column_cells(custom["custom_columns"], page.object_list)
    context = {
        **custom,
        "page": page,
        "filters": filters,
        "statuses": CustomerStatus.choices,
        "can_add": may(request.user, "add", Customer),
        # Importing is the import wizard's (decision 069), with its own grant.
        "can_import": may(request.user, "add", Customer) and may(request.user, "add", ImportJob),
        "can_export": may(request.user, "export", Customer),
    }
    template = "customers/_list_rows.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    try:
        require(request.user, "export", Customer)
    except DomainError as exc:
        page_error(exc)
    rows = selectors.customer_list(user=request.user, q=request.GET.get("q", ""), action="export")
    columns = [
        (_("Code"), lambda c: c.code, "code"),
        (_("Name"), lambda c: c.name, "name"),
        (_("Legal name"), lambda c: c.legal_name, "legal_name"),
        (_("Tax ID"), lambda c: c.tax_id, "tax_id"),
        (_("Currency"), lambda c: c.currency, "currency"),
        (_("Owner"), lambda c: str(c.owner) if c.owner_id else "", "owner"),
    ]
    return list_export(request, rows, columns=columns, filename="customers")


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer 360: header, value figures and every section the user may read."""
    try:
        overview = customer_360_get(user=request.user, customer_id=customer_id)
    except DomainError as exc:
        page_error(exc)
    customer = overview.customer
    if customer.merged_into_id is not None:  # decision 026: the survivor's page has it all
        return redirect("customers:detail", customer_id=customer.merged_into_id)
    timeline = overview.interactions
    context = {
        "overview": overview,
        # Only the page shows the credit panel: the API's overview does not read it.
        "credit": credit_selectors.customer_credit(user=request.user, customer_id=customer.pk),
        "dunning": _dunning_panel(request.user, customer.pk),
        "tickets": service_selectors.customer_tickets(user=request.user, customer_id=customer.pk),
        "today": timezone.localdate(),
        "customer": customer,
        "contacts": overview.contacts,
        "history": overview.history,
        "can_change": Customer.objects.restrict(request.user, "change")
        .filter(pk=customer.pk)
        .exists(),
        "can_add_opportunity": may(request.user, "add", Opportunity),
        "can_add_invoice": may(request.user, "add", Invoice),
        **_timeline_context(request, customer, interactions=timeline.rows if timeline else []),
        "interaction_count": timeline.count if timeline else 0,
    }
    return render(request, "customers/detail.html", context)


def _dunning_panel(user: User, customer_id: int) -> CustomerDunningPanel | None:
    """The collections panel, for those who may read the dunning log."""
    if not may(user, "view", DunningLog):
        return None
    return collection_selectors.customer_dunning(user=user, customer_id=customer_id)


TIMELINE_SIZE = LIST_SIZE  # as many as the 360 shows, also after logging one


def _timeline_context(
    request: HttpRequest,
    customer: Customer,
    form: InteractionForm | None = None,
    interactions: list[Interaction] | None = None,
) -> dict[str, Any]:
    """The interactions partial's context; the 360 passes the rows it has read already."""
    can_log = may(request.user, "add", Interaction)
    if form is None and can_log:
        # "Log follow-up" from the to-do list starts the summary with the step it follows.
        step = ""
        if (follow_up := request.GET.get("follow_up", "")).isdigit():
            earlier = selectors.interaction_list(user=request.user, customer_id=customer.pk)
            step = next((i.next_step for i in earlier.filter(pk=follow_up)), "")
        form = InteractionForm(customer=customer, initial={"summary": step})
    return {
        "customer": customer,
        "interactions": interactions
        if interactions is not None
        else selectors.interaction_list(user=request.user, customer_id=customer.pk)[:TIMELINE_SIZE],
        "interaction_form": form,
        "can_log": can_log,
        "today": timezone.localdate(),
    }


@login_required
@require_POST
def interaction_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Log an interaction; HTMX gets the timeline section back, a plain post a redirect."""
    try:
        customer = selectors.customer_get(user=request.user, customer_id=customer_id)
    except DomainError as exc:
        page_error(exc)
    form = InteractionForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            services.interaction_create(
                actor=request.user, customer_id=customer.pk, **form.service_data()
            )
        except DomainError as exc:
            if exc.code in DENIED:
                page_error(exc)
            form_add_domain_error(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Interaction logged."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#interactions")
            form = None
    context = _timeline_context(request, customer, form)
    return render(request, "customers/_interactions.html", context)


@login_required
def interaction_todo(request: HttpRequest) -> HttpResponse:
    """My to-do: the open next steps of my customers (my teams' for managers)."""
    page = Paginator(selectors.interaction_todo(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/todo.html", {"page": page, "today": timezone.localdate()})


@login_required
@require_POST
def interaction_done(request: HttpRequest, interaction_id: int) -> HttpResponse:
    """Tick off a next step; HTMX removes the row, a plain post goes back to the list."""
    try:
        services.interaction_next_step_done(actor=request.user, interaction_id=interaction_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
        return redirect("customers:todo")
    if request.htmx:
        return HttpResponse("")
    messages.success(request, _("Next step done."))
    return redirect(request.POST.get("next") or reverse("customers:todo"))


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Customer)
    owners = selectors.customer_owner_choices(user=request.user)
    form = CustomerForm(
        request.POST or None,
        owners=owners,
        initial={"owner": request.user, "currency": "CNY"},
        custom_user=request.user,
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                **form.service_data(),
            )
        except DomainError as exc:
            duplicates = _form_refusal(form, exc)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", customer_id=customer.pk)
    if not duplicates:  # the "save anyway" box only makes sense next to candidates
        form.fields.pop("confirm_duplicate")
    return render(
        request,
        "customers/form.html",
        {"form": form, "customer": None, "duplicates": duplicates},
    )


def _form_refusal(form: CustomerForm, exc: DomainError) -> list[dict] | None:
    """Show a refusal in the form; possible duplicates come back for the page to list."""
    if exc.code is CustomerError.POSSIBLE_DUPLICATE:
        form.add_error(None, exc.message)
        return list(exc.details.get("candidates", []))
    form_add_domain_error(form, exc)
    return None


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = selectors.customer_get(
            user=request.user, customer_id=customer_id, action="change"
        )
    except DomainError as exc:
        page_error(exc)
    owners = selectors.customer_owner_choices(user=request.user)
    form = CustomerForm(
        request.POST or None, instance=customer, owners=owners, custom_user=request.user
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        changed = {
            field: value
            for field, value in form.service_data().items()
            if field.removesuffix("_id") in form.changed_data or field in form.changed_data
        }
        if custom := form.custom_data(changed_only=True):
            changed["custom"] = service_custom(custom)
        try:
            services.customer_update(
                actor=request.user,
                customer_id=customer.pk,
                changes=changed,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except DomainError as exc:
            duplicates = _form_refusal(form, exc)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("customers:detail", customer_id=customer.pk)
    if not duplicates:  # the "save anyway" box only makes sense next to candidates
        form.fields.pop("confirm_duplicate")
    return render(
        request,
        "customers/form.html",
        {"form": form, "customer": customer, "duplicates": duplicates},
    )


@login_required
def contact_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = selectors.customer_get(
            user=request.user, customer_id=customer_id, action="change"
        )
    except DomainError as exc:
        page_error(exc)
    form = ContactForm(request.POST or None, custom_user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(
                actor=request.user,
                customer_id=customer.pk,
                custom=service_custom(form.custom_data()),
                **form.strip_custom(form.cleaned_data),
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
        page_error(exc)
    form = ContactForm(request.POST or None, instance=contact, custom_user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = form.strip_custom({f: form.cleaned_data[f] for f in form.changed_data})
        if custom := form.custom_data(changed_only=True):
            changes["custom"] = service_custom(custom)
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
        refuse_or_show(exc)
        messages.error(request, exc.message)
        return redirect("customers:detail", customer_id=contact.customer_id)
    messages.success(request, _("Contact deleted."))
    return redirect("customers:detail", customer_id=contact.customer_id)


# Ownership pages: the public pool, hand-over, merge (decisions 025 and 026).


@login_required
def pool_list(request: HttpRequest) -> HttpResponse:
    """The public pool (公海): customers without an owner, with a claim button each."""
    filters = {"q": request.GET.get("q", ""), "tag": request.GET.get("tag", "")}
    try:
        customers = selectors.pool_list(user=request.user, **filters)
    except DomainError as exc:
        page_error(exc)
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "rules": PoolSettings.current(),
        "can_configure": may(request.user, "change", PoolSettings),
    }
    template = "customers/_pool_rows.html" if request.htmx else "customers/pool.html"
    return render(request, template, context)


@login_required
@require_POST
def customer_claim(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Claim from the pool; HTMX gets the row back, claimed or with the refusal."""
    error = ""
    try:
        customer = services.customer_claim(actor=request.user, customer_id=customer_id)
    except DomainError as exc:
        if exc.code in DENIED:
            page_error(exc)
        error = exc.message
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            raise Http404(exc.message) from exc
    if not request.htmx:
        if error:
            messages.error(request, error)
            return redirect("customers:pool")
        messages.success(request, _("Customer claimed: it is yours now."))
        return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request,
        "customers/_pool_row.html",
        {"c": customer, "claimed": not error, "error": error},
    )


@login_required
@require_POST
def customer_release(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        services.customer_release(
            actor=request.user, customer_id=customer_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
        return redirect("customers:detail", customer_id=customer_id)
    messages.success(request, _("The customer is back in the public pool."))
    if Customer.objects.restrict(request.user, "view").filter(pk=customer_id).exists():
        return redirect("customers:detail", customer_id=customer_id)
    return redirect("customers:pool")


@login_required
def pool_settings(request: HttpRequest) -> HttpResponse:
    need(request.user, "change", PoolSettings)
    rules = PoolSettings.current()
    form = PoolSettingsForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.pool_settings_update(actor=request.user, changes=changes)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Pool rules saved."))
            return redirect("customers:pool")
    return render(request, "customers/pool_settings.html", {"form": form})


@login_required
def hand_over(request: HttpRequest) -> HttpResponse:
    """Pick giver, taker, customers and reason; preview what moves; confirm; see history."""
    need(request.user, "hand_over", Customer)
    people = selectors.customer_owner_choices(user=request.user, action="hand_over")
    data = request.POST if request.method == "POST" else None
    giver_id = (data or request.GET).get("from_user", "")
    customers = Customer.objects.none()
    if giver_id.isdigit():
        customers = selectors.customer_list(
            user=request.user, owner_id=int(giver_id), action="hand_over"
        )
    initial = {"customers": request.GET.getlist("customers"), "from_user": giver_id or None}
    if initial["customers"]:
        initial["everything"] = "0"
    form = HandOverForm(
        data,
        initial=initial,
        givers=selectors.customer_owner_choices(
            user=request.user, action="hand_over", active=False
        ),
        takers=people,
        customers=customers,
    )
    preview = None
    if data is not None and form.is_valid():
        try:
            if "confirm" in data:
                done = services.customer_hand_over(actor=request.user, **form.service_data())
                messages.success(
                    request,
                    _("%(n)d customers handed over to %(to)s.")
                    % {"n": done.customer_count, "to": done.to_user},
                )
                return redirect("customers:hand_over")
            args = form.service_data()
            args.pop("reason")
            include = args.pop("include_opportunities")
            plan = selectors.hand_over_plan(user=request.user, **args)
            preview = [
                (selectors.hand_over_label(key), n)
                for key, n in plan.counts.items()
                if include or key != OPPORTUNITIES
            ]
        except DomainError as exc:
            if exc.code in DENIED:
                page_error(exc)
            form_add_domain_error(form, exc)
    history = selectors.hand_over_list(user=request.user)[:20]
    return render(
        request,
        "customers/hand_over.html",
        {"form": form, "preview": preview, "history": history, "label": selectors.hand_over_label},
    )


@login_required
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Merge this customer into another: pick it, preview what moves, give a reason."""
    try:
        duplicate = selectors.customer_get(
            user=request.user, customer_id=customer_id, action="merge"
        )
    except DomainError as exc:
        page_error(exc)
    if duplicate.status == CustomerStatus.MERGED:
        return redirect("customers:detail", customer_id=customer_id)
    q = request.GET.get("q", "")
    candidates = selectors.merge_candidates(user=request.user, customer=duplicate, q=q)
    data = request.POST if request.method == "POST" else None
    chosen = data.get("survivor", "") if data else request.GET.get("survivor", "")
    pool = Customer.objects.restrict(request.user, "merge").exclude(status=CustomerStatus.MERGED)
    ids = {c.pk for c in candidates} | ({int(chosen)} if chosen.isdigit() else set())
    form = MergeForm(
        data,
        initial={"survivor": chosen or None},
        candidates=pool.filter(pk__in=ids).exclude(pk=duplicate.pk).order_by("code"),
    )
    preview = None
    if chosen.isdigit():
        try:
            counts = selectors.merge_preview(
                user=request.user, survivor_id=int(chosen), duplicate_id=duplicate.pk
            )
            preview = [(selectors.hand_over_label(k), n) for k, n in counts.items()]
        except DomainError as exc:
            form.add_error(None, exc.message)
    if data is not None and "confirm" in data and form.is_valid():
        try:
            merge = services.customer_merge(
                actor=request.user,
                survivor_id=form.cleaned_data["survivor"].pk,
                duplicate_id=duplicate.pk,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            if exc.code in DENIED:
                page_error(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(dup)s was merged into %(survivor)s.")
                % {"dup": duplicate.name, "survivor": merge.survivor.name},
            )
            return redirect("customers:detail", customer_id=merge.survivor_id)
    return render(
        request,
        "customers/merge.html",
        {"customer": duplicate, "form": form, "preview": preview, "q": q},
    )


def customer_import(request: HttpRequest) -> HttpResponse:
    """The old customer import page, retired for the import wizard (decision 069): its
    address sends bookmarks to the wizard with customers chosen."""
    return redirect(f"{reverse('imports:list')}?kind=customers", permanent=True)


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """Contacts of the customers the user may see, with their custom columns and filters."""
    need(request.user, "view", Contact)
    q = request.GET.get("q", "")
    rows, custom = list_custom(request, selectors.contact_list(user=request.user, q=q))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    column_cells(custom["custom_columns"], page.object_list)
    context = {
        **custom,
        "page": page,
        "filters": {"q": q},
        "query": "&".join(filter(None, [urlencode({"q": q}) if q else "", custom["custom_query"]])),
        # A field a rule hides from the user loses its whole column, as in the export.
        "hidden": fields_hidden(request.user, Contact),
        "can_export": may(request.user, "export", Contact),
    }
    template = "customers/_contact_rows.html" if request.htmx else "customers/contact_list.html"
    return render(request, template, context)


@login_required
def contact_export(request: HttpRequest) -> HttpResponse:
    """Contacts (of the customers you may export) as CSV, or Excel with `?format=xlsx`."""
    need(request.user, "export", Contact)
    rows = selectors.contact_list(user=request.user, q=request.GET.get("q", ""), action="export")
    columns = [
        (_("Customer code"), lambda p: p.customer.code, "customer__code"),
        (_("Customer"), lambda p: p.customer.name, "customer__name"),
        (_("Name"), lambda p: p.name, "name"),
        (pgettext("contact", "Title"), lambda p: p.title, "title"),
        (_("Phone"), lambda p: p.phone, "phone"),
        (_("Email"), lambda p: p.email, "email"),
    ]
    return list_export(request, rows, columns=columns, filename="contacts")

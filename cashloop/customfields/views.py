"""Pages of custom fields: the settings pages (admins) and each user's list columns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import object_type_of
from cashloop.customfields import selectors, services
from cashloop.customfields.choices import ObjectType
from cashloop.customfields.forms import CustomFieldForm, LayoutForm, object_type_or_404
from cashloop.customfields.models import CustomField
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

FIELD_ACTIONS = ("retire", "reinstate", "up", "down")


def _settings_url(object_type: str) -> str:
    return reverse("customfields:list") + f"?type={object_type}"


@login_required
def field_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "change", CustomField)
    object_type = object_type_or_404(request.GET.get("type", ObjectType.CUSTOMER))
    context = {
        "object_type": object_type,
        "object_types": ObjectType.choices,
        "fields": selectors.field_list(user=request.user, object_type=object_type),
        "layouts": selectors.layout_list(user=request.user, object_type=object_type),
    }
    return render(request, "customfields/list.html", context)


@login_required
def field_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", CustomField)
    object_type = object_type_or_404(request.GET.get("type", ObjectType.CUSTOMER))
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            field = services.custom_field_create(
                actor=request.user, object_type=object_type, **form.service_data()
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Field %(label)s added.") % {"label": field.label})
            return redirect(_settings_url(object_type))
    return render(
        request,
        "customfields/form.html",
        {
            "form": form,
            "field": None,
            "object_type": object_type,
            "type_label": ObjectType(object_type).label,
        },
    )


@login_required
def field_edit(request: HttpRequest, field_id: int) -> HttpResponse:
    try:
        field = selectors.field_get(user=request.user, field_id=field_id, action="change")
    except DomainError as exc:
        page_error(exc)
    form = CustomFieldForm(request.POST or None, instance=field)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data.pop("key"), data.pop("kind")
        try:
            services.custom_field_update(actor=request.user, field_id=field.pk, changes=data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Field saved."))
            return redirect(_settings_url(field.object_type))
    return render(
        request,
        "customfields/form.html",
        {
            "form": form,
            "field": field,
            "object_type": field.object_type,
            "type_label": ObjectType(field.object_type).label,
        },
    )


@login_required
@require_POST
def field_action(request: HttpRequest, field_id: int, action: str) -> HttpResponse:
    """Retire, reinstate, or move a field up or down; back to the list either way."""
    if action not in FIELD_ACTIONS:
        raise Http404
    try:
        field = selectors.field_get(user=request.user, field_id=field_id, action="change")
        if action == "retire":
            services.custom_field_retire(actor=request.user, field_id=field.pk)
            messages.success(request, _("Field retired; its values are kept."))
        elif action == "reinstate":
            services.custom_field_reinstate(actor=request.user, field_id=field.pk)
            messages.success(request, _("Field reinstated."))
        else:
            services.custom_field_move(
                actor=request.user, field_id=field.pk, offset=-1 if action == "up" else 1
            )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect(_settings_url(field.object_type))
    return redirect(_settings_url(field.object_type))


@login_required
def layout_edit(request: HttpRequest) -> HttpResponse:
    need(request.user, "change", CustomField)
    object_type = object_type_or_404(request.GET.get("type", ObjectType.CUSTOMER))
    layouts = selectors.layout_list(user=request.user, object_type=object_type)
    # The role picked (`?role=<id>`, none: everyone) starts from the keys it has saved.
    picked = request.GET.get("role", "")
    role_id = int(picked) if picked.isdigit() else None
    saved = next((lay.keys for lay in layouts if lay.role_id == role_id), [])
    form = LayoutForm(
        request.POST or None,
        object_type=object_type,
        initial={"role": role_id, "keys": "\n".join(saved)},
    )
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        try:
            services.field_layout_set(
                actor=request.user,
                object_type=object_type,
                role_id=role.pk if role else None,
                keys=form.keys_list(),
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form.add_error("keys", exc.message)
        else:
            messages.success(request, _("Layout saved."))
            return redirect(_settings_url(object_type))
    context = {
        "form": form,
        "object_type": object_type,
        "type_label": ObjectType(object_type).label,
        "fields": selectors.fields_for(object_type),
        "layouts": layouts,
    }
    return render(request, "customfields/layout.html", context)


@login_required
@require_POST
def columns_set(request: HttpRequest) -> HttpResponse:
    """Save the user's extra columns of one list and go back to it."""
    object_type = object_type_or_404(request.POST.get("object_type", ""))
    try:
        services.list_columns_set(
            actor=request.user, object_type=object_type, keys=request.POST.getlist("keys")
        )
    except DomainError as exc:
        page_error(exc)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)


def list_custom(request: HttpRequest, rows: QuerySet) -> tuple[QuerySet, dict]:
    """A list page's custom-field part: `rows` narrowed by the `cf_` filters of the query,
    and the context its templates use (`custom_visible` for the filters and the columns
    picker, `custom_columns` chosen by the user, `custom_query` to keep the filters in
    links).  After paginating, `column_cells(context["custom_columns"], page.object_list)`.
    """
    object_type = object_type_of(rows.model)
    custom = selectors.filters_from(request.GET)
    try:
        rows = selectors.custom_filter(
            rows, user=request.user, object_type=object_type, params=custom
        )
    except DomainError as exc:  # a filter that cannot be read: say so, list unfiltered
        messages.error(request, exc.message)
        custom = {}
    visible = selectors.fields_shown(user=request.user, object_type=object_type, layout=False)
    columns = selectors.list_columns(user=request.user, object_type=object_type, visible=visible)
    return rows, {
        "custom_object_type": object_type,
        "custom_visible": visible,
        "custom_columns": columns,
        "custom_query": urlencode(custom),
    }

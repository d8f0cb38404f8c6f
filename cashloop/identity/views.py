"""Pages of identity: sign in and out, my API tokens, roles and record shares."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.fieldrules import SHOW
from cashloop.core.scoping import get_scoped
from cashloop.identity import permissions, selectors, services
from cashloop.identity.forms import ApiTokenForm, RoleForm, ShareForm, matrix_data
from cashloop.identity.models import Role
from cashloop.identity.roles import BUILTIN_ROLES
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show


class LoginView(auth_views.LoginView):
    template_name = "identity/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _api_token, new_token = services.api_token_create(
                actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Token created. Copy it now: it is shown only once."))
            form = ApiTokenForm()
    tokens = selectors.api_token_list(user=request.user)
    return render(
        request,
        "identity/tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(actor=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token revoked."))
    return redirect("identity:tokens")


# --- Settings: roles, their holders, and record shares (decision 034) ----------------


def _role_matrix(role: Role | None, data: Any = None) -> dict[str, Any]:
    """The grants matrix and field-rule tables, ticked as the role (or the posted form) says."""
    if data is not None:
        grants, rules = matrix_data(data)
    else:
        grants = role.grants if role else {}
        rules = role.field_rules if role else {}
    rows = []
    for object_type in permissions.object_types():
        held = set(grants.get(object_type.code, ()))

        def cell(action: str, held: set[str] = held, offered: tuple = object_type.actions) -> dict:
            return {
                "action": action,
                "label": permissions.action_label(action),
                "offered": action in offered,
                "checked": action in held or "*" in held,
            }

        rows.append(
            {
                "type": object_type,
                "cells": [cell(a) for a in permissions.STANDARD_ACTIONS],
                # Special actions (claim, write_off ...) sit in one column, each labelled.
                "others": [
                    cell(a) for a in object_type.actions if a not in permissions.STANDARD_ACTIONS
                ],
            }
        )
    field_tables = [
        {
            "type": object_type,
            "fields": [
                {"field": f, "rule": rules.get(object_type.code, {}).get(f.name, SHOW)}
                for f in permissions.ruled_fields(object_type.code)
            ],
        }
        for object_type in permissions.ruled_types()
    ]
    return {
        "columns": [(a, permissions.action_label(a)) for a in permissions.STANDARD_ACTIONS],
        "rows": rows,
        "all_granted": "*" in grants.get("*", ()),
        "field_tables": field_tables,
    }


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    try:
        roles = selectors.role_list(user=request.user)
    except DomainError as exc:
        page_error(exc)
    context = {"roles": roles.prefetch_related("users"), "builtin_codes": list(BUILTIN_ROLES)}
    return render(request, "identity/role_list.html", context)


@login_required
def role_edit(request: HttpRequest, role_id: int | None = None) -> HttpResponse:
    """Create a role or change one: name, data scope, the action matrix and field rules."""
    try:
        role = selectors.role_get(user=request.user, role_id=role_id) if role_id else None
        if role is None:
            need(request.user, "manage", Role)
    except DomainError as exc:
        page_error(exc)
    initial = {"name": role.name, "data_scope": role.data_scope} if role else None
    form = RoleForm(request.POST or None, initial=initial, editing=role is not None)
    posted = request.POST if request.method == "POST" else None
    if posted is not None and form.is_valid():
        grants, rules = matrix_data(posted)
        fields = {**form.cleaned_data, "grants": grants, "field_rules": rules}
        try:
            if role is None:
                role = services.role_create(actor=request.user, **fields)
            else:
                services.role_update(actor=request.user, role_id=role.pk, changes=fields)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Role saved."))
            return redirect("identity:roles")
    context = {"form": form, "role": role, **_role_matrix(role, posted)}
    return render(request, "identity/role_form.html", context)


@login_required
@require_POST
def role_delete(request: HttpRequest, role_id: int) -> HttpResponse:
    try:
        services.role_delete(actor=request.user, role_id=role_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role deleted."))
    return redirect("identity:roles")


@login_required
def user_roles(request: HttpRequest) -> HttpResponse:
    """Every user with the roles they hold; one row saves one user's roles."""
    try:
        users = selectors.role_users(user=request.user)
        roles = selectors.role_list(user=request.user)
    except DomainError as exc:
        page_error(exc)
    if request.method == "POST":
        try:
            user_id = int(request.POST.get("user", ""))
            role_ids = [int(pk) for pk in request.POST.getlist("roles")]
            services.user_roles_set(actor=request.user, user_id=user_id, role_ids=role_ids)
        except ValueError:
            messages.error(request, _("The request could not be read."))
        except DomainError as exc:
            refuse_or_show(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Roles saved."))
            return redirect("identity:user_roles")
    return render(request, "identity/user_roles.html", {"users": users, "roles": roles})


@login_required
def share_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Share a customer with a user or a team (its page shows the shares and links here)."""
    from cashloop.customers.models import Customer

    try:
        customer = get_scoped(
            Customer.objects.all(), user=request.user, action="view", pk=customer_id
        )
    except DomainError as exc:
        page_error(exc)
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.share_create(
                actor=request.user, customer_id=customer_id, **form.service_data()
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Customer shared."))
            return redirect("customers:detail", customer_id=customer_id)
    shares = selectors.customer_shares(customer=customer)
    context = {"form": form, "customer": customer, "shares": shares}
    return render(request, "identity/share_form.html", context)


@login_required
@require_POST
def share_delete(request: HttpRequest, share_id: int) -> HttpResponse:
    customer_id = request.POST.get("customer", "")
    try:
        services.share_delete(actor=request.user, share_id=share_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Share removed."))
    if customer_id.isdigit():
        return redirect("customers:detail", customer_id=int(customer_id))
    return redirect("web:dashboard")

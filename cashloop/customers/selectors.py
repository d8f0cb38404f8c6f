"""Reads of customers, always through `restrict(user, action)`.

The list, the detail page, the search box, the export and the API all call these, so
no path shows a user more than another.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from cashloop.core.audit import audit_history
from cashloop.core.models import AuditEntry
from cashloop.core.scoping import ALL, OWN, get_scoped
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Contact, Customer, Tag
from cashloop.identity.models import User


def customer_list(
    *,
    user: User,
    q: str = "",
    status: str = "",
    owner_id: int | None = None,
    tag: str = "",
    action: str = "view",
) -> QuerySet[Customer]:
    """Customers the user may see, filtered; `q` matches code, names, tax id and contacts."""
    qs = Customer.objects.restrict(user, action)
    if q := q.strip():
        contact_hits = Contact.objects.filter(
            Q(name__icontains=q) | Q(phone__icontains=q) | Q(email__icontains=q)
        ).values("customer_id")
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(legal_name__icontains=q)
            | Q(tax_id__icontains=q)
            | Q(pk__in=contact_hits)
        )
    if status:
        qs = qs.filter(status=status)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if tag:
        qs = qs.filter(tags__name=tag)
    return (
        qs.select_related("owner", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("code")
    )


def customer_contact_counts(*, customers: Iterable[Customer]) -> dict[int, int]:
    """Contacts per customer for one page of customers (one query, not a join on the list)."""
    rows = (
        Contact.objects.filter(customer_id__in=[c.pk for c in customers])
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    return {row["customer_id"]: row["n"] for row in rows}


def customer_get(*, user: User, customer_id: int, action: str = "view") -> Customer:
    """One customer the user may see, or `customer.not_found` (also when out of scope)."""
    return get_scoped(
        Customer.objects.select_related("owner", "team").prefetch_related("tags"),
        user=user,
        action=action,
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )


def contact_list(*, user: User, customer_id: int | None = None, q: str = "") -> QuerySet[Contact]:
    qs = Contact.objects.restrict(user, "view").select_related("customer")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if q := q.strip():
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(email__icontains=q))
    return qs.order_by("name", "id")


def contact_get(*, user: User, contact_id: int, action: str = "view") -> Contact:
    return get_scoped(
        Contact.objects.select_related("customer"),
        user=user,
        action=action,
        pk=contact_id,
        not_found=CustomerError.CONTACT_NOT_FOUND,
    )


def customer_history(*, user: User, customer_id: int) -> QuerySet[AuditEntry]:
    """The audit trail of a customer the user may see (its own rows, newest first)."""
    return audit_history(instance=customer_get(user=user, customer_id=customer_id))


def customer_owner_choices(*, user: User) -> QuerySet[User]:
    """People the user may hand a customer to (all, their teams, or only themselves)."""
    scope = user.data_scope("customers.customer", "change") or OWN
    qs = User.objects.filter(is_active=True).order_by("username")
    if scope == ALL:
        return qs
    if scope == OWN:
        return qs.filter(pk=user.pk)
    return qs.filter(Q(team_id__in=list(user.scope_team_ids())) | Q(pk=user.pk))

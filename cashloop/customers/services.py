"""Writes of customers: create and change customers and contacts, each with its audit row.

Who may write is decided by `restrict(actor, action)`: a rep with the "own" scope can
only change their own customers and can only make customers owned by themselves; a
record outside the actor's scope answers as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import currency_check
from cashloop.core.scoping import ALL, OWN, get_scoped, require
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import TAG_MAX_LENGTH, Contact, Customer, Tag
from cashloop.identity.models import User

CUSTOMER_FIELDS = frozenset(
    {
        "code",
        "name",
        "legal_name",
        "tax_id",
        "currency",
        "payment_terms_days",
        "owner_id",
        "team_id",
        "status",
        "tags",
    }
)
CONTACT_FIELDS = frozenset({"name", "title", "phone", "email"})


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for field in changes:
        if field not in allowed:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})


def _owner_for(*, actor: User, scope: str, owner_id: int | None) -> User | None:
    """The owner the actor asks for, if the actor's scope lets them hand customers to them."""
    if owner_id is None:
        # Customers without an owner sit in the public pool; only an all-scope user puts
        # them there for now (the pool's own rules come with the CRM issue).
        if scope != ALL:
            raise DomainError(CustomerError.OWNER_OUTSIDE_SCOPE, details={"owner_id": None})
        return None
    owner = User.objects.select_related("team").filter(pk=owner_id).first()
    if owner is None or not owner.is_active:
        raise DomainError(CustomerError.OWNER_INACTIVE, details={"owner_id": owner_id})
    if scope == ALL or owner.pk == actor.pk:
        return owner
    if scope == OWN or owner.team_id not in actor.scope_team_ids():
        raise DomainError(CustomerError.OWNER_OUTSIDE_SCOPE, details={"owner_id": owner_id})
    return owner


def _tags_set(customer: Customer, names: Iterable[str]) -> None:
    wanted = sorted({name.strip() for name in names if name and name.strip()})
    for name in wanted:
        if len(name) > TAG_MAX_LENGTH:
            raise DomainError(CoreError.VALIDATION, details={"tags": [name]})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    customer.tags.set(tags)


def _save_with_code(customer: Customer) -> None:
    if Customer.objects.filter(code__iexact=customer.code).exclude(pk=customer.pk).exists():
        raise DomainError(CustomerError.CODE_TAKEN, code=customer.code, details={"field": "code"})
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:  # a concurrent insert won the race for the code
        raise DomainError(CustomerError.CODE_TAKEN, code=customer.code) from exc


@transaction.atomic
def customer_create(
    *,
    actor: User,
    code: str,
    name: str,
    currency: str,
    legal_name: str = "",
    tax_id: str = "",
    payment_terms_days: int = 30,
    owner_id: int | None = None,
    team_id: int | None = None,
    status: str = CustomerStatus.ACTIVE,
    tags: Iterable[str] = (),
) -> Customer:
    """Create a customer; without an owner it belongs to the acting user."""
    scope = require(actor, "add", Customer)
    owner = _owner_for(actor=actor, scope=scope, owner_id=owner_id or actor.pk)
    customer = Customer(
        code=code,
        name=name,
        legal_name=legal_name,
        tax_id=tax_id,
        currency=currency_check(currency),
        payment_terms_days=payment_terms_days,
        owner=owner,
        team_id=team_id if team_id is not None else (owner.team_id if owner else None),
        status=status,
    )
    full_clean_or_raise(customer)
    _save_with_code(customer)
    _tags_set(customer, tags)
    audit_record(actor=actor, instance=customer, action=AuditAction.CREATE)
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer_id: int, changes: Mapping[str, Any]) -> Customer:
    """Change some fields of a customer the actor may change; unchanged fields stay."""
    _check_fields(changes, CUSTOMER_FIELDS)
    customer = _customer_for_change(actor=actor, customer_id=customer_id)
    before = audit_snapshot(customer)
    scope = require(actor, "change", Customer)
    for field, value in changes.items():
        if field == "tags":
            continue
        if field == "currency":
            value = currency_check(value)
        if field == "owner_id" and value != customer.owner_id:
            owner = _owner_for(actor=actor, scope=scope, owner_id=value)
            if "team_id" not in changes:
                customer.team_id = owner.team_id if owner else None
        setattr(customer, field, value)
    full_clean_or_raise(customer)
    _save_with_code(customer)
    if "tags" in changes:
        _tags_set(customer, changes["tags"] or ())
    audit_record(actor=actor, instance=customer, action=AuditAction.UPDATE, before=before)
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer_id: int) -> None:
    """Delete a customer that has no records yet (a typo); one with history stays."""
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="delete",
        pk=customer_id,
        lock=True,
        not_found=CustomerError.NOT_FOUND,
    )
    if customer.contacts.exists():
        raise DomainError(CustomerError.HAS_CONTACTS)
    before = audit_snapshot(customer)
    audit_record(actor=actor, instance=customer, action=AuditAction.DELETE, before=before)
    customer.tags.clear()
    customer.delete()


def _customer_for_change(*, actor: User, customer_id: int) -> Customer:
    return get_scoped(
        Customer.objects.all(),
        user=actor,
        action="change",
        pk=customer_id,
        lock=True,
        not_found=CustomerError.NOT_FOUND,
    )


@transaction.atomic
def contact_create(
    *,
    actor: User,
    customer_id: int,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
) -> Contact:
    """Add a contact to a customer the actor may change."""
    require(actor, "add", Contact)
    customer = _customer_for_change(actor=actor, customer_id=customer_id)
    contact = Contact(customer=customer, name=name, title=title, phone=phone, email=email)
    full_clean_or_raise(contact)
    contact.save()
    audit_record(actor=actor, instance=contact, action=AuditAction.CREATE)
    return contact


def _contact_for(*, actor: User, contact_id: int, action: str) -> Contact:
    return get_scoped(
        Contact.objects.select_related("customer"),
        user=actor,
        action=action,
        pk=contact_id,
        lock=True,
        not_found=CustomerError.CONTACT_NOT_FOUND,
    )


@transaction.atomic
def contact_update(*, actor: User, contact_id: int, changes: Mapping[str, Any]) -> Contact:
    _check_fields(changes, CONTACT_FIELDS)
    contact = _contact_for(actor=actor, contact_id=contact_id, action="change")
    before = audit_snapshot(contact)
    for field, value in changes.items():
        setattr(contact, field, value)
    full_clean_or_raise(contact)
    contact.save()
    audit_record(actor=actor, instance=contact, action=AuditAction.UPDATE, before=before)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact_id: int) -> None:
    contact = _contact_for(actor=actor, contact_id=contact_id, action="delete")
    before = audit_snapshot(contact)
    audit_record(actor=actor, instance=contact, action=AuditAction.DELETE, before=before)
    contact.delete()

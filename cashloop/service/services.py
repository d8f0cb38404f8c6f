"""Writes of service tickets: open, change, assign, reply, resolve, close; the policy row.

Every write checks the actor's right on tickets and reaches the ticket through its scope,
records the change in the audit trail in the same transaction, and refuses bad input with
a `ServiceError` code before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.contracts.models import Contract
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.scoping import get_scoped, require
from cashloop.core.sequences import sequence_next
from cashloop.cpq.models import Product
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Contact, Customer
from cashloop.identity.models import User
from cashloop.service.choices import SLA, TRANSITIONS, TicketPriority, TicketStatus
from cashloop.service.errors import ServiceError
from cashloop.service.models import ServiceSettings, Ticket, TicketMessage

TICKET_SERIES = "TKT"
TICKET_FIELDS = frozenset(
    {"subject", "description", "priority", "contact_id", "contract_id", "product_id", "status"}
)
SETTINGS_FIELDS = frozenset({"block_paid_on_hold"})
LINKS = ("customer", "contact", "contract", "product")
LINK_IDS = ("contact_id", "contract_id", "product_id")


def _sla(ticket: Ticket) -> None:
    respond, resolve = SLA[ticket.priority]
    ticket.respond_by = ticket.created_at + respond
    ticket.resolve_by = ticket.created_at + resolve


def _check_links(
    ticket: Ticket, *, contact_id: int | None, contract_id: int | None, product_id: int | None
) -> None:
    """Contact and contract must be the customer's own; the product must exist."""
    if (
        contact_id is not None
        and not Contact.objects.filter(pk=contact_id, customer_id=ticket.customer_id).exists()
    ):
        raise DomainError(ServiceError.CONTACT_MISMATCH)
    if (
        contract_id is not None
        and not Contract.objects.filter(pk=contract_id, customer_id=ticket.customer_id).exists()
    ):
        raise DomainError(ServiceError.CONTRACT_MISMATCH)
    if product_id is not None and not Product.objects.filter(pk=product_id).exists():
        raise DomainError(ServiceError.PRODUCT_NOT_FOUND)
    ticket.contact_id = contact_id
    ticket.contract_id = contract_id
    ticket.product_id = product_id


def _check_not_on_hold(customer: Customer) -> None:
    """The optional policy: no paid service for a customer on credit hold (decision 049)."""
    if not ServiceSettings.current().block_paid_on_hold:
        return
    try:
        from cashloop.credit.selectors import customer_hold
    except ImportError:  # credit control is not installed: nothing can be on hold
        return
    hold = customer_hold(customer.pk)
    if hold is not None:
        raise DomainError(ServiceError.CUSTOMER_ON_HOLD, reason=hold.reason)


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.data_scope("service.ticket", "change") is None:
        raise DomainError(ServiceError.ASSIGNEE_INVALID)
    return user


def _notify_assignee(ticket: Ticket, actor: User) -> None:
    if ticket.assignee is None or ticket.assignee_id == actor.pk:
        return
    from cashloop.notifications.services import notification_send

    notification_send(
        users=[ticket.assignee],
        title=_("Ticket %(number)s was assigned to you") % {"number": ticket.number},
        body=ticket.subject,
        url=reverse("service:detail", args=[ticket.pk]),
    )


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    customer_id: int,
    subject: str,
    description: str = "",
    priority: str = TicketPriority.NORMAL,
    contact_id: int | None = None,
    contract_id: int | None = None,
    product_id: int | None = None,
    assignee_id: int | None = None,
    paid_service: bool = False,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket for a customer the actor may see; SLA dates follow from the priority."""
    require(actor, "add", Ticket)
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    if paid_service:
        _check_not_on_hold(customer)
    now = now or timezone.now()
    ticket = Ticket(
        customer=customer,
        subject=subject,
        description=description,
        priority=priority,
        paid_service=paid_service,
        created_by=actor,
        created_at=now,
        assignee=_assignee(assignee_id),
    )
    _check_links(ticket, contact_id=contact_id, contract_id=contract_id, product_id=product_id)
    full_clean_or_raise(ticket, exclude=(*LINKS, "number", "respond_by", "resolve_by"))
    _sla(ticket)
    ticket.number = sequence_next(series=TICKET_SERIES, year=timezone.localtime(now).year)
    ticket.save()
    audit_record(actor=actor, instance=ticket, action=AuditAction.CREATE)
    _notify_assignee(ticket, actor)
    return ticket


def _ticket_for(*, actor: User, ticket_id: int, action: str = "change") -> Ticket:
    return get_scoped(
        Ticket.objects.select_related("customer"),
        user=actor,
        action=action,
        pk=ticket_id,
        lock=True,
        not_found=ServiceError.NOT_FOUND,
    )


def _move(ticket: Ticket, target: str, now: datetime) -> None:
    """Apply a status change if the workflow allows it, stamping resolution and closing."""
    if target == ticket.status:
        return
    if target not in TRANSITIONS.get(ticket.status, frozenset()):
        raise DomainError(
            ServiceError.BAD_TRANSITION,
            current=TicketStatus(ticket.status).label,
            target=TicketStatus(target).label if target in TicketStatus.values else target,
        )
    ticket.status = target
    if target == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif target == TicketStatus.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    else:  # reopened or waiting: not resolved any more
        ticket.resolved_at = None


@transaction.atomic
def ticket_update(
    *, actor: User, ticket_id: int, changes: Mapping[str, Any], now: datetime | None = None
) -> Ticket:
    """Change a ticket's fields and/or status; a new priority resets the SLA dates."""
    unknown = set(changes) - TICKET_FIELDS
    if unknown:
        raise DomainError(CoreError.UNKNOWN_FIELD, field=", ".join(sorted(unknown)))
    ticket = _ticket_for(actor=actor, ticket_id=ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(ServiceError.CLOSED)
    before = audit_snapshot(ticket)
    fields = {k: v for k, v in changes.items() if k != "status"}
    links = {key: fields.pop(key, getattr(ticket, key)) for key in LINK_IDS}
    _check_links(ticket, **links)
    for field, value in fields.items():
        setattr(ticket, field, value)
    full_clean_or_raise(ticket, exclude=(*LINKS, "assignee", "created_by"))
    if "priority" in changes:
        _sla(ticket)
    if "status" in changes:
        _move(ticket, changes["status"], now or timezone.now())
    ticket.save()
    audit_record(actor=actor, instance=ticket, action=AuditAction.UPDATE, before=before)
    return ticket


@transaction.atomic
def ticket_resolve(*, actor: User, ticket_id: int, now: datetime | None = None) -> Ticket:
    return ticket_update(
        actor=actor, ticket_id=ticket_id, changes={"status": TicketStatus.RESOLVED}, now=now
    )


@transaction.atomic
def ticket_close(*, actor: User, ticket_id: int, now: datetime | None = None) -> Ticket:
    return ticket_update(
        actor=actor, ticket_id=ticket_id, changes={"status": TicketStatus.CLOSED}, now=now
    )


@transaction.atomic
def ticket_assign(*, actor: User, ticket_id: int, assignee_id: int | None) -> Ticket:
    """Give the ticket to an agent (or to nobody); the new assignee is notified."""
    ticket = _ticket_for(actor=actor, ticket_id=ticket_id, action="assign")
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(ServiceError.CLOSED)
    before = audit_snapshot(ticket)
    ticket.assignee = _assignee(assignee_id)
    ticket.save(update_fields=["assignee", "updated_at"])
    audit_record(actor=actor, instance=ticket, action=AuditAction.UPDATE, before=before)
    _notify_assignee(ticket, actor)
    return ticket


def payment_reminder(*, customer_id: int, today: date | None = None) -> str:
    """The paragraph a reply may end with when the customer has overdue receivables."""
    from cashloop.service.selectors import customer_overdue_warning

    warning = customer_overdue_warning(customer_id, today=today)
    if warning is None:
        raise DomainError(ServiceError.NOTHING_OVERDUE)
    return _(
        "Please also note that %(amount)s of your invoices is overdue (the oldest by "
        "%(days)s days). We would be grateful if you could arrange payment soon; "
        "if you have already paid, please disregard this reminder."
    ) % {"amount": warning.amounts_display, "days": warning.oldest_days}


@transaction.atomic
def ticket_reply(
    *,
    actor: User,
    ticket_id: int,
    body: str,
    internal: bool = False,
    payment_reminder_added: bool = False,
    now: datetime | None = None,
    today: date | None = None,
) -> TicketMessage:
    """Add a reply to the customer or an internal note.

    The first public reply is the ticket's first response (its SLA clock) and takes a new
    ticket to open.  A reply may end with a payment reminder when the customer is overdue.
    """
    ticket = _ticket_for(actor=actor, ticket_id=ticket_id, action="reply")
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(ServiceError.CLOSED)
    body = body.strip()
    if not body:
        raise DomainError(ServiceError.EMPTY_MESSAGE)
    if payment_reminder_added:
        if internal:
            raise DomainError(ServiceError.REMINDER_INTERNAL)
        body = f"{body}\n\n{payment_reminder(customer_id=ticket.customer_id, today=today)}"
    now = now or timezone.now()
    message = TicketMessage(ticket=ticket, author=actor, body=body, internal=internal)
    message.created_at = now
    full_clean_or_raise(message, exclude=("ticket", "author"))
    message.save()
    audit_record(actor=actor, instance=message, action=AuditAction.CREATE)
    if not internal and ticket.first_response_at is None:
        before = audit_snapshot(ticket)
        ticket.first_response_at = now
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
        ticket.save(update_fields=["first_response_at", "status", "updated_at"])
        audit_record(actor=actor, instance=ticket, action=AuditAction.UPDATE, before=before)
    return message


@transaction.atomic
def service_settings_update(*, actor: User, changes: Mapping[str, Any]) -> ServiceSettings:
    """Change the after-sales policy (admins: `manage` on the settings row)."""
    unknown = set(changes) - SETTINGS_FIELDS
    if unknown:
        raise DomainError(CoreError.UNKNOWN_FIELD, field=", ".join(sorted(unknown)))
    require(actor, "change", ServiceSettings)
    rules = ServiceSettings.objects.select_for_update().get(pk=ServiceSettings.current().pk)
    before = audit_snapshot(rules)
    for field, value in changes.items():
        setattr(rules, field, value)
    rules.save()
    audit_record(actor=actor, instance=rules, action=AuditAction.UPDATE, before=before)
    return rules

"""Reads of service tickets, always through `restrict(user, action)`, and the overdue warning.

The overdue warning is read unscoped on purpose: an after-sales agent who may see a
ticket must learn that its customer owes money even without the right to open invoices
(decision 049).  It says only the totals per currency, the age of the oldest item and
who collects; the invoices themselves stay behind their own rights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Min, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cashloop.core.money import format_money
from cashloop.core.scoping import ScopedQuerySet, get_scoped, may
from cashloop.customers.models import Customer
from cashloop.identity.models import Role, User
from cashloop.receivables.models import Installment
from cashloop.receivables.services import OPEN_STATUSES
from cashloop.service.choices import ACTIVE_STATUSES
from cashloop.service.errors import ServiceError
from cashloop.service.models import Ticket, TicketMessage


@dataclass(frozen=True)
class OverdueAmount:
    currency: str
    amount: Decimal

    @property
    def display(self) -> str:
        return format_money(self.amount, self.currency)


@dataclass(frozen=True)
class OverdueWarning:
    """What an agent must know before serving a customer who owes money."""

    customer_id: int
    amounts: tuple[OverdueAmount, ...]
    oldest_days: int
    items: int
    collector: User | None
    # True when no collector is set and the customer's owner is named instead.
    collector_is_owner: bool

    @property
    def amounts_display(self) -> str:
        return ", ".join(amount.display for amount in self.amounts)

    @property
    def collector_name(self) -> str:
        return str(self.collector) if self.collector else ""

    @property
    def message(self) -> str:
        """The warning as one sentence, in the active language (for the API and e-mails)."""
        text = ngettext(
            "%(amount)s overdue (%(items)s item, the oldest %(days)s days late).",
            "%(amount)s overdue (%(items)s items, the oldest %(days)s days late).",
            self.items,
        ) % {"amount": self.amounts_display, "items": self.items, "days": self.oldest_days}
        if self.collector is None:
            return text
        who = _("Owner") if self.collector_is_owner else _("Collector")
        return f"{text} {who}: {self.collector_name}"


def _collector_of(customer: Customer) -> tuple[User | None, bool]:
    """The customer's collector (dunning settings, decision 047), else its owner."""
    try:
        from cashloop.collections.selectors import collector_of
    except ImportError:  # the collections app is not installed
        return customer.owner, True
    collector = collector_of(customer)
    return (collector, False) if collector is not None else (customer.owner, True)


def customer_overdue_warning(
    customer_id: int, *, today: date | None = None
) -> OverdueWarning | None:
    """The customer's overdue receivables (open installments due before `today`), or None."""
    today = today or timezone.localdate()
    rows = list(
        Installment.objects.filter(
            invoice__customer_id=customer_id,
            invoice__status__in=OPEN_STATUSES,
            residual__gt=0,
            due_date__lt=today,
        )
        .values("invoice__currency")
        .annotate(amount=Sum("residual"), oldest=Min("due_date"), items=Count("id"))
        .order_by("invoice__currency")
    )
    if not rows:
        return None
    customer = Customer.objects.select_related("owner").get(pk=customer_id)
    collector, is_owner = _collector_of(customer)
    return OverdueWarning(
        customer_id=customer_id,
        amounts=tuple(OverdueAmount(row["invoice__currency"], row["amount"]) for row in rows),
        oldest_days=(today - min(row["oldest"] for row in rows)).days,
        items=sum(row["items"] for row in rows),
        collector=collector,
        collector_is_owner=is_owner,
    )


def agents() -> QuerySet[User]:
    """Active users who may work on tickets: the people a ticket can be assigned to."""
    roles = [role.pk for role in Role.objects.all() if role.allows("service.ticket", "change")]
    return (
        User.objects.filter(Q(roles__in=roles) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )


def _tickets(user: User) -> ScopedQuerySet[Ticket]:
    return Ticket.objects.restrict(user, "view").select_related("customer", "contact", "assignee")


def ticket_list(
    *,
    user: User,
    status: str = "",
    priority: str = "",
    assignee_id: int | None = None,
    customer_id: int | None = None,
    q: str = "",
    active: bool = False,
    overdue_sla: bool = False,
) -> QuerySet[Ticket]:
    """Tickets the user may see, newest first, narrowed by the filters given."""
    qs = _tickets(user)
    if status:
        qs = qs.filter(status=status)
    if active:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if priority:
        qs = qs.filter(priority=priority)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(subject__icontains=q) | Q(customer__name__icontains=q)
        )
    if overdue_sla:
        qs = qs.filter(status__in=ACTIVE_STATUSES, resolve_by__lt=timezone.now())
    return qs


def ticket_get(*, user: User, ticket_id: int) -> Ticket:
    """One ticket with its conversation; internal notes only for those who may change it."""
    ticket = get_scoped(
        _tickets(user).select_related("contract", "product", "created_by"),
        user=user,
        action="view",
        pk=ticket_id,
        not_found=ServiceError.NOT_FOUND,
    )
    messages: Any = TicketMessage.objects.filter(ticket=ticket).select_related("author")
    if not may(user, "change", Ticket):
        messages = messages.filter(internal=False)
    ticket.conversation = list(messages)
    return ticket


@dataclass(frozen=True)
class CustomerTickets:
    """The customer 360 panel: open tickets first, then the latest closed ones."""

    tickets: Sequence[Ticket]
    open_count: int
    total: int


def customer_tickets(*, user: User, customer_id: int, limit: int = 10) -> CustomerTickets | None:
    """A customer's tickets for its 360 page; None when the user may not read tickets."""
    if not may(user, "view", Ticket):
        return None
    qs = _tickets(user).filter(customer_id=customer_id)
    counts = qs.aggregate(
        total=Count("id"), open_count=Count("id", filter=Q(status__in=ACTIVE_STATUSES))
    )
    rows = list(
        qs.annotate(done=Case(When(status__in=ACTIVE_STATUSES, then=0), default=1)).order_by(
            "done", "-created_at", "-id"
        )[:limit]
    )
    return CustomerTickets(tickets=rows, open_count=counts["open_count"], total=counts["total"])

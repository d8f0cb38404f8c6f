"""Choices of service tickets: priority, status, the transitions allowed and the SLA table."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("ticket priority", "Low")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    HIGH = "high", pgettext_lazy("ticket priority", "High")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


# A resolved ticket may be reopened when the customer says it is not fixed; a closed one is
# final (a new problem is a new ticket, so SLA figures stay honest).
TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset({"open", "waiting", "resolved", "closed"}),
    TicketStatus.OPEN: frozenset({"waiting", "resolved", "closed"}),
    TicketStatus.WAITING: frozenset({"open", "resolved", "closed"}),
    TicketStatus.RESOLVED: frozenset({"open", "closed"}),
    TicketStatus.CLOSED: frozenset(),
}
# What the button that moves a ticket to each status says.
MOVE_LABELS: dict[str, Promise] = {
    TicketStatus.OPEN: pgettext_lazy("ticket action", "Work on it"),
    TicketStatus.WAITING: pgettext_lazy("ticket action", "Wait for customer"),
    TicketStatus.RESOLVED: pgettext_lazy("ticket action", "Resolve"),
    TicketStatus.CLOSED: pgettext_lazy("ticket action", "Close"),
}
ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)

# The SLA table (decision 049): time to the first public reply and to resolution, from
# the moment the ticket is opened.  Calendar hours, not business hours.
SLA: dict[str, tuple[timedelta, timedelta]] = {
    TicketPriority.URGENT: (timedelta(hours=1), timedelta(hours=8)),
    TicketPriority.HIGH: (timedelta(hours=4), timedelta(days=1)),
    TicketPriority.NORMAL: (timedelta(hours=8), timedelta(days=3)),
    TicketPriority.LOW: (timedelta(days=1), timedelta(days=7)),
}

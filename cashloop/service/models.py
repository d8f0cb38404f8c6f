"""Service tickets (售后工单), their conversation, and the after-sales policy row.

Tickets follow their customer's owner and team, as every record that hangs off a
customer does; the after-sales agent's role sees all of them.  SLA dates are set from
the priority when the ticket is opened (and again when its priority changes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashloop.core.scoping import ScopedQuerySet
from cashloop.service.choices import TicketPriority, TicketStatus


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    product = models.ForeignKey(
        "cpq.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=TicketPriority.choices,
        default=TicketPriority.NORMAL,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    # A paid service (on-site repair out of warranty ...) is refused for a customer on credit
    # hold when the policy says so; free support never is.
    paid_service = models.BooleanField(_("paid service"), default=False)
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    # Set by `selectors.ticket_get`: the messages its reader may see (not a column).
    conversation: list[TicketMessage]

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "resolve_by"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def response_late(self) -> bool:
        """The first public reply came, or is still missing, after `respond_by`."""
        return (self.first_response_at or timezone.now()) > self.respond_by

    @property
    def resolution_late(self) -> bool:
        return (self.resolved_at or timezone.now()) > self.resolve_by


class TicketMessage(models.Model):
    """One entry of a ticket's conversation: a reply to the customer or an internal note."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=20000)
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("sent"))

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "ticket__customer__owner"
    scope_team_field = "ticket__customer__team"
    scope_customer_field = "ticket__customer"

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.number} #{self.pk}"

    @property
    def audit_subject(self) -> Ticket:
        return self.ticket


class ServiceSettings(models.Model):
    """The after-sales policy, one row an admin edits (decision 049)."""

    block_paid_on_hold = models.BooleanField(
        _("block paid services for customers on credit hold"), default=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service settings")
        verbose_name_plural = _("service settings")

    def __str__(self) -> str:
        return str(_("After-sales policy"))

    @classmethod
    def current(cls) -> ServiceSettings:
        return cls.objects.get_or_create(pk=1)[0]

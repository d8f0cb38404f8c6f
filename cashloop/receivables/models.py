"""Receivables: invoices with lines and installments, payments, and the open-item ledger.

Each installment of an issued invoice is an open item.  Each application of a payment to
it is an `Allocation` row (positive), and undoing one adds a negative row that points at
the original, so matching and un-matching add rows and never rewrite history.  The
stored residuals (installment, invoice, payment unapplied, customer balance) are kept in
the same transaction as the rows and the journal entry, and `cashloop verify` recomputes
each of them from the rows and from the ledger.

Foreign-currency documents keep the rate they were posted at and their base-currency
amounts, so that the last allocation takes exactly what is left in base currency and the
exchange difference goes to its own account.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet
from cashloop.receivables.choices import (
    DueRule,
    HeldPostingKind,
    HoldStatus,
    InvoiceOrigin,
    InvoiceStatus,
    OpenItemKind,
    PaymentMethod,
    WriteOffKind,
)


def rate_field() -> models.DecimalField:
    return models.DecimalField(
        _("exchange rate"),
        max_digits=18,
        decimal_places=8,
        default=1,
        help_text=_("Units of base currency for one unit of the document's currency."),
    )


class Invoice(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    # Forced revenue: a contract's invoice comes from its payment plan; any other is a
    # non-contract sale, which is issued only through approval (decision 039).
    origin = models.CharField(
        _("origin"),
        max_length=20,
        choices=InvoiceOrigin.choices,
        default=InvoiceOrigin.NON_CONTRACT,
    )
    currency = models.CharField(_("currency"), max_length=3)
    rate = rate_field()
    issue_date = models.DateField(_("invoice date"))
    subtotal = money_field(_("net amount"), default=0)
    tax_total = money_field(_("tax"), default=0)
    total = money_field(_("total"), default=0)
    base_total = money_field(_("total in base currency"), default=0)
    residual = money_field(_("residual"), default=0)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    journal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    # Values of the custom fields an admin defined (see cashloop.customfields).
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="invoice_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["issue_date"]),
        ]

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = money_field(_("unit price"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)
    net = money_field(_("net amount"))
    tax = money_field(_("tax"))
    total = money_field(_("total"))
    # The contract line this line bills a share of (invoices of origin "contract").
    contract_line = models.ForeignKey(
        "contracts.ContractLine",
        verbose_name=_("contract line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    # Where the net amount is credited when issued; null: the chart's revenue account.
    revenue_account = models.ForeignKey(
        "ledger.Account",
        verbose_name=_("revenue account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice_id", "position"]

    def __str__(self) -> str:
        return self.description


class Installment(models.Model):
    """One due date of an invoice: an open item once the invoice is issued."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="installments")
    sequence = models.PositiveSmallIntegerField(_("installment"))
    due_rule = models.CharField(_("due rule"), max_length=20, choices=DueRule.choices)
    due_days = models.PositiveSmallIntegerField(_("days"), default=0)
    due_date = models.DateField(_("due date"), db_index=True)
    share = models.DecimalField(_("share"), max_digits=9, decimal_places=4, default=1)
    amount = money_field(_("amount"))
    base_amount = money_field(_("amount in base currency"), default=0)
    residual = money_field(_("residual"))
    base_residual = money_field(_("residual in base currency"), default=0)
    # The terms as agreed (kept so a draft reads back exactly as typed) and what they give.
    discount_percent = models.DecimalField(
        _("early-payment discount %"), max_digits=5, decimal_places=2, default=0
    )
    discount_days = models.PositiveSmallIntegerField(_("discount days"), default=0)
    discount_amount = money_field(_("early-payment discount"), default=0)
    discount_until = models.DateField(_("discount until"), null=True, blank=True)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["due_date", "invoice_id", "sequence"]
        indexes = [
            # Open items only: reports of today read these, whatever the paid history.
            models.Index(
                fields=["invoice"], condition=~models.Q(residual=0), name="installment_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} / {self.sequence}"


class CreditSourceBase(models.Model):
    """What a customer can apply to open items: a payment or a credit note.

    Each has its own gapless number, a date and currency with the rate used, the part not
    yet applied (`unapplied`, an advance or credit on account) and the entry that posted it.
    """

    number = models.CharField(_("number"), max_length=30, unique=True)
    date = models.DateField(_("date"), db_index=True)
    currency = models.CharField(_("currency"), max_length=3)
    rate = rate_field()
    unapplied = money_field(_("unapplied"))
    base_unapplied = money_field(_("unapplied in base currency"))
    # Set in the same transaction, right after the entry is posted with this row as source.
    journal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        abstract = True
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.number


class Payment(CreditSourceBase):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = money_field(_("amount"))
    base_amount = money_field(_("amount in base currency"))
    method = models.CharField(
        _("method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True)
    payer_account = models.CharField(_("payer account"), max_length=60, blank=True)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    # A payment recorded in error (a statement line recognised wrongly) is voided, not
    # refunded: no money went back.  Its entry is reversed by `void_entry`, its unapplied
    # amount goes to zero, and it keeps its number (decision 046).
    voided_on = models.DateField(_("voided on"), null=True, blank=True)
    void_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_memo = models.CharField(_("reason voided"), max_length=500, blank=True, default="")

    class Meta(CreditSourceBase.Meta):
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voided_on__isnull=True, void_entry__isnull=True)
                | models.Q(voided_on__isnull=False, void_entry__isnull=False),
                name="payment_void_has_entry",
            )
        ]

    @property
    def is_voided(self) -> bool:
        return self.voided_on is not None


class Refund(models.Model):
    """Money paid back to a customer out of an advance (the unapplied part of a payment)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    date = models.DateField(_("date"))
    amount = money_field(_("amount"))
    base_amount = money_field(_("amount in base currency"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    journal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.payment} refund {self.amount}"


class CreditNote(CreditSourceBase):
    """A red-letter invoice (红字发票): reverses revenue and VAT, and is credit to apply.

    Against an invoice it is applied to that invoice at once; standalone it waits, like an
    advance, until it is applied to an open item (its `unapplied` part).
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    subtotal = money_field(_("net amount"))
    tax_total = money_field(_("tax"))
    amount = money_field(_("total"))
    base_amount = money_field(_("total in base currency"))
    reason = models.CharField(_("reason"), max_length=500)

    class Meta(CreditSourceBase.Meta):
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")


class Allocation(models.Model):
    """A signed open-item row against an installment.

    Positive rows reduce the residual: a payment or credit note applied, a write-off, an
    early-payment discount.  Undoing one adds its negative twin (`undoes`).  The row's
    `date` is when it took effect, which is what reports as of a past date read.
    """

    installment = models.ForeignKey(
        Installment, on_delete=models.PROTECT, related_name="allocations"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OpenItemKind.choices)
    write_off_kind = models.CharField(
        _("write-off kind"), max_length=20, choices=WriteOffKind.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    amount = money_field(_("amount"))
    base_amount = money_field(_("amount in base currency at the invoice's rate"))
    payment_base_amount = money_field(_("amount in base currency at the payment's rate"), default=0)
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )
    date = models.DateField(_("date"))
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["installment", "date"]), models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(payment__isnull=False, credit_note__isnull=False),
                name="allocation_one_source",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.payment or self.credit_note or self.kind} → {self.installment}: {self.amount}"
        )


class CustomerBalance(models.Model):
    """What a customer owes (open items) and has paid ahead (advances), per currency."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="balances"
    )
    currency = models.CharField(_("currency"), max_length=3)
    receivable = money_field(_("receivable"), default=0)
    advance = money_field(_("advance"), default=0)

    class Meta:
        verbose_name = _("customer balance")
        verbose_name_plural = _("customer balances")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency"], name="receivables_balance_customer_currency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency}: {self.receivable} / {self.advance}"


class HeldPosting(models.Model):
    """A write-off or credit note waiting for approval: nothing is posted until it is approved.

    It keeps the service's arguments (`payload`) and the figures the approvers decide on;
    approval runs the real posting with them (checked again then), rejection or withdrawal
    only closes the hold.  One pending write-off per installment at a time.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=HeldPostingKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=HoldStatus.choices, default=HoldStatus.PENDING
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="held_postings",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_postings",
    )
    installment = models.ForeignKey(
        Installment,
        verbose_name=_("installment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_postings",
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    base_amount = money_field(_("amount in base currency"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    payload = models.JSONField(_("arguments"), default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    approval_request = models.ForeignKey(
        "approvals.ApprovalRequest",
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    allocation = models.OneToOneField(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_note = models.OneToOneField(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"

    class Meta:
        verbose_name = _("posting waiting for approval")
        verbose_name_plural = _("postings waiting for approval")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["installment"],
                condition=models.Q(status="pending", kind="write_off"),
                name="receivables_one_pending_write_off",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(status="pending", kind="non_contract_sale"),
                name="receivables_one_pending_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def audit_subject(self) -> models.Model:
        # The hold shows in the history of what it would change.
        return self.invoice or self.customer


class InvoicingProfile(models.Model):
    """One row: the company as the seller on its invoices (开票信息), which e-invoices carry
    (decision 058)."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invoicing details")
        verbose_name_plural = _("invoicing details")

    def __str__(self) -> str:
        return self.legal_name

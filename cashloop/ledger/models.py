"""The ledger: chart of accounts, accounting periods, journal entries and their lines.

Design overview
---------------
* An `Account` has a code and a type; services find accounts by `role` (AR, revenue,
  output VAT ...), never by code, so finance may renumber or rename the chart.  An
  account may take any currency, or only one (`currency`).
* A `JournalEntry` is one balanced event: it records why (`reason`), what caused it (the
  source document), when (`date`, a business date in the company's time zone), and a
  unique `idempotency_key`: posting the same event twice returns the first entry.
* A `JournalLine` is signed: debit positive, credit negative, in its own currency
  (`amount`) and in the base currency (`base_amount`).  An entry's lines sum to zero per
  currency and in base currency.  An exchange difference is a line in the foreign
  currency with amount 0 and only a base amount (as Odoo books it), so that both sums
  hold for every entry.
* Posted entries are immutable.  The only writer is `ledger.services.journal_entry_post`;
  mistakes are undone by `journal_entry_reverse`, which posts the mirror entry and links
  it.  Code refuses updates and deletes; on PostgreSQL triggers refuse them too, and a
  deferred constraint trigger refuses an entry whose lines do not balance at commit.
* An `AccountingPeriod` (a month) that is closed accepts no postings dated in it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import DomainError
from cashloop.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from cashloop.ledger.choices import AccountRole, AccountType, PeriodStatus, PostingReason
from cashloop.ledger.errors import LedgerError


def _money_field(verbose_name: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES
    )


class Account(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=AccountType.choices)
    role = models.CharField(
        _("role"), max_length=30, choices=AccountRole.choices, blank=True, db_index=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        help_text=_("Empty: the account takes any currency."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("chart of accounts")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        lang = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if lang.startswith("zh") else self.name_en


class AccountingPeriod(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="ledger_period_year_month"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="ledger_period_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class ImmutableQuerySet(models.QuerySet):
    """Bulk updates and deletes of posted rows are refused like single ones."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise DomainError(LedgerError.IMMUTABLE)

    def delete(self) -> NoReturn:
        raise DomainError(LedgerError.IMMUTABLE)


class ImmutableModel(models.Model):
    """A row that is written once and never changed or deleted."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise DomainError(LedgerError.IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise DomainError(LedgerError.IMMUTABLE)


class JournalEntry(ImmutableModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    date = models.DateField(_("date"), db_index=True)
    reason = models.CharField(_("reason"), max_length=30, choices=PostingReason.choices)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source_repr = models.CharField(_("source document"), max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    payload_hash = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        # Not `get_reason_display()`, which rebuilds the whole choice table on every call:
        # audit rows name each invoice's entry, by the hundred thousand in a migration.
        reason = self.reason
        return f"{self.number} {PostingReason(reason).label if reason in PostingReason else reason}"


class JournalLine(ImmutableModel):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines"
    )
    currency = models.CharField(_("currency"), max_length=3)
    amount = _money_field(_("amount"))
    base_amount = _money_field(_("amount in base currency"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["entry_id", "id"]
        indexes = [models.Index(fields=["account", "customer"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0, base_amount=0), name="ledger_line_not_zero"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount} {self.currency}"

    @property
    def debit(self) -> Any:
        return self.amount if self.amount > 0 else None

    @property
    def credit(self) -> Any:
        return -self.amount if self.amount < 0 else None

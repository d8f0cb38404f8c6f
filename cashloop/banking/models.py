"""Bank accounts, statement imports and their lines, and what recognised them (认款).

A statement line is money that moved on a company bank account, as the bank reported it.
Lines come from imported files (one `StatementImport` per file) or through the API, and a
line is never stored twice: its `fingerprint` (account, dates, amount, references, the
bank's own id) is unique per bank account.  An incoming line is recognised (认款) when it
becomes one or more customer payments (`LineMatch`, one per customer, each with the
receivables `Payment` it made and, through it, the allocations (核销) to installments); or
it is excluded as not a customer payment and posted to an account.  Undoing a match keeps
its row (`undone_at`) and teaches the payer-account memory.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.banking.choices import ImportStatus, LineStatus, RuleAction, StatementFormat
from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet


class ImportProfile(models.Model):
    """How to read a bank's CSV or Excel export: which columns hold what.

    `columns` maps a field to the file's column header (or headers, joined in order):
    date, value_date, amount, debit, credit, currency, payer_name, payer_account,
    reference, balance, bank_id, direction.  Either `amount` (signed), or `debit` and
    `credit`, or an unsigned `amount` with a `direction` column.
    Built-in profiles (Chinese banks, WeChat Pay, Alipay) ship with the app and are
    read-only; a company copies one to change it.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    builtin = models.BooleanField(_("built in"), default=False)
    file_kind = models.CharField(
        _("file kind"),
        max_length=10,
        choices=[(StatementFormat.CSV, "CSV"), (StatementFormat.EXCEL, "Excel")],
        default=StatementFormat.CSV,
    )
    encoding = models.CharField(
        _("encoding"), max_length=20, blank=True, help_text=_("Empty: detect it.")
    )
    delimiter = models.CharField(
        _("delimiter"), max_length=1, blank=True, help_text=_("Empty: detect it.")
    )
    # The header row is the first whose cells include this text; lines above it are the
    # bank's preamble (account, period, who printed it) and are skipped.
    header_contains = models.CharField(_("header row contains"), max_length=100, blank=True)
    # Exports end with totals and disclaimers (合计, 以上数据仅供参考): the lines end at the
    # first row holding this text.
    footer_contains = models.CharField(
        _("lines end at a row containing"), max_length=100, blank=True
    )
    # Wallet exports (WeChat Pay, Alipay, BOCOM) give an unsigned amount and a direction
    # column; rows whose direction is neither in nor out (中性交易) move no money here.
    direction_in = models.CharField(
        _("direction values of money in"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated, e.g. 收入,贷"),
    )
    direction_out = models.CharField(
        _("direction values of money out"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated, e.g. 支出,借"),
    )
    columns = models.JSONField(_("columns"), default=dict)
    date_format = models.CharField(
        _("date format"), max_length=30, blank=True, help_text=_("Empty: detect it.")
    )
    decimal_comma = models.BooleanField(_("decimal comma"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BankAccount(models.Model):
    """A company bank account: its statements come in here, its money sits on a ledger
    account of the chart (a bank deposits account)."""

    name = models.CharField(_("name"), max_length=100)
    bank = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(
        _("account number"),
        max_length=60,
        unique=True,
        help_text=_("As on the statements; spaces and dashes are ignored when matching."),
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    ledger_account = models.ForeignKey(
        "ledger.Account",
        verbose_name=_("ledger account"),
        on_delete=models.PROTECT,
        related_name="bank_accounts",
    )
    profile = models.ForeignKey(
        ImportProfile,
        verbose_name=_("import profile"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bank_accounts",
        help_text=_("How this bank's CSV or Excel exports are read."),
    )
    open_from = models.DateField(
        _("open from"),
        null=True,
        blank=True,
        help_text=_("Lines dated before this day are refused."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_number[-4:]})"


class StatementImport(models.Model):
    """One file (or one API call) of statement lines: previewed, then imported whole."""

    bank_account = models.ForeignKey(
        BankAccount,
        verbose_name=_("bank account"),
        on_delete=models.PROTECT,
        related_name="imports",
    )
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    profile = models.ForeignKey(
        ImportProfile,
        verbose_name=_("import profile"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="statements/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("file checksum"), max_length=64, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    found = models.PositiveIntegerField(_("lines found"), default=0)
    imported = models.PositiveIntegerField(_("lines imported"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    # [{"line": 12, "code": "statement.bad_amount", "message": "..."}]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    opening_balance = money_field(_("opening balance"), null=True, blank=True)
    closing_balance = money_field(_("closing balance"), null=True, blank=True)
    # None: the file states no balances to check; else the lines' sum against them.
    balance_difference = money_field(_("balance difference"), null=True, blank=True)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    # The stored file is named by its checksum and name; its storage path says nothing more.
    audit_exclude = ("file",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement import")
        verbose_name_plural = _("statement imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name or f"#{self.pk}"


class StatementLine(models.Model):
    """Money that moved on a bank account: positive in, negative out."""

    bank_account = models.ForeignKey(
        BankAccount,
        verbose_name=_("bank account"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    statement_import = models.ForeignKey(
        StatementImport,
        verbose_name=_("statement import"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
    )
    sequence = models.PositiveIntegerField(_("line in file"), default=0)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True)
    payer_account = models.CharField(_("payer account"), max_length=60, blank=True)
    reference = models.TextField(_("reference"), blank=True)
    bank_ref = models.CharField(_("bank's reference"), max_length=100, blank=True)
    raw = models.JSONField(_("as in the file"), default=dict, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.UNMATCHED
    )
    # The engine's best proposal while a person decides (SUGGESTED), or what it applied.
    confidence = models.DecimalField(
        _("confidence"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    proposal = models.JSONField(_("proposal"), default=dict, blank=True)
    # EXCLUDED: the entry that posted it to an account (interest, transfers, refunds in).
    excluded_account = models.ForeignKey(
        "ledger.Account",
        verbose_name=_("posted to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry",
        verbose_name=_("journal entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["-booking_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "fingerprint"], name="statement_line_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "booking_date"], name="statement_line_queue"),
            models.Index(fields=["payer_account"], name="statement_line_payer"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency} {self.payer_name}".strip()


class MatchRule(models.Model):
    """An admin's rule for lines the engine alone would not settle, in priority order.

    `conditions`: {"amount_min", "amount_max", "text_contains", "regex", "bank_account_id",
    "currency", "payer_contains"}, all that are given must hold.  The action assigns a
    customer, proposes its invoices, writes off a difference up to `tolerance` to
    `account`, or excludes the line to `account`; `auto_apply` lets it apply without a
    person when the match is unambiguous.
    """

    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict)
    action = models.CharField(_("action"), max_length=20, choices=RuleAction.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    account = models.ForeignKey(
        "ledger.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    tolerance = money_field(_("tolerance"), default=0)
    auto_apply = models.BooleanField(_("apply without review"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("matching rule")
        verbose_name_plural = _("matching rules")
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class LineMatch(models.Model):
    """A statement line's part recognised as one customer's payment (认款).

    The payment it made carries the allocations (核销); undoing the match undoes them and
    reverses the payment, and keeps this row with `undone_at`.  `evidence` is the list of
    reasons the engine (or the person) had: [{"code": "invoice_number", "params": {...}}].
    """

    line = models.ForeignKey(
        StatementLine,
        verbose_name=_("statement line"),
        on_delete=models.PROTECT,
        related_name="matches",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="statement_matches",
    )
    payment = models.OneToOneField(
        "receivables.Payment",
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        related_name="statement_match",
    )
    amount = money_field(_("amount"))
    auto = models.BooleanField(_("applied by the engine"), default=False)
    rule = models.ForeignKey(
        MatchRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
    )
    confidence = models.DecimalField(
        _("confidence"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recognised by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recognised at"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.line_id} → {self.customer_id}"


class PayerAccount(models.Model):
    """The engine's memory: a payer's bank account seen paying for a customer.

    Confirmed matches count up; an undone one counts `rejected`, so a memory that was
    wrong stops being evidence.  `account_number` is normalised (digits and letters)."""

    account_number = models.CharField(_("payer account"), max_length=60)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="payer_accounts",
    )
    confirmed = models.PositiveIntegerField(_("times confirmed"), default=0)
    rejected = models.PositiveIntegerField(_("times undone"), default=0)
    last_seen = models.DateField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("payer account")
        verbose_name_plural = _("payer accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["account_number", "customer"], name="payer_account_once"
            ),
        ]

    def __str__(self) -> str:
        return self.account_number

"""Treasury tables: exchange rates, the fiscal year setting, budget categories, budget
lines per month and recurring planned items (decision 054).

The cash position itself is not stored: it is read from the ledger and the bank
statements as of any date.  Treasury data is company-wide, so permissions are per object
type (`require`), without a data scope.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cashloop.core.money import money_field
from cashloop.treasury.choices import Direction, ForecastStatus, Frequency


class ExchangeRate(models.Model):
    """Units of the base currency one unit of `currency` was worth on `date`."""

    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="treasury_rate_once"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="treasury_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date} {self.rate}"


class TreasurySettings(models.Model):
    """One row: the month the fiscal year starts in (1 = January, the calendar year), the
    cash the forecast watches for (decision 055): the minimum balance, in its currency, and
    the chance of going below it that raises an alert, and what the customer value ranking
    charges (decision 057)."""

    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"), default=1
    )
    minimum_balance = money_field(_("minimum balance"), default=0)
    minimum_currency = models.CharField(
        _("currency of the minimum"),
        max_length=3,
        blank=True,
        help_text=_("Empty: the base currency."),
    )
    shortfall_alert_percent = models.PositiveSmallIntegerField(
        _("alert when the chance of going below it reaches (%)"), default=20
    )
    # What the customer value ranking charges (decision 057): money tied up in receivables
    # at this yearly rate, each dunning message and each collector's contact at these costs
    # (base currency), and this gross margin on revenue whose product cost is not known.
    financing_rate_percent = models.DecimalField(
        _("financing rate (% a year)"), max_digits=5, decimal_places=2, default=Decimal("6.00")
    )
    reminder_cost = money_field(_("cost of a dunning message"), default=Decimal("5.00"))
    contact_cost = money_field(_("cost of a collector's contact"), default=Decimal("50.00"))
    assumed_margin_percent = models.DecimalField(
        _("gross margin where the cost is not known (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30.00"),
    )

    class Meta:
        verbose_name = _("treasury settings")
        verbose_name_plural = _("treasury settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="treasury_fiscal_start_month",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Treasury settings"))


class BudgetCategory(models.Model):
    """What money is planned for (payroll, rent ...); its actuals are the postings on
    `accounts` (decision 054)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    accounts = models.ManyToManyField(
        "ledger.Account",
        verbose_name=_("ledger accounts"),
        blank=True,
        related_name="+",
        help_text=_("The actual of a month is what was posted on these accounts in it."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # The forecast simulates customer receipts from the receivables, contracts and pipeline;
    # a budget of them as well would count them twice (decision 055).
    in_forecast = models.BooleanField(
        _("in the cash forecast"),
        default=True,
        help_text=_("Off for what the forecast already takes from receivables and pipeline."),
    )

    audit_m2m = ("accounts",)

    class Meta:
        verbose_name = _("budget category")
        verbose_name_plural = _("budget categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if lang.startswith("zh") else self.name_en


class BudgetLine(models.Model):
    """The amount planned for a category in a month, in the base currency."""

    category = models.ForeignKey(
        BudgetCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="lines"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount = money_field(_("amount"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["month", "category__position"]
        constraints = [
            models.UniqueConstraint(fields=["category", "month"], name="treasury_budget_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="treasury_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.month:%Y-%m} {self.amount}"


class PlannedItem(models.Model):
    """A known payment or receipt to come, once or recurring (rent every month, tax every
    quarter); it adds to the category's budget in each month it falls in."""

    category = models.ForeignKey(
        BudgetCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="planned_items",
    )
    description = models.CharField(_("description"), max_length=200)
    amount = money_field(_("amount"))
    first_date = models.DateField(_("first date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("planned item")
        verbose_name_plural = _("planned items")
        ordering = ["first_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="treasury_planned_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("first_date")),
                name="treasury_planned_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Scenario(models.Model):
    """A what-if of the forecast, saved to run again and compare (decision 056); its
    parameters are `scenarios.ScenarioParams`, checked by `scenarios.params_check`."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("forecast scenario")
        verbose_name_plural = _("forecast scenarios")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ForecastRun(models.Model):
    """A cash forecast as it was made, kept: the treasury page shows the latest, and the
    accuracy report holds each past one against what came in (decision 055).  Figures are
    in the base currency, per period, as JSON: estimates, rounded, not money that moves."""

    as_of = models.DateField(_("as of"))
    # A scenario's run keeps the base beside it, from the same data and seed.
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("scenario"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="runs",
    )
    parameters = models.JSONField(_("scenario as run"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ForecastStatus.choices, default=ForecastStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    paths = models.PositiveIntegerField(_("paths"))
    seed = models.PositiveIntegerField(_("seed"))
    currency = models.CharField(_("currency"), max_length=3)
    opening = money_field(_("opening balance"), default=0)
    minimum = money_field(_("minimum balance"), default=0)
    weeks = models.JSONField(_("weeks"), default=list, blank=True)
    months = models.JSONField(_("months"), default=list, blank=True)
    base_weeks = models.JSONField(_("base weeks"), default=list, blank=True)
    base_months = models.JSONField(_("base months"), default=list, blank=True)
    drivers = models.JSONField(_("drivers"), default=list, blank=True)
    model = models.JSONField(_("payment behaviour"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("cash forecast")
        verbose_name_plural = _("cash forecasts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "as_of"])]

    def __str__(self) -> str:
        return f"{self.as_of} #{self.pk}"

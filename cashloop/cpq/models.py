"""The catalog (products, families, bundles), price books, discount rules and quotes.

A quote's lines are priced from the catalog when they are added: the unit price comes
from a customer's contracted price if there is one, else from the best price book for
the quote's currency, the customer's group and the quote date (tiers by quantity), and
the discount from the discount rules.  The line keeps the list price, the discount and
which rule gave it, so a later price change never alters a quote already made.

Revising a quote makes a new row (version + 1) with the same `root`; the earlier
version becomes superseded and stays readable.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet
from cashloop.cpq.choices import ProductKind, QuoteStatus, Recognition
from cashloop.customers.models import code_validator


def quantity_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=4, **kwargs)


def percent_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


def tax_rate_field() -> models.DecimalField:
    return models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)


class ProductFamily(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent family"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("product family")
        verbose_name_plural = _("product families")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.PRODUCT
    )
    family = models.ForeignKey(
        ProductFamily,
        verbose_name=_("product family"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=20, default="", blank=True)
    tax_rate = tax_rate_field()
    # What one unit costs the company, in the base currency; null where it is not known.
    # Only the customer value ranking reads it, for gross margin (decision 057).
    standard_cost = money_field(_("standard cost"), null=True, blank=True)
    # Null: the chart's account with the revenue role.
    revenue_account = models.ForeignKey(
        "ledger.Account",
        verbose_name=_("revenue account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recognition = models.CharField(
        _("revenue recognition"),
        max_length=20,
        choices=Recognition.choices,
        default=Recognition.AT_INVOICING,
    )
    is_bundle = models.BooleanField(_("bundle"), default=False)
    # A bundle is priced as one line (components at zero) or as the sum of its components.
    components_priced = models.BooleanField(_("components priced separately"), default=False)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BundleComponent(models.Model):
    bundle = models.ForeignKey(
        Product, verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="components"
    )
    component = models.ForeignKey(
        Product, verbose_name=_("component"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    # Per one unit of the bundle.
    quantity = quantity_field(_("quantity"), default=1)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        ordering = ["bundle_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_once"),
            models.CheckConstraint(
                condition=~models.Q(bundle=models.F("component")), name="bundle_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bundle} / {self.component}"


class PriceBook(models.Model):
    """Prices in one currency, for one customer group (or all), over a validity period."""

    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    customer_group = models.ForeignKey(
        "customers.CustomerGroup",
        verbose_name=_("customer group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="price_books",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        ordering = ["currency", "name"]
        indexes = [models.Index(fields=["currency", "active"])]

    def __str__(self) -> str:
        return self.name


class PriceBookEntry(models.Model):
    """A product's price from `min_quantity` up: several rows make volume tiers."""

    price_book = models.ForeignKey(
        PriceBook, verbose_name=_("price book"), on_delete=models.CASCADE, related_name="entries"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="prices"
    )
    min_quantity = quantity_field(_("from quantity"), default=1)
    unit_price = money_field(_("unit price"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["price_book_id", "product_id", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_book", "product", "min_quantity"], name="price_tier_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.unit_price}"


class CustomerPrice(models.Model):
    """A price agreed with one customer: it overrides every price book."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="contracted_prices",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3)
    unit_price = money_field(_("unit price"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("contracted price")
        verbose_name_plural = _("contracted prices")
        ordering = ["customer_id", "product_id", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.customer} / {self.product}"


class DiscountRule(models.Model):
    """When a discount applies, how much it gives, and how far a rep may go without approval.

    Empty conditions match everything.  When several rules match a line, the one with
    the lowest `priority` number wins (then the most specific, then the lowest id): the
    line records which rule it took, so the choice is never silent.
    """

    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    family = models.ForeignKey(
        ProductFamily,
        verbose_name=_("product family"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer_group = models.ForeignKey(
        "customers.CustomerGroup",
        verbose_name=_("customer group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    min_quantity = quantity_field(_("from quantity"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Given automatically when the rule matches.
    percent = percent_field(_("discount %"), default=0)
    # Beyond this a quote's line needs approval.
    max_percent = percent_field(_("maximum discount %"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("discount rule")
        verbose_name_plural = _("discount rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=models.F("max_percent")),
                name="discount_rule_percent_within_max",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Quote(models.Model):
    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    # All versions of one quote share the root (the first version is its own root).
    root = models.ForeignKey(
        "self",
        verbose_name=_("first version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    quote_date = models.DateField(_("quote date"))
    valid_until = models.DateField(_("valid until"))
    terms = models.TextField(_("terms"), blank=True)
    # Proposed payment plan, copied to the contract on acceptance: a list of
    # {"label", "percent" | "amount", "due_rule", "due_days", "fixed_date",
    #  "milestone", "discount_percent", "discount_days"} (see contracts.PlanItem).
    payment_plan = models.JSONField(_("proposed payment plan"), default=list, blank=True)
    subtotal = money_field(_("net amount"), default=0)
    discount_total = money_field(_("discount"), default=0)
    tax_total = money_field(_("tax"), default=0)
    total = money_field(_("total"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_request = models.ForeignKey(
        "approvals.ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Who the quote was sent to, and when the email actually left (the task sets it once).
    emailed_to = models.CharField(_("sent to"), max_length=500, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "owner"
    scope_team_field = "team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-quote_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["root", "version"], name="quote_version_once"),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(lead__isnull=False),
                name="quote_for_customer_or_lead",
            ),
        ]
        indexes = [models.Index(fields=["status", "valid_until"])]

    def __str__(self) -> str:
        label = self.number or f"#{self.pk}"
        return f"{label} v{self.version}"


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    # A bundle's components are lines under the bundle's line.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="components"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT
    )
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = quantity_field(_("quantity"))
    # An optional component the customer may leave out; excluded lines count for nothing.
    optional = models.BooleanField(_("optional"), default=False)
    included = models.BooleanField(_("included"), default=True)
    list_price = money_field(_("list price"), default=0)
    unit_price = money_field(_("unit price"))
    discount_percent = percent_field(_("discount %"), default=0)
    discount_rule = models.ForeignKey(
        DiscountRule,
        verbose_name=_("discount rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tax_rate = tax_rate_field()
    net = money_field(_("net amount"), default=0)
    tax = money_field(_("tax"), default=0)
    total = money_field(_("total"), default=0)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote_id", "position"]

    def __str__(self) -> str:
        return self.description

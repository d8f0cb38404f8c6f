"""Customers (company assets, not the rep's) and their contacts."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashloop.core.scoping import ScopedQuerySet
from cashloop.customers.choices import CustomerStatus, InteractionKind, PoolEventKind
from cashloop.customers.matching import TOKEN_MAX_LENGTH, name_key

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, '.', '_' or '-', starting with a letter or digit."),
)


TAG_MAX_LENGTH = 50


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerGroup(models.Model):
    """A segment of customers (key accounts, distributors, SMEs ...).

    Price books, discount rules and (later) dunning policies and credit limits apply per
    group, so a price change for distributors is one edit, not one per customer.
    """

    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200, db_index=True)
    # The name without legal suffix, punctuation, width, case or spaces (matching.name_key);
    # kept by the services so duplicates are found by index, not by reading every name.
    name_key = models.CharField(_("name key"), max_length=200, blank=True, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    # What bank statements call the customer: abbreviations, English or traditional names.
    aliases = models.TextField(
        _("other names"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Other names the customer pays under, one per line: abbreviations, English or"
            " traditional-character names. Payments are recognised by them too."
        ),
    )
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True, db_index=True)
    # Where invoices go: e-invoices (UBL) need the buyer's address and country.
    address = models.TextField(_("address"), max_length=500, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="CN", help_text=_("ISO 3166 code, such as CN or DE.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    group = models.ForeignKey(
        CustomerGroup,
        verbose_name=_("customer group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_interaction_at = models.DateTimeField(
        _("last interaction"), null=True, blank=True, editable=False
    )
    # When the current owner got the customer (claim, hand-over, assignment): the pool's
    # clocks start here, so a customer just claimed is not swept back the next night.
    owner_since = models.DateTimeField(_("owner since"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        editable=False,
    )

    # Values of the custom fields an admin defined (see cashloop.customfields).
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "owner"
    scope_team_field = "team"
    scope_customer_field = "pk"  # record shares (decision 034)
    # Claiming from the public pool: rows without an owner are within everyone's scope.
    scope_unowned_actions = ("claim",)
    audit_m2m = ("tags",)
    audit_exclude = ("name_key", "last_interaction_at", "owner_since")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["owner", "code"]),
            models.Index(fields=["team", "code"]),
            models.Index(fields=["name_key"]),
            models.Index(Upper("tax_id"), name="customer_tax_id_upper"),
            models.Index(
                fields=["code"], condition=models.Q(owner=None), name="customer_pool_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def name_keys(self) -> set[str]:
        """The name keys of every name the customer goes by (what the token index holds)."""
        names = (self.name, self.legal_name, *self.alias_list)
        return {key for key in map(name_key, names) if key}


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    # Digits of the phone without +86 or the trunk 0 (matching.phone_key), for duplicates.
    phone_key = models.CharField(
        _("phone key"), max_length=40, blank=True, db_index=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Values of the custom fields an admin defined (see cashloop.customfields).
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"
    audit_exclude = ("phone_key",)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]
        indexes = [models.Index(Lower("email"), name="contact_email_lower")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_subject(self) -> Customer:
        return self.customer


class CustomerNameToken(models.Model):
    """One short piece of a customer's name key: the index fuzzy duplicate search starts from."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=TOKEN_MAX_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "customer"], name="customer_name_token_unique")
        ]

    def __str__(self) -> str:
        return self.token


class Interaction(models.Model):
    """A call, visit, email, meeting or note with a customer (跟进记录), and its next step.

    Open next steps (a step, not done) of the customers one owns form one's to-do list.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts"), blank=True, related_name="interactions"
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("colleagues"), blank=True, related_name="+"
    )
    summary = models.TextField(_("summary"), max_length=5000)
    next_step = models.TextField(_("next step"), max_length=1000, blank=True)
    next_step_date = models.DateField(_("next step due"), null=True, blank=True)
    next_step_done = models.BooleanField(_("next step done"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"
    audit_m2m = ("contacts", "users")

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_timeline"),
            models.Index(
                fields=["next_step_date"],
                condition=models.Q(next_step_done=False) & ~models.Q(next_step=""),
                name="interaction_open_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d}"

    @property
    def audit_subject(self) -> Customer:
        return self.customer

    @property
    def has_open_step(self) -> bool:
        return bool(self.next_step) and not self.next_step_done


class PoolSettings(models.Model):
    """The public pool's rules (公海规则), one row an admin edits (decision 025).

    A limit left empty switches that rule off.
    """

    enabled = models.BooleanField(_("pool rules on"), default=False)
    days_without_interaction = models.PositiveSmallIntegerField(
        _("return after days without interaction"), null=True, blank=True
    )
    days_without_deal = models.PositiveSmallIntegerField(
        _("return after days without a deal"), null=True, blank=True
    )
    claim_limit = models.PositiveIntegerField(
        _("most customers a rep may own when claiming"), null=True, blank=True
    )
    reclaim_cooldown_days = models.PositiveSmallIntegerField(
        _("days before a rep may reclaim a customer they lost"), default=0
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("pool settings")
        verbose_name_plural = _("pool settings")

    def __str__(self) -> str:
        return str(_("Public pool rules"))

    @classmethod
    def current(cls) -> PoolSettings:
        return cls.objects.get_or_create(pk=1)[0]


class PoolEvent(models.Model):
    """A customer entering or leaving the pool: the reclaim cooldown reads these."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="pool_events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PoolEventKind.choices)
    # The rep concerned: the one who lost the customer (returned, released) or got it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "user", "-at"], name="pool_event_cooldown")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_kind_display()}"

    @property
    def audit_subject(self) -> Customer:
        return self.customer


class HandOver(models.Model):
    """Customers moved from one person to another in one action (客户移交), and why."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    customers = models.ManyToManyField(
        Customer, verbose_name=_("customers"), related_name="hand_overs"
    )
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    # What else moved, by hand-over hook name ("opportunities", "next_steps", ...).
    counts = models.JSONField(_("also moved"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "actor"
    scope_team_field = "to_user__team"

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"


class CustomerMerge(models.Model):
    """One customer folded into another (decision 026): what moved and the ledger entry."""

    survivor = models.ForeignKey(
        Customer, verbose_name=_("kept"), on_delete=models.PROTECT, related_name="+"
    )
    duplicate = models.OneToOneField(
        Customer, verbose_name=_("merged"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500)
    counts = models.JSONField(_("moved"), default=dict, blank=True)
    journal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.duplicate} → {self.survivor}"

    @property
    def audit_subject(self) -> Customer:
        return self.survivor

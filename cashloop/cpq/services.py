"""Writes of CPQ: the catalog, price books, discount rules, customer groups and quotes.

Quote lines are priced by `cashloop.cpq.pricing` in bulk when they are set, and the line
keeps its list price, discount and rule, so a later change of the catalog never alters a
quote already made.  Only draft quotes change; a quote past draft is revised into a new
version.  A discount above its rule's maximum goes through an approval flow
(document type "cpq.quote"); accepting a quote makes the draft contract from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, quantize, to_decimal
from cashloop.core.scoping import get_scoped, may, require
from cashloop.core.sequences import sequence_next
from cashloop.cpq.choices import QuoteStatus
from cashloop.cpq.errors import CatalogError, QuoteError
from cashloop.cpq.models import (
    BundleComponent,
    CustomerPrice,
    DiscountRule,
    PriceBook,
    PriceBookEntry,
    Product,
    ProductFamily,
    Quote,
    QuoteLine,
)
from cashloop.cpq.pricing import Pricing, pricing_load
from cashloop.credit.services import credit_check_sale
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Contact, Customer, CustomerGroup
from cashloop.identity.models import User
from cashloop.ledger.models import Account
from cashloop.receivables.services import TAX_RATES

if TYPE_CHECKING:
    from cashloop.approvals.models import ApprovalRequest

QUOTE_SERIES = "QUO"
QUOTE_TYPE = "cpq.quote"
DEFAULT_VALIDITY_DAYS = 30
# Statuses a quote may be revised from: a decision is pending or final otherwise.
REVISABLE = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.EXPIRED)
QUANTITY_STEP = Decimal("0.0001")
PERCENT_STEP = Decimal("0.01")


# --- shared helpers ----------------------------------------------------------------------


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name in changes:
        if name not in allowed:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=name, details={"field": name})


def _save_coded(instance: models.Model, *, exclude: Sequence[str] = ()) -> None:
    """Validate and save a row with a unique code; a taken code answers 409."""
    full_clean_or_raise(instance, exclude=exclude)
    code = getattr(instance, "code", "")
    model = type(instance)
    if model._default_manager.filter(code__iexact=code).exclude(pk=instance.pk).exists():
        raise DomainError(CatalogError.CODE_TAKEN, code=code, details={"field": "code"})
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent insert took the code first
        raise DomainError(CatalogError.CODE_TAKEN, code=code) from exc


def _locked(model: type[Any], pk: int, not_found: CatalogError) -> Any:
    row = model._default_manager.select_for_update().filter(pk=pk).first()
    if row is None:
        raise DomainError(not_found)
    return row


def _period_check(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise DomainError(CatalogError.PERIOD, details={"valid_until": ["before valid_from"]})


def _tax_rate(rate: Decimal | str | int) -> Decimal:
    value = to_decimal(rate)
    if value not in TAX_RATES:
        raise DomainError(CatalogError.TAX_RATE, rate=value)
    return value


def _price(value: Decimal | str | int, currency: str, n: int) -> Decimal:
    """A catalog price: not negative, and in the currency's minor unit, as invoices take it."""
    price = to_decimal(value)
    if price < 0 or price != quantize(price, currency):
        raise DomainError(
            CatalogError.BAD_TIER, n=n, reason=f"{price} is not a price in {currency}"
        )
    return price


def _audited_update(
    *, actor: User, instance: models.Model, changes: Mapping[str, Any], save: Any
) -> None:
    before = audit_snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    save(instance)
    audit_record(actor=actor, instance=instance, action=AuditAction.UPDATE, before=before)


# --- customer groups ---------------------------------------------------------------------

GROUP_FIELDS = frozenset({"code", "name"})


@transaction.atomic
def customer_group_create(*, actor: User, code: str, name: str) -> CustomerGroup:
    require(actor, "add", CustomerGroup)
    group = CustomerGroup(code=code, name=name)
    _save_coded(group)
    audit_record(actor=actor, instance=group, action=AuditAction.CREATE)
    return group


@transaction.atomic
def customer_group_update(
    *, actor: User, group_id: int, changes: Mapping[str, Any]
) -> CustomerGroup:
    require(actor, "change", CustomerGroup)
    _check_fields(changes, GROUP_FIELDS)
    group = _locked(CustomerGroup, group_id, CatalogError.GROUP_NOT_FOUND)
    _audited_update(actor=actor, instance=group, changes=changes, save=_save_coded)
    return group


# --- product families and products -------------------------------------------------------

FAMILY_FIELDS = frozenset({"code", "name", "name_en", "parent_id"})


def _family_parent_check(family: ProductFamily) -> None:
    """Refuse a parent that is the family itself or lies below it."""
    seen: set[int] = set()
    parent_id = family.parent_id
    parents = dict(ProductFamily.objects.values_list("pk", "parent_id"))
    if parent_id is not None and parent_id not in parents:
        raise DomainError(CatalogError.FAMILY_NOT_FOUND, details={"parent_id": parent_id})
    while parent_id is not None:
        if parent_id == family.pk or parent_id in seen:
            raise DomainError(CatalogError.FAMILY_CYCLE)
        seen.add(parent_id)
        parent_id = parents.get(parent_id)


@transaction.atomic
def product_family_create(
    *, actor: User, code: str, name: str, name_en: str = "", parent_id: int | None = None
) -> ProductFamily:
    require(actor, "add", Product)
    family = ProductFamily(code=code, name=name, name_en=name_en, parent_id=parent_id)
    _family_parent_check(family)
    _save_coded(family, exclude=["parent"])
    audit_record(actor=actor, instance=family, action=AuditAction.CREATE)
    return family


@transaction.atomic
def product_family_update(
    *, actor: User, family_id: int, changes: Mapping[str, Any]
) -> ProductFamily:
    require(actor, "change", Product)
    _check_fields(changes, FAMILY_FIELDS)
    family = _locked(ProductFamily, family_id, CatalogError.FAMILY_NOT_FOUND)
    before = audit_snapshot(family)
    for name, value in changes.items():
        setattr(family, name, value)
    _family_parent_check(family)
    _save_coded(family, exclude=["parent"])
    audit_record(actor=actor, instance=family, action=AuditAction.UPDATE, before=before)
    return family


@dataclass(frozen=True)
class ComponentIn:
    product_id: int
    quantity: Decimal = Decimal(1)
    required: bool = True


PRODUCT_FIELDS = frozenset(
    {
        "code",
        "name",
        "name_en",
        "kind",
        "family_id",
        "unit",
        "tax_rate",
        "standard_cost",
        "revenue_account_id",
        "recognition",
        "is_bundle",
        "components_priced",
        "description",
        "active",
        "components",
    }
)


def _components_set(product: Product, components: Sequence[ComponentIn]) -> None:
    """Replace a bundle's components: real, active, not bundles themselves, each once."""
    if components and not product.is_bundle:
        raise DomainError(CatalogError.BUNDLE_COMPONENT, n=1, reason="only a bundle has components")
    ids = [c.product_id for c in components]
    found = {p.pk: p for p in Product.objects.filter(pk__in=ids).only("pk", "is_bundle", "active")}
    rows = []
    for n, spec in enumerate(components, 1):
        part = found.get(spec.product_id)
        quantity = to_decimal(spec.quantity)
        if part is None or part.pk == product.pk:
            reason = "no such product" if part is None else "a bundle cannot contain itself"
            raise DomainError(CatalogError.BUNDLE_COMPONENT, n=n, reason=reason)
        if part.is_bundle:
            raise DomainError(CatalogError.BUNDLE_COMPONENT, n=n, reason="bundles do not nest")
        if ids.count(spec.product_id) > 1:
            raise DomainError(CatalogError.BUNDLE_COMPONENT, n=n, reason="listed twice")
        if quantity <= 0 or quantity != quantity.quantize(QUANTITY_STEP):
            raise DomainError(CatalogError.BUNDLE_COMPONENT, n=n, reason="bad quantity")
        rows.append(
            BundleComponent(
                bundle=product,
                component_id=part.pk,
                position=n,
                quantity=quantity,
                required=spec.required,
            )
        )
    BundleComponent.objects.filter(bundle=product).delete()
    BundleComponent.objects.bulk_create(rows)


def _product_save(product: Product) -> None:
    product.tax_rate = _tax_rate(product.tax_rate)
    if product.standard_cost is not None:
        cost = to_decimal(product.standard_cost)
        if cost < 0:
            raise DomainError(CatalogError.COST_NEGATIVE, details={"field": "standard_cost"})
        product.standard_cost = quantize(cost, base_currency())
    if (
        product.family_id is not None
        and not ProductFamily.objects.filter(pk=product.family_id).exists()
    ):
        raise DomainError(CatalogError.FAMILY_NOT_FOUND, details={"family_id": product.family_id})
    if (
        product.revenue_account_id is not None
        and not Account.objects.filter(pk=product.revenue_account_id).exists()
    ):
        raise DomainError(
            CatalogError.REVENUE_ACCOUNT_NOT_FOUND, details={"field": "revenue_account_id"}
        )
    _save_coded(product, exclude=["family", "revenue_account"])


@transaction.atomic
def product_create(
    *,
    actor: User,
    code: str,
    name: str,
    tax_rate: Decimal,
    name_en: str = "",
    kind: str = "product",
    family_id: int | None = None,
    unit: str = "",
    standard_cost: Decimal | None = None,
    revenue_account_id: int | None = None,
    recognition: str = "at_invoicing",
    is_bundle: bool = False,
    components_priced: bool = False,
    description: str = "",
    active: bool = True,
    components: Sequence[ComponentIn] = (),
) -> Product:
    require(actor, "add", Product)
    product = Product(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        family_id=family_id,
        unit=unit,
        tax_rate=tax_rate,
        standard_cost=standard_cost,
        revenue_account_id=revenue_account_id,
        recognition=recognition,
        is_bundle=is_bundle,
        components_priced=components_priced,
        description=description,
        active=active,
    )
    _product_save(product)
    _components_set(product, components)
    audit_record(actor=actor, instance=product, action=AuditAction.CREATE)
    return product


@transaction.atomic
def product_update(*, actor: User, product_id: int, changes: Mapping[str, Any]) -> Product:
    require(actor, "change", Product)
    _check_fields(changes, PRODUCT_FIELDS)
    product = _locked(Product, product_id, CatalogError.PRODUCT_NOT_FOUND)
    fields = {k: v for k, v in changes.items() if k != "components"}
    _audited_update(actor=actor, instance=product, changes=fields, save=_product_save)
    if "components" in changes:
        _components_set(product, changes["components"] or ())
    elif not product.is_bundle:
        BundleComponent.objects.filter(bundle=product).delete()
    return product


# --- price books, contracted prices, discount rules --------------------------------------


@dataclass(frozen=True)
class PriceIn:
    product_id: int
    unit_price: Decimal
    min_quantity: Decimal = Decimal(1)


PRICE_BOOK_FIELDS = frozenset(
    {"name", "currency", "customer_group_id", "valid_from", "valid_until", "active", "entries"}
)


def _entries_set(book: PriceBook, entries: Sequence[PriceIn]) -> None:
    """Replace a book's prices (tiers by `min_quantity`)."""
    ids = {e.product_id for e in entries}
    known = set(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
    seen: set[tuple[int, Decimal]] = set()
    rows = []
    for n, spec in enumerate(entries, 1):
        quantity = to_decimal(spec.min_quantity)
        if spec.product_id not in known:
            raise DomainError(CatalogError.BAD_TIER, n=n, reason="no such product")
        if quantity <= 0 or quantity != quantity.quantize(QUANTITY_STEP):
            raise DomainError(CatalogError.BAD_TIER, n=n, reason="bad quantity")
        if (spec.product_id, quantity) in seen:
            raise DomainError(CatalogError.BAD_TIER, n=n, reason="this tier is listed twice")
        seen.add((spec.product_id, quantity))
        rows.append(
            PriceBookEntry(
                price_book=book,
                product_id=spec.product_id,
                min_quantity=quantity,
                unit_price=_price(spec.unit_price, book.currency, n),
            )
        )
    PriceBookEntry.objects.filter(price_book=book).delete()
    PriceBookEntry.objects.bulk_create(rows)


def _book_save(book: PriceBook) -> None:
    book.currency = currency_check(book.currency)
    _period_check(book.valid_from, book.valid_until)
    if (
        book.customer_group_id is not None
        and not CustomerGroup.objects.filter(pk=book.customer_group_id).exists()
    ):
        raise DomainError(CatalogError.GROUP_NOT_FOUND)
    full_clean_or_raise(book, exclude=["customer_group"])
    book.save()


@transaction.atomic
def price_book_create(
    *,
    actor: User,
    name: str,
    currency: str,
    valid_from: date,
    valid_until: date | None = None,
    customer_group_id: int | None = None,
    active: bool = True,
    entries: Sequence[PriceIn] = (),
) -> PriceBook:
    require(actor, "add", PriceBook)
    book = PriceBook(
        name=name,
        currency=currency,
        valid_from=valid_from,
        valid_until=valid_until,
        customer_group_id=customer_group_id,
        active=active,
    )
    _book_save(book)
    _entries_set(book, entries)
    audit_record(actor=actor, instance=book, action=AuditAction.CREATE)
    return book


@transaction.atomic
def price_book_update(*, actor: User, book_id: int, changes: Mapping[str, Any]) -> PriceBook:
    require(actor, "change", PriceBook)
    _check_fields(changes, PRICE_BOOK_FIELDS)
    book = _locked(PriceBook, book_id, CatalogError.PRICE_BOOK_NOT_FOUND)
    currency_before = book.currency
    fields = {k: v for k, v in changes.items() if k != "entries"}
    _audited_update(actor=actor, instance=book, changes=fields, save=_book_save)
    if "entries" in changes:
        _entries_set(book, changes["entries"] or ())
    elif book.currency != currency_before:
        # The prices were typed in the old currency; check them against the new one.
        current = book.entries.all()
        for n, entry in enumerate(current, 1):
            _price(entry.unit_price, book.currency, n)
    return book


@transaction.atomic
def customer_price_create(
    *,
    actor: User,
    customer_id: int,
    product_id: int,
    currency: str,
    unit_price: Decimal,
    valid_from: date,
    valid_until: date | None = None,
) -> CustomerPrice:
    """Agree a price with a customer the actor may change: it overrides every price book."""
    require(actor, "add", CustomerPrice)
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="change",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    if not Product.objects.filter(pk=product_id).exists():
        raise DomainError(CatalogError.PRODUCT_NOT_FOUND)
    code = currency_check(currency)
    _period_check(valid_from, valid_until)
    price = CustomerPrice(
        customer=customer,
        product_id=product_id,
        currency=code,
        unit_price=_price(unit_price, code, 1),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    price.save()
    audit_record(actor=actor, instance=price, action=AuditAction.CREATE)
    return price


CUSTOMER_PRICE_FIELDS = frozenset({"unit_price", "valid_from", "valid_until"})


@transaction.atomic
def customer_price_update(
    *, actor: User, price_id: int, changes: Mapping[str, Any]
) -> CustomerPrice:
    """Change an agreed price or its validity (to end it, give it an end date).  The
    customer, product and currency are what the price is; another is a new price."""
    _check_fields(changes, CUSTOMER_PRICE_FIELDS)
    price = get_scoped(
        CustomerPrice.objects.all(),
        user=actor,
        action="change",
        pk=price_id,
        lock=True,
        not_found=CatalogError.CUSTOMER_PRICE_NOT_FOUND,
    )
    fields = dict(changes)
    if "unit_price" in fields:
        fields["unit_price"] = _price(fields["unit_price"], price.currency, 1)
    _period_check(
        fields.get("valid_from", price.valid_from), fields.get("valid_until", price.valid_until)
    )
    _audited_update(actor=actor, instance=price, changes=fields, save=_checked_save)
    return price


def _checked_save(row: models.Model) -> None:
    full_clean_or_raise(row)
    row.save()


@transaction.atomic
def customer_price_delete(*, actor: User, price_id: int) -> None:
    price = get_scoped(
        CustomerPrice.objects.all(),
        user=actor,
        action="delete",
        pk=price_id,
        lock=True,
        not_found=CatalogError.CUSTOMER_PRICE_NOT_FOUND,
    )
    before = audit_snapshot(price)
    audit_record(actor=actor, instance=price, action=AuditAction.DELETE, before=before)
    price.delete()


RULE_FIELDS = frozenset(
    {
        "name",
        "priority",
        "family_id",
        "customer_group_id",
        "min_quantity",
        "valid_from",
        "valid_until",
        "percent",
        "max_percent",
        "active",
    }
)


def _rule_save(rule: DiscountRule) -> None:
    rule.percent, rule.max_percent = to_decimal(rule.percent), to_decimal(rule.max_percent)
    if not 0 <= rule.percent <= rule.max_percent < 100:
        raise DomainError(CatalogError.DISCOUNT_LIMITS)
    _period_check(rule.valid_from, rule.valid_until)
    if rule.family_id is not None and not ProductFamily.objects.filter(pk=rule.family_id).exists():
        raise DomainError(CatalogError.FAMILY_NOT_FOUND)
    if (
        rule.customer_group_id is not None
        and not CustomerGroup.objects.filter(pk=rule.customer_group_id).exists()
    ):
        raise DomainError(CatalogError.GROUP_NOT_FOUND)
    full_clean_or_raise(rule, exclude=["family", "customer_group"])
    rule.save()


@transaction.atomic
def discount_rule_create(
    *,
    actor: User,
    name: str,
    max_percent: Decimal,
    percent: Decimal = Decimal(0),
    priority: int = 100,
    family_id: int | None = None,
    customer_group_id: int | None = None,
    min_quantity: Decimal | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    active: bool = True,
) -> DiscountRule:
    require(actor, "add", DiscountRule)
    rule = DiscountRule(
        name=name,
        priority=priority,
        family_id=family_id,
        customer_group_id=customer_group_id,
        min_quantity=min_quantity,
        valid_from=valid_from,
        valid_until=valid_until,
        percent=percent,
        max_percent=max_percent,
        active=active,
    )
    _rule_save(rule)
    audit_record(actor=actor, instance=rule, action=AuditAction.CREATE)
    return rule


@transaction.atomic
def discount_rule_update(*, actor: User, rule_id: int, changes: Mapping[str, Any]) -> DiscountRule:
    require(actor, "change", DiscountRule)
    _check_fields(changes, RULE_FIELDS)
    rule = _locked(DiscountRule, rule_id, CatalogError.DISCOUNT_RULE_NOT_FOUND)
    _audited_update(actor=actor, instance=rule, changes=changes, save=_rule_save)
    return rule


# --- quotes: creation and the proposed payment plan --------------------------------------

PLAN_KEYS = frozenset(
    {
        "label",
        "percent",
        "amount",
        "due_rule",
        "due_days",
        "fixed_date",
        "milestone",
        "discount_percent",
        "discount_days",
    }
)


def _plan_decimal(item: Mapping[str, Any], key: str, n: int) -> Decimal | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, float):
        raise DomainError(QuoteError.PLAN_INVALID, n=n, reason=f"{key} must be a decimal string")
    try:
        return to_decimal(value)
    except (ValueError, TypeError, InvalidOperation):
        raise DomainError(QuoteError.PLAN_INVALID, n=n, reason=f"{key} is not a number") from None


def payment_plan_clean(plan: Any) -> list[dict[str, Any]]:
    """Check a proposed payment plan's shape; return it in a canonical JSON form.

    Each item has a label, exactly one of `percent` (of the total) or `amount`, a due rule
    of `contracts.choices.PlanDueRule` with its days (a fixed date for FIXED_DATE; the
    name of a milestone for ON_MILESTONE), and optionally an early-payment discount.
    """
    from cashloop.contracts.choices import PlanDueRule

    if not isinstance(plan, list | tuple):
        raise DomainError(QuoteError.PLAN_INVALID, n=0, reason="a list of installments")
    clean = []
    for n, item in enumerate(plan, 1):
        if not isinstance(item, Mapping) or set(item) - PLAN_KEYS:
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="unknown keys")
        label = str(item.get("label") or "").strip()
        percent, amount = _plan_decimal(item, "percent", n), _plan_decimal(item, "amount", n)
        if not label:
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="label is required")
        if (percent is None) == (amount is None):
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="give a percent or an amount")
        if (percent is not None and not 0 < percent <= 100) or (amount is not None and amount <= 0):
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="the share must be positive")
        rule = item.get("due_rule")
        if rule not in PlanDueRule.values:
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="unknown due rule")
        days = item.get("due_days", 0)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="due_days: 0 to 3650")
        fixed = item.get("fixed_date")
        if rule == PlanDueRule.FIXED_DATE:
            try:
                fixed = date.fromisoformat(str(fixed)).isoformat()
            except ValueError:
                raise DomainError(
                    QuoteError.PLAN_INVALID, n=n, reason="fixed_date is required (YYYY-MM-DD)"
                ) from None
        milestone = str(item.get("milestone") or "").strip()
        if rule == PlanDueRule.ON_MILESTONE and not milestone:
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="name the milestone")
        discount = _plan_decimal(item, "discount_percent", n) or Decimal(0)
        discount_days = item.get("discount_days", 0)
        if not 0 <= discount < 100 or not isinstance(discount_days, int) or discount_days < 0:
            raise DomainError(QuoteError.PLAN_INVALID, n=n, reason="early-payment discount")
        clean.append(
            {
                "label": label[:100],
                "percent": str(percent) if percent is not None else None,
                "amount": str(amount) if amount is not None else None,
                "due_rule": rule,
                "due_days": days,
                "fixed_date": fixed if rule == PlanDueRule.FIXED_DATE else None,
                "milestone": milestone,
                "discount_percent": str(discount),
                "discount_days": discount_days,
            }
        )
    return clean


def payment_plan_planned(plan: Sequence[Mapping[str, Any]], total: Decimal) -> Decimal:
    """What a clean plan covers of `total`: its amounts plus its percents of the total."""
    amounts = sum((to_decimal(i["amount"]) for i in plan if i["amount"]), Decimal(0))
    percents = sum((to_decimal(i["percent"]) for i in plan if i["percent"]), Decimal(0))
    return amounts + percents * total / 100


def _plan_sum_check(quote: Quote) -> None:
    """The proposal must cover the total exactly: amounts plus percents of the total."""
    if not quote.payment_plan:
        return
    planned = payment_plan_planned(quote.payment_plan, quote.total)
    if planned != quote.total:
        raise DomainError(
            QuoteError.PLAN_SUM,
            plan=quantize(planned, quote.currency),
            total=quantize(quote.total, quote.currency),
        )


def _party(actor: User, customer_id: int | None, lead_id: int | None) -> tuple[Any, Any]:
    from cashloop.sales.errors import SalesError
    from cashloop.sales.models import Lead

    if (customer_id is None) == (lead_id is None):
        raise DomainError(QuoteError.CUSTOMER_OR_LEAD)
    if customer_id is not None:
        customer = get_scoped(
            Customer.objects.all(),
            user=actor,
            action="view",
            pk=customer_id,
            not_found=CustomerError.NOT_FOUND,
        )
        return customer, None
    lead = get_scoped(
        Lead.objects.all(),
        user=actor,
        action="view",
        pk=lead_id,
        not_found=SalesError.LEAD_NOT_FOUND,
    )
    return None, lead


@transaction.atomic
def quote_create(
    *,
    actor: User,
    customer_id: int | None = None,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    currency: str | None = None,
    quote_date: date | None = None,
    valid_until: date | None = None,
    terms: str = "",
    payment_plan: Sequence[Mapping[str, Any]] = (),
    language: str = "zh-hans",
) -> Quote:
    """Start a draft quote for a customer (or a lead) the actor may see, owned by the actor.

    The currency defaults to the customer's (the base currency for a lead), the validity
    to 30 days from the quote date.
    """
    require(actor, "add", Quote)
    customer, lead = _party(actor, customer_id, lead_id)
    on = quote_date or timezone.localdate()
    until = valid_until or on + timedelta(days=DEFAULT_VALIDITY_DAYS)
    if until < on:
        raise DomainError(QuoteError.DATES, details={"valid_until": [until.isoformat()]})
    if language not in ("zh-hans", "en"):
        raise DomainError(CoreError.VALIDATION, details={"language": ["zh-hans or en"]})
    if not payment_plan and customer is not None:
        from cashloop.credit.selectors import terms_for

        # The customer's score band may ask for prepayment or shorter terms (decision 048).
        band_terms = terms_for(customer)
        payment_plan = band_terms.quote_plan() if band_terms is not None else ()
    quote = Quote(
        customer=customer,
        lead=lead,
        opportunity_id=opportunity_id,
        currency=currency_check(currency or (customer.currency if customer else base_currency())),
        language=language,
        quote_date=on,
        valid_until=until,
        terms=terms,
        payment_plan=payment_plan_clean(list(payment_plan)),
        owner=actor,
        team=actor.team,
        created_by=actor,
    )
    if opportunity_id is not None:
        from cashloop.sales.models import Opportunity

        if not Opportunity.objects.restrict(actor, "view").filter(pk=opportunity_id).exists():
            raise DomainError(CoreError.NOT_FOUND, details={"opportunity_id": opportunity_id})
    quote.save()
    quote.root = quote
    quote.save(update_fields=["root"])
    audit_record(actor=actor, instance=quote, action=AuditAction.CREATE)
    return quote


QUOTE_FIELDS = frozenset({"valid_until", "terms", "payment_plan", "language"})


def _quote_locked(actor: User, quote_id: int, action: str = "change") -> Quote:
    # No select_related: PostgreSQL locks no row on the nullable side of an outer join.
    return get_scoped(
        Quote.objects.all(),
        user=actor,
        action=action,
        pk=quote_id,
        lock=True,
        not_found=QuoteError.NOT_FOUND,
    )


def _draft(quote: Quote) -> None:
    if quote.status != QuoteStatus.DRAFT:
        raise DomainError(QuoteError.NOT_DRAFT, status=quote.get_status_display())


@transaction.atomic
def quote_update(*, actor: User, quote_id: int, changes: Mapping[str, Any]) -> Quote:
    """Change a draft's validity, terms, proposed plan or language (customer, currency and
    date stay: they decided the prices)."""
    _check_fields(changes, QUOTE_FIELDS)
    quote = _quote_locked(actor, quote_id)
    _draft(quote)
    before = audit_snapshot(quote)
    for name, value in changes.items():
        if name == "payment_plan":
            value = payment_plan_clean(value)
        if name == "language" and value not in ("zh-hans", "en"):
            raise DomainError(CoreError.VALIDATION, details={"language": ["zh-hans or en"]})
        setattr(quote, name, value)
    if quote.valid_until < quote.quote_date:
        raise DomainError(QuoteError.DATES)
    quote.save()
    audit_record(actor=actor, instance=quote, action=AuditAction.UPDATE, before=before)
    return quote


# --- quotes: lines -----------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentChoice:
    """Whether an optional component of a bundle line is in the quote."""

    product_id: int
    included: bool = True


@dataclass(frozen=True)
class QuoteLineIn:
    """A line to price: a catalog product (a bundle brings its components), or a free line
    with its own description, unit price and tax rate."""

    product_id: int | None = None
    quantity: Decimal = Decimal(1)
    discount_percent: Decimal | None = None
    description: str = ""
    unit_price: Decimal | None = None
    tax_rate: Decimal | None = None
    unit: str = ""
    components: Sequence[ComponentChoice] = field(default_factory=tuple)


def _line_number(value: Any, step: Decimal, n: int, what: str) -> Decimal:
    try:
        number = to_decimal(value)
    except (ValueError, TypeError):
        raise DomainError(QuoteError.BAD_LINE, n=n, reason=f"{what} is not a number") from None
    if number != number.quantize(step):
        raise DomainError(QuoteError.BAD_LINE, n=n, reason=f"{what} has too many decimals")
    return number


def _amounts(line: QuoteLine, currency: str) -> None:
    """Net and tax exactly as an invoice line computes them; excluded lines count nothing."""
    if not line.included:
        line.net = line.tax = line.total = Decimal(0)
        return
    gross = line.quantity * line.unit_price * (100 - line.discount_percent) / 100
    line.net = quantize(gross, currency)
    line.tax = quantize(line.net * line.tax_rate, currency)
    line.total = line.net + line.tax


def _priced_line(
    pricing: Pricing,
    product: Product,
    quantity: Decimal,
    discount: Decimal | None,
    *,
    carries_price: bool,
) -> QuoteLine:
    line = QuoteLine(
        product=product,
        description=product.name,
        unit=product.unit,
        quantity=quantity,
        tax_rate=product.tax_rate,
        unit_price=Decimal(0),
    )
    if carries_price:
        line.list_price = line.unit_price = pricing.price(product, quantity)
        rule = pricing.rule(product, quantity)
        line.discount_rule = rule
        line.discount_percent = discount if discount is not None else (rule.percent if rule else 0)
    return line


def _lines_build(
    quote: Quote, specs: Sequence[QuoteLineIn], pricing: Pricing, may_free: bool
) -> list[tuple[QuoteLine, list[QuoteLine]]]:
    """Each input line with its component lines, priced; nothing is saved yet."""
    built: list[tuple[QuoteLine, list[QuoteLine]]] = []
    for n, spec in enumerate(specs, 1):
        quantity = _line_number(spec.quantity, QUANTITY_STEP, n, "quantity")
        discount = spec.discount_percent
        if discount is not None:
            discount = _line_number(discount, PERCENT_STEP, n, "discount")
            if not 0 <= discount < 100:
                raise DomainError(QuoteError.BAD_LINE, n=n, reason="discount 0 to 99.99%")
        if quantity <= 0:
            raise DomainError(QuoteError.BAD_LINE, n=n, reason="quantity must be positive")
        if spec.product_id is None:
            built.append((_free_line(quote, spec, n, quantity, discount, may_free), []))
            continue
        product = pricing.product(spec.product_id)
        if product is None:
            raise DomainError(QuoteError.BAD_LINE, n=n, reason="no such product")
        if not product.active:
            raise DomainError(QuoteError.INACTIVE_PRODUCT, product=str(product))
        bundle_priced = product.is_bundle and not product.components_priced
        head = _priced_line(
            pricing,
            product,
            quantity,
            discount,
            carries_price=not product.is_bundle or bundle_priced,
        )
        built.append((head, _components(pricing, product, spec, quantity, discount, n)))
    return built


def _components(
    pricing: Pricing,
    bundle: Product,
    spec: QuoteLineIn,
    quantity: Decimal,
    discount: Decimal | None,
    n: int,
) -> list[QuoteLine]:
    if not bundle.is_bundle:
        if spec.components:
            raise DomainError(QuoteError.BAD_LINE, n=n, reason="only a bundle has components")
        return []
    choices = {c.product_id: c.included for c in spec.components}
    parts = pricing.components.get(bundle.pk, [])
    unknown = set(choices) - {part.component_id for part in parts}
    if unknown:
        raise DomainError(QuoteError.BAD_LINE, n=n, reason="not a component of this bundle")
    lines = []
    for part in parts:
        included = choices.get(part.component_id, True)
        if not included and part.required:
            raise DomainError(
                QuoteError.COMPONENT_REQUIRED, component=str(part.component), bundle=str(bundle)
            )
        line = _priced_line(
            pricing,
            part.component,
            quantity * part.quantity,
            discount,
            carries_price=bundle.components_priced,
        )
        line.optional, line.included = not part.required, included
        lines.append(line)
    return lines


def _free_line(
    quote: Quote,
    spec: QuoteLineIn,
    n: int,
    quantity: Decimal,
    discount: Decimal | None,
    may_free: bool,
) -> QuoteLine:
    if not may_free:
        raise DomainError(QuoteError.FREE_LINE_NOT_ALLOWED, n=n)
    description = spec.description.strip()
    if not description or spec.unit_price is None or spec.tax_rate is None:
        raise DomainError(
            QuoteError.BAD_LINE, n=n, reason="a free line needs description, price and tax rate"
        )
    price = to_decimal(spec.unit_price)
    if price < 0 or price != quantize(price, quote.currency):
        raise DomainError(QuoteError.BAD_LINE, n=n, reason="price")
    if to_decimal(spec.tax_rate) not in TAX_RATES:
        raise DomainError(CatalogError.TAX_RATE, rate=spec.tax_rate)
    return QuoteLine(
        description=description[:300],
        unit=spec.unit[:20],
        quantity=quantity,
        list_price=price,
        unit_price=price,
        discount_percent=discount or Decimal(0),
        tax_rate=to_decimal(spec.tax_rate),
    )


def _totals(quote: Quote, lines: Sequence[QuoteLine]) -> None:
    counted = [line for line in lines if line.included]
    quote.subtotal = sum((line.net for line in counted), Decimal(0))
    quote.tax_total = sum((line.tax for line in counted), Decimal(0))
    quote.total = quote.subtotal + quote.tax_total
    listed = sum(
        (quantize(line.quantity * line.unit_price, quote.currency) for line in counted), Decimal(0)
    )
    quote.discount_total = listed - quote.subtotal


@transaction.atomic
def quote_lines_set(*, actor: User, quote_id: int, lines: Sequence[QuoteLineIn]) -> Quote:
    """Replace all lines of a draft, priced from the catalog, and recompute the totals.

    Prices, tiers and rules for all lines are read at once (`pricing_load`), and lines are
    written in bulk, so a quote of hundreds of lines costs the same few queries as one.
    """
    quote = _quote_locked(actor, quote_id)
    _draft(quote)
    before = audit_snapshot(quote)
    wanted = {spec.product_id for spec in lines if spec.product_id is not None}
    customer = quote.customer
    pricing = pricing_load(
        product_ids=wanted,
        currency=quote.currency,
        on=quote.quote_date,
        customer_id=customer.pk if customer else None,
        group_id=customer.group_id if customer else None,
    )
    built = _lines_build(quote, lines, pricing, may_free=may(actor, "add", Product))
    position = 0
    heads, parts = [], []
    for head, components in built:
        for line in (head, *components):
            position += 1
            line.quote, line.position = quote, position
            _amounts(line, quote.currency)
        heads.append(head)
        parts.extend(components)
    # One statement whatever the count: nothing refers to a draft's lines but its own
    # component lines, which go in the same statement (so the collector's reads are spared).
    old_lines = QuoteLine.objects.filter(quote=quote)
    old_lines._raw_delete(old_lines.db)
    QuoteLine.objects.bulk_create(heads)
    for head, components in built:
        for line in components:
            line.parent = head
    QuoteLine.objects.bulk_create(parts)
    _totals(quote, [*heads, *parts])
    quote.save()
    audit_record(
        actor=actor,
        instance=quote,
        action=AuditAction.UPDATE,
        before=before,
        reason=f"{len(heads) + len(parts)} lines",
    )
    return quote


# --- quotes: versions and decisions ------------------------------------------------------


@transaction.atomic
def quote_revise(*, actor: User, quote_id: int) -> Quote:
    """Make the next version (a draft with the same lines); this one becomes superseded."""
    old = _quote_locked(actor, quote_id)
    if old.status not in REVISABLE:
        raise DomainError(QuoteError.WRONG_STATUS, status=old.get_status_display())
    before = audit_snapshot(old)
    old.status = QuoteStatus.SUPERSEDED
    old.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, instance=old, action=AuditAction.UPDATE, before=before)
    last = Quote.objects.filter(root_id=old.root_id).order_by("-version").first()
    new = Quote.objects.get(pk=old.pk)
    new.pk = None
    new.version = (last.version if last else old.version) + 1
    new.status = QuoteStatus.DRAFT
    new.approval_request = None
    new.rejection_reason = ""
    new.sent_at = new.decided_at = new.emailed_at = None
    new.created_by = actor
    new.save()
    _lines_copy(old, new)
    audit_record(actor=actor, instance=new, action=AuditAction.CREATE)
    return new


def _lines_copy(old: Quote, new: Quote) -> None:
    lines = list(old.lines.order_by("position"))
    heads = [line for line in lines if line.parent_id is None]
    old_ids = {line.pk: line for line in heads}
    for line in heads:
        line.pk, line.quote = None, new
    QuoteLine.objects.bulk_create(heads)
    parts = [line for line in lines if line.parent_id is not None]
    for line in parts:
        line.pk, line.quote, line.parent = None, new, old_ids[int(line.parent_id or 0)]
    QuoteLine.objects.bulk_create(parts)


def discount_over_max(quote: Quote) -> tuple[Decimal, QuoteLine | None]:
    """How far the largest discount goes past its rule's maximum (no rule: 0%), and where."""
    worst, where = Decimal(0), None
    for line in quote.lines.select_related("discount_rule").order_by("position"):
        if not line.included or line.unit_price == 0:
            continue
        allowed = line.discount_rule.max_percent if line.discount_rule else Decimal(0)
        if line.discount_percent - allowed > worst:
            worst, where = line.discount_percent - allowed, line
    return worst, where


@transaction.atomic
def quote_submit(*, actor: User, quote_id: int) -> Quote:
    """Number the quote and approve it, at once or through an approval flow when a line's
    discount is above its rule's maximum (refused when no flow applies)."""
    from cashloop.approvals.services import approval_request_submit

    quote = _quote_locked(actor, quote_id)
    _draft(quote)
    if quote.total <= 0:
        raise DomainError(QuoteError.NO_LINES)
    _plan_sum_check(quote)
    before = audit_snapshot(quote)
    if not quote.number:
        root_number = Quote.objects.filter(pk=quote.root_id or quote.pk).values_list(
            "number", flat=True
        )
        quote.number = next(iter(root_number), "") or sequence_next(
            series=QUOTE_SERIES, year=quote.quote_date.year
        )
    over, line = discount_over_max(quote)
    quote.rejection_reason = ""
    if over > 0 and line is not None:
        request = approval_request_submit(actor=actor, document=quote, document_type=QUOTE_TYPE)
        if request is None:
            allowed = line.discount_rule.max_percent if line.discount_rule else Decimal(0)
            raise DomainError(
                QuoteError.DISCOUNT_OVER_MAX,
                n=line.position,
                percent=line.discount_percent,
                max=allowed,
                details={"line": line.position, "over_by": str(over)},
            )
        quote.status = QuoteStatus.PENDING_APPROVAL
        quote.approval_request = request
    else:
        quote.status = QuoteStatus.APPROVED
        quote.decided_at = timezone.now()
    quote.save()
    audit_record(actor=actor, instance=quote, action=AuditAction.UPDATE, before=before)
    return quote


def quote_approval_values(quote: Quote) -> dict[str, Any]:
    """What an approval flow on quotes may test."""
    over, _line = discount_over_max(quote)
    total = quantize(quote.total, quote.currency)
    group = quote.customer.group if quote.customer_id and quote.customer else None
    return {
        "discount_over_max": over,
        "total": total,
        # Quotes carry no exchange rate; in another currency there is no base amount.
        "base_total": total if quote.currency == base_currency() else None,
        "customer_group": group.code if group else "",
        "currency": quote.currency,
    }


def _decided(request: ApprovalRequest) -> Quote:
    return Quote.objects.select_for_update().get(pk=request.document_id)


def quote_approval_approved(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` of "cpq.quote": the quote may be sent."""
    quote = _decided(request)
    if quote.status != QuoteStatus.PENDING_APPROVAL:
        return
    before = audit_snapshot(quote)
    quote.status = QuoteStatus.APPROVED
    quote.decided_at = timezone.now()
    quote.save(update_fields=["status", "decided_at", "updated_at"])
    audit_record(actor=actor, instance=quote, action=AuditAction.UPDATE, before=before)


def quote_approval_released(request: ApprovalRequest, actor: User) -> None:
    """`on_rejected` of "cpq.quote" (rejected or withdrawn): back to draft, with the reason."""
    quote = _decided(request)
    if quote.status != QuoteStatus.PENDING_APPROVAL:
        return
    last = request.actions.order_by("-at", "-pk").first()
    before = audit_snapshot(quote)
    quote.status = QuoteStatus.DRAFT
    quote.rejection_reason = (last.comment if last else "")[:500]
    quote.save(update_fields=["status", "rejection_reason", "updated_at"])
    audit_record(
        actor=actor,
        instance=quote,
        action=AuditAction.UPDATE,
        before=before,
        reason=quote.rejection_reason,
    )


def _recipients(quote: Quote, to: Sequence[str]) -> list[str]:
    addresses = [a.strip() for a in to if a and a.strip()]
    if not addresses and quote.customer is not None:
        contacts = Contact.objects.filter(customer=quote.customer).exclude(email="")
        first = contacts.order_by("pk").first()
        addresses = [first.email] if first else []
    if not addresses and quote.lead_id and quote.lead and quote.lead.email:
        addresses = [quote.lead.email]
    if not addresses:
        raise DomainError(QuoteError.NO_RECIPIENT)
    return addresses


@transaction.atomic
def quote_send(*, actor: User, quote_id: int, to: Sequence[str] = ()) -> Quote:
    """Mark an approved quote sent and email it (with its PDF) once the transaction commits.

    Without addresses it goes to the customer's first contact with an email (or the lead's).
    """
    from cashloop.cpq.tasks import quote_email

    quote = _quote_locked(actor, quote_id, "send")
    if quote.status != QuoteStatus.APPROVED:
        raise DomainError(QuoteError.WRONG_STATUS, status=quote.get_status_display())
    if quote.customer_id is not None:
        # Credit control (decision 048): no quote goes out to a customer on hold.
        credit_check_sale(customer_id=quote.customer_id)
    addresses = _recipients(quote, to)
    before = audit_snapshot(quote)
    quote.status = QuoteStatus.SENT
    quote.sent_at = timezone.now()
    quote.emailed_to = ", ".join(addresses)[:500]
    quote.save()
    audit_record(actor=actor, instance=quote, action=AuditAction.UPDATE, before=before)
    transaction.on_commit(lambda: quote_email.enqueue(quote.pk))
    return quote


@transaction.atomic
def quote_accept(*, actor: User, quote_id: int) -> Quote:
    """The customer said yes: the quote is accepted and its draft contract made from it."""
    quote = _quote_locked(actor, quote_id)
    if quote.status not in (QuoteStatus.SENT, QuoteStatus.APPROVED):
        raise DomainError(QuoteError.WRONG_STATUS, status=quote.get_status_display())
    if quote.customer_id is None:
        # A lead must become a customer before it can sign a contract.
        raise DomainError(QuoteError.CUSTOMER_OR_LEAD)
    before = audit_snapshot(quote)
    quote.status = QuoteStatus.ACCEPTED
    quote.decided_at = timezone.now()
    quote.save()
    audit_record(actor=actor, instance=quote, action=AuditAction.UPDATE, before=before)
    from cashloop.contracts.services import contract_create_from_quote

    contract_create_from_quote(actor=actor, quote_id=quote.pk)
    return quote


@transaction.atomic
def quote_reject(*, actor: User, quote_id: int, reason: str) -> Quote:
    """The customer said no, and why."""
    quote = _quote_locked(actor, quote_id)
    if not reason.strip():
        raise DomainError(QuoteError.REASON_REQUIRED, details={"reason": ["required"]})
    if quote.status not in (QuoteStatus.SENT, QuoteStatus.APPROVED):
        raise DomainError(QuoteError.WRONG_STATUS, status=quote.get_status_display())
    before = audit_snapshot(quote)
    quote.status = QuoteStatus.REJECTED
    quote.rejection_reason = reason.strip()[:500]
    quote.decided_at = timezone.now()
    quote.save()
    audit_record(
        actor=actor, instance=quote, action=AuditAction.UPDATE, before=before, reason=reason
    )
    return quote


@transaction.atomic
def quote_expire_due(*, on: date | None = None) -> int:
    """Expire approved and sent quotes past their validity (the daily job); return how many.

    Running it again the same day finds nothing left to expire.
    """
    today = on or timezone.localdate()
    due = list(
        Quote.objects.select_for_update()
        .filter(status__in=[QuoteStatus.APPROVED, QuoteStatus.SENT], valid_until__lt=today)
        .order_by("pk")
    )
    for quote in due:
        before = audit_snapshot(quote)
        quote.status = QuoteStatus.EXPIRED
        quote.save(update_fields=["status", "updated_at"])
        audit_record(actor=None, instance=quote, action=AuditAction.UPDATE, before=before)
    return len(due)

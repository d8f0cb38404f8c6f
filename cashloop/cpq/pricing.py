"""The pricing engine: list prices and discount rules for many quote lines at once.

`pricing_load()` reads everything a quote's lines can need in a fixed handful of queries
(the products with their bundle components, the family tree, the customer's contracted
prices, the matching price-book entries and the active discount rules), whatever the
number of lines; `Pricing.price()` and `Pricing.rule()` then answer from memory.

Where a price comes from (decision 037), first found wins:

1. the customer's contracted price for the product in the quote's currency, valid on the
   quote date (the latest `valid_from` if several are);
2. a price book for the currency and the customer's group, valid on the date;
3. a price book for the currency with no group, valid on the date.

Among books of one rank the latest `valid_from` wins (then the lowest id); within a book
the tier with the highest `min_quantity` not above the quantity; below its lowest tier a
book's lowest tier is its base price (half a unit costs half the unit price).

Which discount rule a line takes: of the active rules whose conditions all hold (family,
counting parent families; customer group; minimum quantity; validity), the lowest
`priority` number; on a tie the most specific (most conditions set), then the lowest id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from cashloop.core.errors import DomainError
from cashloop.cpq.errors import QuoteError
from cashloop.cpq.models import (
    BundleComponent,
    CustomerPrice,
    DiscountRule,
    PriceBookEntry,
    Product,
    ProductFamily,
)


def _valid_on(on: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on})
    )


def rule_specificity(rule: DiscountRule) -> int:
    """How many conditions a rule sets: the more, the narrower, the stronger on a tie."""
    period = rule.valid_from is not None or rule.valid_until is not None
    conditions = (rule.family_id, rule.customer_group_id, rule.min_quantity)
    return sum(value is not None for value in conditions) + int(period)


def rule_order(rule: DiscountRule) -> tuple[int, int, int]:
    return (rule.priority, -rule_specificity(rule), rule.pk)


@dataclass
class Pricing:
    """What `pricing_load` read: prices and rules for one quote's customer, currency, date."""

    currency: str
    on: date
    group_id: int | None
    products: dict[int, Product]
    components: dict[int, list[BundleComponent]]
    family_parent: dict[int, int | None]
    customer_prices: dict[int, Decimal]
    # product id -> books in order of preference, each a list of (min_quantity, price)
    # from the highest tier down.
    book_tiers: dict[int, list[list[tuple[Decimal, Decimal]]]]
    rules: list[DiscountRule] = field(default_factory=list)

    def product(self, product_id: int) -> Product | None:
        return self.products.get(product_id)

    def price(self, product: Product, quantity: Decimal) -> Decimal:
        """The unit list price of `quantity` of `product`, or `quote.no_price`."""
        if product.pk in self.customer_prices:
            return self.customer_prices[product.pk]
        books = self.book_tiers.get(product.pk)
        if books:
            tiers = books[0]
            return next((price for low, price in tiers if low <= quantity), tiers[-1][1])
        raise DomainError(
            QuoteError.NO_PRICE,
            product=str(product),
            currency=self.currency,
            date=self.on.isoformat(),
            details={"product_id": product.pk, "currency": self.currency},
        )

    def families_of(self, family_id: int | None) -> set[int]:
        """The family and every family above it (a rule on "Software" covers "SaaS")."""
        found: set[int] = set()
        while family_id is not None and family_id not in found:
            found.add(family_id)
            family_id = self.family_parent.get(family_id)
        return found

    def rule(self, product: Product, quantity: Decimal) -> DiscountRule | None:
        """The discount rule a line of `quantity` of `product` takes, if any matches."""
        families = self.families_of(product.family_id)
        for rule in self.rules:  # already in winning order
            if rule.family_id is not None and rule.family_id not in families:
                continue
            if rule.customer_group_id is not None and rule.customer_group_id != self.group_id:
                continue
            if rule.min_quantity is not None and quantity < rule.min_quantity:
                continue
            return rule
        return None


def pricing_load(
    *,
    product_ids: Iterable[int],
    currency: str,
    on: date,
    customer_id: int | None,
    group_id: int | None,
) -> Pricing:
    """Read the prices and rules of these products (and their bundles' components)."""
    wanted = set(product_ids)
    products = {p.pk: p for p in Product.objects.filter(pk__in=wanted)}
    components: dict[int, list[BundleComponent]] = defaultdict(list)
    bundle_ids = [pk for pk, p in products.items() if p.is_bundle]
    if bundle_ids:
        rows = (
            BundleComponent.objects.filter(bundle_id__in=bundle_ids)
            .select_related("component")
            .order_by("bundle_id", "position", "pk")
        )
        for row in rows:
            components[row.bundle_id].append(row)
            products.setdefault(row.component_id, row.component)
    priced = list(products)
    family_parent: dict[int, int | None] = dict(
        ProductFamily.objects.values_list("pk", "parent_id")
    )

    customer_prices: dict[int, Decimal] = {}
    if customer_id is not None:
        contracted = (
            CustomerPrice.objects.filter(
                _valid_on(on), customer_id=customer_id, currency=currency, product_id__in=priced
            )
            .order_by("product_id", "-valid_from", "-pk")
            .values_list("product_id", "unit_price")
        )
        for product_id, unit_price in contracted:
            customer_prices.setdefault(product_id, unit_price)

    entries = (
        PriceBookEntry.objects.filter(
            _valid_on(on, "price_book__"),
            Q(price_book__customer_group__isnull=True) | Q(price_book__customer_group_id=group_id),
            price_book__active=True,
            price_book__currency=currency,
            product_id__in=priced,
        )
        .select_related("price_book")
        .order_by("product_id", "-min_quantity")
    )
    by_book: dict[int, dict[tuple[int, int, int], list[tuple[Decimal, Decimal]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for entry in entries:
        book = entry.price_book
        # Group books before general ones, then the newest, then the first made.
        rank = (
            0 if book.customer_group_id is not None else 1,
            -book.valid_from.toordinal(),
            book.pk,
        )
        by_book[entry.product_id][rank].append((entry.min_quantity, entry.unit_price))
    book_tiers = {
        product_id: [books[rank] for rank in sorted(books)] for product_id, books in by_book.items()
    }

    rules = DiscountRule.objects.filter(active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        Q(customer_group__isnull=True) | Q(customer_group_id=group_id),
    )
    return Pricing(
        currency=currency,
        on=on,
        group_id=group_id,
        products=products,
        components=dict(components),
        family_parent=family_parent,
        customer_prices=customer_prices,
        book_tiers=book_tiers,
        rules=sorted(rules, key=rule_order),
    )

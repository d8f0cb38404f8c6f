"""Reads of CPQ, scoped: quotes through `restrict(user, action)`, the catalog by its grants."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from cashloop.core.scoping import get_scoped, require
from cashloop.cpq.errors import CatalogError, QuoteError
from cashloop.cpq.models import (
    BundleComponent,
    CustomerPrice,
    DiscountRule,
    PriceBook,
    Product,
    ProductFamily,
    Quote,
    QuoteLine,
)
from cashloop.customers.models import CustomerGroup
from cashloop.identity.models import User


def _one(qs: QuerySet[Any], pk: int, code: CatalogError) -> Any:
    from cashloop.core.errors import DomainError

    row = qs.filter(pk=pk).first()
    if row is None:
        raise DomainError(code)
    return row


def product_list(*, user: User, q: str = "", active: bool | None = None) -> QuerySet[Product]:
    require(user, "view", Product)
    rows = Product.objects.select_related("family").prefetch_related(
        Prefetch("components", BundleComponent.objects.select_related("component"))
    )
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(name_en__icontains=q))
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("code")


def product_get(*, user: User, product_id: int) -> Product:
    return _one(product_list(user=user), product_id, CatalogError.PRODUCT_NOT_FOUND)


def family_list(*, user: User) -> QuerySet[ProductFamily]:
    require(user, "view", Product)
    return ProductFamily.objects.select_related("parent").order_by("code")


def family_get(*, user: User, family_id: int) -> ProductFamily:
    return _one(family_list(user=user), family_id, CatalogError.FAMILY_NOT_FOUND)


def price_book_list(*, user: User, currency: str = "") -> QuerySet[PriceBook]:
    require(user, "view", PriceBook)
    rows = PriceBook.objects.select_related("customer_group").prefetch_related("entries")
    if currency:
        rows = rows.filter(currency=currency.upper())
    return rows.order_by("currency", "name", "pk")


def price_book_get(*, user: User, book_id: int) -> PriceBook:
    return _one(price_book_list(user=user), book_id, CatalogError.PRICE_BOOK_NOT_FOUND)


def customer_price_list(*, user: User, customer_id: int | None = None) -> QuerySet[CustomerPrice]:
    require(user, "view", CustomerPrice)
    rows = CustomerPrice.objects.restrict(user, "view").select_related("customer", "product")
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows


def discount_rule_list(*, user: User) -> QuerySet[DiscountRule]:
    require(user, "view", DiscountRule)
    return DiscountRule.objects.select_related("family", "customer_group").order_by(
        "priority", "pk"
    )


def discount_rule_get(*, user: User, rule_id: int) -> DiscountRule:
    return _one(discount_rule_list(user=user), rule_id, CatalogError.DISCOUNT_RULE_NOT_FOUND)


def customer_group_list(*, user: User) -> QuerySet[CustomerGroup]:
    require(user, "view", CustomerGroup)
    return CustomerGroup.objects.order_by("code")


def customer_group_get(*, user: User, group_id: int) -> CustomerGroup:
    return _one(customer_group_list(user=user), group_id, CatalogError.GROUP_NOT_FOUND)


def quote_list(
    *,
    user: User,
    status: str = "",
    customer_id: int | None = None,
    q: str = "",
    latest: bool = False,
) -> QuerySet[Quote]:
    """Quotes the user may see; `latest` leaves out superseded versions."""
    require(user, "view", Quote)
    rows = Quote.objects.restrict(user, "view").select_related("customer", "lead", "owner")
    if status:
        rows = rows.filter(status=status)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(lead__company_name__icontains=q)
        )
    if latest:
        rows = rows.exclude(status="superseded")
    return rows.order_by("-quote_date", "-pk")


def quote_get(*, user: User, quote_id: int, action: str = "view") -> Quote:
    """One quote with its lines (and each line's rule) in two queries."""
    lines = QuoteLine.objects.select_related("discount_rule").order_by("position")
    return get_scoped(
        Quote.objects.select_related("customer__group", "lead", "owner").prefetch_related(
            Prefetch("lines", lines)
        ),
        user=user,
        action=action,
        pk=quote_id,
        not_found=QuoteError.NOT_FOUND,
    )


def quote_versions(*, user: User, quote: Quote) -> QuerySet[Quote]:
    return Quote.objects.restrict(user, "view").filter(root_id=quote.root_id).order_by("version")

"""CPQ endpoints: /products (and families), /price-books, /discount-rules, /quotes,
/customer-groups."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from cashloop.core.pagination import paginated
from cashloop.cpq import selectors, services
from cashloop.cpq.documents import quote_pdf
from cashloop.cpq.schemas import (
    CustomerGroupIn,
    CustomerGroupOut,
    CustomerGroupPatch,
    CustomerPriceIn,
    CustomerPriceOut,
    CustomerPricePatch,
    DiscountRuleIn,
    DiscountRuleOut,
    DiscountRulePatch,
    FamilyIn,
    FamilyOut,
    FamilyPatch,
    PriceBookIn,
    PriceBookOut,
    PriceBookPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    QuoteDetailOut,
    QuoteIn,
    QuoteLinesIn,
    QuoteOut,
    QuotePatch,
    ReasonIn,
    SendIn,
)
from cashloop.web.files import attachment

products_router = Router(tags=["catalog"])
price_books_router = Router(tags=["catalog"])
discount_rules_router = Router(tags=["catalog"])
customer_groups_router = Router(tags=["catalog"])
quotes_router = Router(tags=["quotes"])


# --- products and families ---------------------------------------------------------------


class ProductFilter(Schema):
    q: str = ""
    active: bool | None = None


@products_router.get("", response=list[ProductOut])
@paginated(sorts=("code", "name", "created_at"), default="code")
def product_list(request: HttpRequest, filters: Query[ProductFilter]) -> Any:
    return selectors.product_list(user=request.user, **filters.dict())


@products_router.post("", response={201: ProductOut})
def product_create(request: HttpRequest, payload: ProductIn) -> Any:
    product = services.product_create(actor=request.user, **payload.to_service())
    return Status(201, selectors.product_get(user=request.user, product_id=product.pk))


@products_router.get("/families", response=list[FamilyOut])
@paginated(sorts=("code", "name"), default="code")
def family_list(request: HttpRequest) -> Any:
    return selectors.family_list(user=request.user)


@products_router.post("/families", response={201: FamilyOut})
def family_create(request: HttpRequest, payload: FamilyIn) -> Any:
    return Status(201, services.product_family_create(actor=request.user, **payload.dict()))


@products_router.get("/families/{family_id}", response=FamilyOut)
def family_detail(request: HttpRequest, family_id: int) -> Any:
    return selectors.family_get(user=request.user, family_id=family_id)


@products_router.patch("/families/{family_id}", response=FamilyOut)
def family_update(request: HttpRequest, family_id: int, payload: FamilyPatch) -> Any:
    return services.product_family_update(
        actor=request.user, family_id=family_id, changes=payload.dict(exclude_unset=True)
    )


@products_router.get("/{product_id}", response=ProductOut)
def product_detail(request: HttpRequest, product_id: int) -> Any:
    return selectors.product_get(user=request.user, product_id=product_id)


@products_router.patch("/{product_id}", response=ProductOut)
def product_update(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    services.product_update(actor=request.user, product_id=product_id, changes=payload.changes())
    return selectors.product_get(user=request.user, product_id=product_id)


# --- price books and contracted prices ---------------------------------------------------


class PriceBookFilter(Schema):
    currency: str = ""


@price_books_router.get("", response=list[PriceBookOut])
@paginated(sorts=("currency", "name", "valid_from"), default="currency,name")
def price_book_list(request: HttpRequest, filters: Query[PriceBookFilter]) -> Any:
    return selectors.price_book_list(user=request.user, **filters.dict())


@price_books_router.post("", response={201: PriceBookOut})
def price_book_create(request: HttpRequest, payload: PriceBookIn) -> Any:
    book = services.price_book_create(actor=request.user, **payload.to_service())
    return Status(201, selectors.price_book_get(user=request.user, book_id=book.pk))


class CustomerPriceFilter(Schema):
    customer_id: int | None = None


@price_books_router.get("/customer-prices", response=list[CustomerPriceOut])
@paginated(
    sorts=("customer_id", "product_id", "valid_from"), default="customer_id,product_id,-valid_from"
)
def customer_price_list(request: HttpRequest, filters: Query[CustomerPriceFilter]) -> Any:
    """Prices agreed with customers you may see: they override every price book."""
    return selectors.customer_price_list(user=request.user, **filters.dict())


@price_books_router.post("/customer-prices", response={201: CustomerPriceOut})
def customer_price_create(request: HttpRequest, payload: CustomerPriceIn) -> Any:
    return Status(201, services.customer_price_create(actor=request.user, **payload.dict()))


@price_books_router.patch("/customer-prices/{price_id}", response=CustomerPriceOut)
def customer_price_update(request: HttpRequest, price_id: int, payload: CustomerPricePatch) -> Any:
    """Change the agreed price or its validity; end it with `valid_until`."""
    return services.customer_price_update(
        actor=request.user, price_id=price_id, changes=payload.dict(exclude_unset=True)
    )


@price_books_router.delete("/customer-prices/{price_id}", response={204: None})
def customer_price_delete(request: HttpRequest, price_id: int) -> Any:
    services.customer_price_delete(actor=request.user, price_id=price_id)
    return Status(204, None)


@price_books_router.get("/{book_id}", response=PriceBookOut)
def price_book_detail(request: HttpRequest, book_id: int) -> Any:
    return selectors.price_book_get(user=request.user, book_id=book_id)


@price_books_router.patch("/{book_id}", response=PriceBookOut)
def price_book_update(request: HttpRequest, book_id: int, payload: PriceBookPatch) -> Any:
    services.price_book_update(actor=request.user, book_id=book_id, changes=payload.changes())
    return selectors.price_book_get(user=request.user, book_id=book_id)


# --- discount rules and customer groups --------------------------------------------------


@discount_rules_router.get("", response=list[DiscountRuleOut])
@paginated(sorts=("priority", "name", "created_at"), default="priority")
def discount_rule_list(request: HttpRequest) -> Any:
    """In the order they win: priority, then the most specific, then the oldest."""
    return selectors.discount_rule_list(user=request.user)


@discount_rules_router.post("", response={201: DiscountRuleOut})
def discount_rule_create(request: HttpRequest, payload: DiscountRuleIn) -> Any:
    return Status(201, services.discount_rule_create(actor=request.user, **payload.dict()))


@discount_rules_router.get("/{rule_id}", response=DiscountRuleOut)
def discount_rule_detail(request: HttpRequest, rule_id: int) -> Any:
    return selectors.discount_rule_get(user=request.user, rule_id=rule_id)


@discount_rules_router.patch("/{rule_id}", response=DiscountRuleOut)
def discount_rule_update(request: HttpRequest, rule_id: int, payload: DiscountRulePatch) -> Any:
    return services.discount_rule_update(
        actor=request.user, rule_id=rule_id, changes=payload.dict(exclude_unset=True)
    )


@customer_groups_router.get("", response=list[CustomerGroupOut])
@paginated(sorts=("code", "name"), default="code")
def customer_group_list(request: HttpRequest) -> Any:
    return selectors.customer_group_list(user=request.user)


@customer_groups_router.post("", response={201: CustomerGroupOut})
def customer_group_create(request: HttpRequest, payload: CustomerGroupIn) -> Any:
    return Status(201, services.customer_group_create(actor=request.user, **payload.dict()))


@customer_groups_router.get("/{group_id}", response=CustomerGroupOut)
def customer_group_detail(request: HttpRequest, group_id: int) -> Any:
    return selectors.customer_group_get(user=request.user, group_id=group_id)


@customer_groups_router.patch("/{group_id}", response=CustomerGroupOut)
def customer_group_update(request: HttpRequest, group_id: int, payload: CustomerGroupPatch) -> Any:
    return services.customer_group_update(
        actor=request.user, group_id=group_id, changes=payload.dict(exclude_unset=True)
    )


# --- quotes ------------------------------------------------------------------------------


class QuoteFilter(Schema):
    status: str = ""
    customer_id: int | None = None
    q: str = ""
    latest: bool = False


def _detail(request: HttpRequest, quote_id: int) -> Any:
    return selectors.quote_get(user=request.user, quote_id=quote_id)


@quotes_router.get("", response=list[QuoteOut])
@paginated(
    sorts=("quote_date", "number", "total", "valid_until", "created_at"), default="-quote_date"
)
def quote_list(request: HttpRequest, filters: Query[QuoteFilter]) -> Any:
    return selectors.quote_list(user=request.user, **filters.dict())


@quotes_router.post("", response={201: QuoteDetailOut})
def quote_create(request: HttpRequest, payload: QuoteIn) -> Any:
    quote = services.quote_create(actor=request.user, **payload.dict())
    return Status(201, _detail(request, quote.pk))


@quotes_router.get("/{quote_id}", response=QuoteDetailOut)
def quote_detail(request: HttpRequest, quote_id: int) -> Any:
    return _detail(request, quote_id)


@quotes_router.patch("/{quote_id}", response=QuoteDetailOut)
def quote_update(request: HttpRequest, quote_id: int, payload: QuotePatch) -> Any:
    services.quote_update(
        actor=request.user, quote_id=quote_id, changes=payload.dict(exclude_unset=True)
    )
    return _detail(request, quote_id)


@quotes_router.put("/{quote_id}/lines", response=QuoteDetailOut)
def quote_lines_set(request: HttpRequest, quote_id: int, payload: QuoteLinesIn) -> Any:
    """Replace every line of a draft; answers the quote repriced, with its new totals."""
    lines = [line.to_service() for line in payload.lines]
    services.quote_lines_set(actor=request.user, quote_id=quote_id, lines=lines)
    return _detail(request, quote_id)


@quotes_router.post("/{quote_id}/revise", response={201: QuoteDetailOut})
def quote_revise(request: HttpRequest, quote_id: int) -> Any:
    """A new draft version with the same lines; this version becomes superseded."""
    quote = services.quote_revise(actor=request.user, quote_id=quote_id)
    return Status(201, _detail(request, quote.pk))


@quotes_router.post("/{quote_id}/submit", response=QuoteDetailOut)
def quote_submit(request: HttpRequest, quote_id: int) -> Any:
    services.quote_submit(actor=request.user, quote_id=quote_id)
    return _detail(request, quote_id)


@quotes_router.post("/{quote_id}/send", response=QuoteDetailOut)
def quote_send(request: HttpRequest, quote_id: int, payload: SendIn) -> Any:
    services.quote_send(actor=request.user, quote_id=quote_id, to=payload.to)
    return _detail(request, quote_id)


@quotes_router.post("/{quote_id}/accept", response=QuoteDetailOut)
def quote_accept(request: HttpRequest, quote_id: int) -> Any:
    """The customer accepted: the quote's draft contract is created with it."""
    services.quote_accept(actor=request.user, quote_id=quote_id)
    return _detail(request, quote_id)


@quotes_router.post("/{quote_id}/reject", response=QuoteDetailOut)
def quote_reject(request: HttpRequest, quote_id: int, payload: ReasonIn) -> Any:
    services.quote_reject(actor=request.user, quote_id=quote_id, reason=payload.reason)
    return _detail(request, quote_id)


@quotes_router.get("/{quote_id}/pdf")
def quote_pdf_download(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _detail(request, quote_id)
    name = f"{quote.number or quote.pk}-v{quote.version}.pdf"
    return attachment(quote_pdf(quote), "application/pdf", name)

"""API schemas of CPQ: strict input, explicit output, money as decimal strings.

Amounts leave as strings in their currency's minor unit (the ledger's `money_str`),
quantities and percentages as plain decimal strings; whether an amount has too many
decimals for its currency is for the services to say.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema, PatchSchema
from cashloop.cpq import services
from cashloop.cpq.choices import ProductKind, QuoteStatus, Recognition
from cashloop.ledger.schemas import money_resolver
from cashloop.receivables.schemas import Amount, Currency, Percent, Quantity, TaxRate, dec_str


def _dec(name: str) -> staticmethod:
    return staticmethod(lambda obj: dec_str(getattr(obj, name)))


# --- customer groups and families --------------------------------------------------------


class CustomerGroupIn(InSchema):
    code: str = Field(..., min_length=1, max_length=30)
    name: str = Field(..., min_length=1, max_length=100)


class CustomerGroupPatch(InSchema):
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=100)


class CustomerGroupOut(Schema):
    id: int
    code: str
    name: str


class FamilyIn(InSchema):
    code: str = Field(..., min_length=1, max_length=30)
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    parent_id: int | None = None


class FamilyPatch(InSchema):
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    parent_id: int | None = None


class FamilyOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None


# --- products ----------------------------------------------------------------------------


class ComponentIn(InSchema):
    product_id: int
    quantity: Quantity = Decimal(1)
    required: bool = True

    def to_service(self) -> services.ComponentIn:
        return services.ComponentIn(**self.dict())


class ProductIn(InSchema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    kind: ProductKind = ProductKind.PRODUCT
    family_id: int | None = None
    unit: str = Field("", max_length=20)
    tax_rate: TaxRate
    standard_cost: Decimal | None = None
    revenue_account_id: int | None = None
    recognition: Recognition = Recognition.AT_INVOICING
    is_bundle: bool = False
    components_priced: bool = False
    description: str = Field("", max_length=5000)
    active: bool = True
    components: list[ComponentIn] = Field(default_factory=list, max_length=100)

    def to_service(self) -> dict[str, Any]:
        data = self.dict(exclude={"components"})
        return {**data, "components": [c.to_service() for c in self.components]}


class ProductPatch(PatchSchema):
    clearable = frozenset({"family_id", "standard_cost", "revenue_account_id"})

    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: ProductKind | None = None
    family_id: int | None = None
    unit: str | None = Field(None, max_length=20)
    tax_rate: TaxRate | None = None
    standard_cost: Decimal | None = None
    revenue_account_id: int | None = None
    recognition: Recognition | None = None
    is_bundle: bool | None = None
    components_priced: bool | None = None
    description: str | None = Field(None, max_length=5000)
    active: bool | None = None
    components: list[ComponentIn] | None = Field(None, max_length=100)

    def changes(self) -> dict[str, Any]:
        data = self.dict(exclude_unset=True, exclude={"components"})
        if "components" in self.model_fields_set:
            data["components"] = [c.to_service() for c in self.components or ()]
        return data


class ComponentOut(Schema):
    product_id: int
    code: str
    name: str
    quantity: str
    required: bool

    @staticmethod
    def resolve_product_id(obj: Any) -> int:
        return int(obj.component_id)

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.component.code)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.component.name)

    resolve_quantity = _dec("quantity")


class ProductOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    family_id: int | None
    unit: str
    tax_rate: str
    standard_cost: Decimal | None
    revenue_account_id: int | None
    recognition: str
    is_bundle: bool
    components_priced: bool
    description: str
    active: bool
    components: list[ComponentOut]

    resolve_tax_rate = _dec("tax_rate")

    @staticmethod
    def resolve_components(obj: Any) -> list[Any]:
        return list(obj.components.all())


# --- price books, contracted prices, discount rules --------------------------------------


class PriceIn(InSchema):
    product_id: int
    unit_price: Amount
    min_quantity: Quantity = Decimal(1)

    def to_service(self) -> services.PriceIn:
        return services.PriceIn(**self.dict())


class PriceBookIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    currency: Currency
    customer_group_id: int | None = None
    valid_from: date
    valid_until: date | None = None
    active: bool = True
    entries: list[PriceIn] = Field(default_factory=list, max_length=5000)

    def to_service(self) -> dict[str, Any]:
        data = self.dict(exclude={"entries"})
        return {**data, "entries": [e.to_service() for e in self.entries]}


class PriceBookPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    currency: Currency | None = None
    customer_group_id: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    active: bool | None = None
    entries: list[PriceIn] | None = Field(None, max_length=5000)

    def changes(self) -> dict[str, Any]:
        data = self.dict(exclude_unset=True, exclude={"entries"})
        if "entries" in self.model_fields_set:
            data["entries"] = [e.to_service() for e in self.entries or ()]
        return data


class PriceOut(Schema):
    id: int
    product_id: int
    min_quantity: str
    unit_price: str

    resolve_min_quantity = _dec("min_quantity")
    resolve_unit_price = money_resolver("unit_price", "price_book.currency")


class PriceBookOut(Schema):
    id: int
    name: str
    currency: str
    customer_group_id: int | None
    valid_from: date
    valid_until: date | None
    active: bool
    entries: list[PriceOut]

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return list(obj.entries.all())


class CustomerPriceIn(InSchema):
    customer_id: int
    product_id: int
    currency: Currency
    unit_price: Amount
    valid_from: date
    valid_until: date | None = None


class CustomerPricePatch(InSchema):
    unit_price: Amount | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class CustomerPriceOut(Schema):
    id: int
    customer_id: int
    product_id: int
    currency: str
    unit_price: str
    valid_from: date
    valid_until: date | None

    resolve_unit_price = money_resolver("unit_price")


class DiscountRuleIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    priority: int = Field(100, ge=0, le=32767)
    family_id: int | None = None
    customer_group_id: int | None = None
    min_quantity: Quantity | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    percent: Percent = Decimal(0)
    max_percent: Percent
    active: bool = True


class DiscountRulePatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    priority: int | None = Field(None, ge=0, le=32767)
    family_id: int | None = None
    customer_group_id: int | None = None
    min_quantity: Quantity | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    percent: Percent | None = None
    max_percent: Percent | None = None
    active: bool | None = None


class DiscountRuleOut(Schema):
    id: int
    name: str
    priority: int
    family_id: int | None
    customer_group_id: int | None
    min_quantity: str | None
    valid_from: date | None
    valid_until: date | None
    percent: str
    max_percent: str
    active: bool

    resolve_min_quantity = _dec("min_quantity")
    resolve_percent = _dec("percent")
    resolve_max_percent = _dec("max_percent")


# --- quotes ------------------------------------------------------------------------------


class QuoteIn(InSchema):
    customer_id: int | None = None
    lead_id: int | None = None
    opportunity_id: int | None = None
    currency: Currency | None = None
    quote_date: date | None = None
    valid_until: date | None = None
    terms: str = Field("", max_length=10000)
    payment_plan: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    language: str = Field("zh-hans", max_length=10)


class QuotePatch(InSchema):
    valid_until: date | None = None
    terms: str | None = Field(None, max_length=10000)
    payment_plan: list[dict[str, Any]] | None = Field(None, max_length=50)
    language: str | None = Field(None, max_length=10)


class ComponentChoiceIn(InSchema):
    product_id: int
    included: bool = True


class QuoteLineIn(InSchema):
    product_id: int | None = None
    quantity: Quantity = Decimal(1)
    discount_percent: Percent | None = None
    description: str = Field("", max_length=300)
    unit_price: Amount | None = None
    tax_rate: TaxRate | None = None
    unit: str = Field("", max_length=20)
    components: list[ComponentChoiceIn] = Field(default_factory=list, max_length=100)

    def to_service(self) -> services.QuoteLineIn:
        data = self.dict(exclude={"components"})
        choices = [services.ComponentChoice(**c.dict()) for c in self.components]
        return services.QuoteLineIn(**data, components=choices)


class QuoteLinesIn(InSchema):
    lines: list[QuoteLineIn] = Field(..., max_length=2000)


class ReasonIn(InSchema):
    reason: str = Field(..., max_length=500)


class SendIn(InSchema):
    to: list[str] = Field(default_factory=list, max_length=20)


class QuoteLineOut(Schema):
    id: int
    position: int
    parent_id: int | None
    product_id: int | None
    description: str
    unit: str
    quantity: str
    optional: bool
    included: bool
    list_price: str
    unit_price: str
    discount_percent: str
    discount_rule_id: int | None
    tax_rate: str
    net: str
    tax: str
    total: str

    resolve_quantity = _dec("quantity")
    resolve_discount_percent = _dec("discount_percent")
    resolve_tax_rate = _dec("tax_rate")
    resolve_list_price = money_resolver("list_price", "quote.currency")
    resolve_unit_price = money_resolver("unit_price", "quote.currency")
    resolve_net = money_resolver("net", "quote.currency")
    resolve_tax = money_resolver("tax", "quote.currency")
    resolve_total = money_resolver("total", "quote.currency")


class QuoteOut(Schema):
    id: int
    number: str
    root_id: int | None
    version: int
    customer_id: int | None
    lead_id: int | None
    opportunity_id: int | None
    status: QuoteStatus
    currency: str
    language: str
    quote_date: date
    valid_until: date
    terms: str
    payment_plan: list[dict[str, Any]]
    subtotal: str
    discount_total: str
    tax_total: str
    total: str
    owner_id: int | None
    approval_request_id: int | None
    rejection_reason: str
    sent_at: datetime | None
    decided_at: datetime | None
    created_at: datetime

    resolve_subtotal = money_resolver("subtotal")
    resolve_discount_total = money_resolver("discount_total")
    resolve_tax_total = money_resolver("tax_total")
    resolve_total = money_resolver("total")


class QuoteDetailOut(QuoteOut):
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

"""Demo catalog and quotes: families, products, a bundle, price books, discount rules, the
approval of large discounts, and quotes in every state.

What a software-and-services company sells: cloud subscriptions and support (earned over
the service period), implementation (earned at the customer's acceptance) and hardware
(earned when invoiced).  Everything goes through the services, as an admin and the reps
would do it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from cashloop.approvals.services import approval_flow_create
from cashloop.cpq.choices import ProductKind, Recognition
from cashloop.cpq.models import Product
from cashloop.cpq.services import (
    QUOTE_TYPE,
    ComponentIn,
    PriceIn,
    QuoteLineIn,
    customer_group_create,
    discount_rule_create,
    price_book_create,
    product_create,
    product_family_create,
    quote_accept,
    quote_create,
    quote_lines_set,
    quote_reject,
    quote_submit,
)
from cashloop.customers.models import Customer
from cashloop.identity.models import User


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    name_en: str
    family: str
    kind: str
    unit: str
    tax_rate: str
    recognition: str
    # CNY list price; the USD book divides by 7.
    price: int
    # Standard cost in CNY, None where the demo company does not know it.
    cost: int | None = None


FAMILIES = (
    ("SW", "软件", "Software"),
    ("SVC", "服务", "Services"),
    ("HW", "硬件", "Hardware"),
)
PRODUCTS = (
    DemoProduct(
        "CLOUD-STD",
        "云平台订阅(标准版)",
        "Cloud platform subscription (standard)",
        "SW",
        ProductKind.SERVICE,
        "用户·年",
        "0.06",
        Recognition.RATABLY,
        1_200,
        300,
    ),
    DemoProduct(
        "SUPPORT",
        "运维支持",
        "Support",
        "SVC",
        ProductKind.SERVICE,
        "年",
        "0.06",
        Recognition.RATABLY,
        18_000,
        9_000,
    ),
    DemoProduct(
        "IMPL",
        "实施服务",
        "Implementation services",
        "SVC",
        ProductKind.SERVICE,
        "人天",
        "0.06",
        Recognition.AT_MILESTONE,
        2_500,
        1_600,
    ),
    DemoProduct(
        "EDGE-BOX",
        "边缘网关设备",
        "Edge gateway",
        "HW",
        ProductKind.PRODUCT,
        "台",
        "0.13",
        Recognition.AT_INVOICING,
        9_800,
        6_500,
    ),
)
USD_RATE = 7


def seed_catalog(*, admin: User, today: date) -> dict[str, Product]:
    """The catalog, two price books (CNY list with volume tiers, USD), a distributors' group
    with its own book, and discount rules.  -> products by code."""
    families = {
        code: product_family_create(actor=admin, code=code, name=name, name_en=name_en)
        for code, name, name_en in FAMILIES
    }
    products = {
        spec.code: product_create(
            actor=admin,
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            kind=spec.kind,
            family_id=families[spec.family].pk,
            unit=spec.unit,
            tax_rate=Decimal(spec.tax_rate),
            standard_cost=Decimal(spec.cost) if spec.cost is not None else None,
            recognition=spec.recognition,
        )
        for spec in PRODUCTS
    }
    products["STARTER"] = product_create(
        actor=admin,
        code="STARTER",
        name="上云启动套餐",
        name_en="Cloud starter package",
        kind=ProductKind.SERVICE,
        family_id=families["SW"].pk,
        unit="套",
        tax_rate=Decimal("0.06"),
        is_bundle=True,
        components_priced=True,
        components=[
            ComponentIn(products["CLOUD-STD"].pk, Decimal(20)),
            ComponentIn(products["IMPL"].pk, Decimal(5)),
            ComponentIn(products["EDGE-BOX"].pk, Decimal(1), required=False),
        ],
    )
    start = date(today.year - 2, 1, 1)
    cny = [PriceIn(products[spec.code].pk, Decimal(spec.price)) for spec in PRODUCTS]
    # Volume tiers: from 50 users a seat costs less, from 200 less again.
    cloud = products["CLOUD-STD"].pk
    cny += [PriceIn(cloud, Decimal(1_080), Decimal(50)), PriceIn(cloud, Decimal(960), Decimal(200))]
    price_book_create(
        actor=admin, name="标准价目表 CNY list", currency="CNY", valid_from=start, entries=cny
    )
    usd = [PriceIn(products[s.code].pk, Decimal(s.price) / USD_RATE) for s in PRODUCTS]
    price_book_create(
        actor=admin,
        name="USD list",
        currency="USD",
        valid_from=start,
        entries=[PriceIn(p.product_id, p.unit_price.quantize(Decimal(1))) for p in usd],
    )
    distributors = customer_group_create(actor=admin, code="DIST", name="渠道分销商 Distributors")
    key_accounts = customer_group_create(actor=admin, code="KEY", name="重点客户 Key accounts")
    price_book_create(
        actor=admin,
        name="渠道价 Distributor prices",
        currency="CNY",
        valid_from=start,
        customer_group_id=distributors.pk,
        entries=[PriceIn(products[s.code].pk, Decimal(s.price) * 85 / 100) for s in PRODUCTS],
    )
    discount_rule_create(
        actor=admin, name="一般折扣 Standard", max_percent=Decimal(10), priority=100
    )
    discount_rule_create(
        actor=admin,
        name="软件批量 Software volume",
        family_id=families["SW"].pk,
        min_quantity=Decimal(100),
        percent=Decimal(5),
        max_percent=Decimal(15),
        priority=50,
    )
    discount_rule_create(
        actor=admin,
        name="重点客户 Key accounts",
        customer_group_id=key_accounts.pk,
        max_percent=Decimal(20),
        priority=40,
    )
    return products


def seed_quote_flow(*, admin: User) -> None:
    """A discount above its rule's maximum goes to the rep's manager."""
    approval_flow_create(
        actor=admin,
        document_type=QUOTE_TYPE,
        name="超限折扣 Discounts above the maximum",
        conditions={},
        steps=[
            {
                "approvers": [{"kind": "manager"}, {"kind": "role", "value": "sales_manager"}],
                "rule": "any",
                "deadline_hours": 24,
            }
        ],
    )


# (what happens to the quote, discount %, seats, implementation days, gateways)
QUOTE_STORIES = (
    ("draft", None, 30, 10, 0),
    ("draft", None, 120, 0, 2),
    ("approved", Decimal(5), 60, 15, 1),
    ("pending", Decimal(25), 200, 40, 4),
    ("accepted", None, 40, 20, 2),
    ("rejected", Decimal(8), 25, 10, 0),
)


def seed_quotes(*, rng: random.Random, products: dict[str, Product], today: date) -> int:
    """Recent quotes of the reps for customers without a contract yet.  -> quotes made."""
    customers = list(
        Customer.objects.filter(contracts__isnull=True, currency="CNY", owner__isnull=False)
        .select_related("owner")
        .order_by("code")[: len(QUOTE_STORIES)]
    )
    for customer, (story, discount, seats, days, boxes) in zip(
        customers, QUOTE_STORIES, strict=False
    ):
        rep = customer.owner
        assert rep is not None
        quote_date = today - timedelta(days=rng.randint(1, 20))
        quote = quote_create(
            actor=rep,
            customer_id=customer.pk,
            quote_date=quote_date,
            valid_until=quote_date + timedelta(days=30),
            payment_plan=[
                {"label": "预付款 Down payment", "percent": "30", "due_rule": "on_signing"},
                {
                    "label": "验收款 On acceptance",
                    "percent": "70",
                    "due_rule": "on_milestone",
                    "due_days": 30,
                    "milestone": "系统上线验收 Go-live acceptance",
                },
            ],
        )
        wanted = [("CLOUD-STD", seats), ("IMPL", days), ("EDGE-BOX", boxes)]
        quote_lines_set(
            actor=rep,
            quote_id=quote.pk,
            lines=[
                QuoteLineIn(
                    product_id=products[code].pk,
                    quantity=Decimal(quantity),
                    discount_percent=discount,
                )
                for code, quantity in wanted
                if quantity
            ],
        )
        if story == "draft":
            continue
        quote_submit(actor=rep, quote_id=quote.pk)
        if story == "accepted":
            quote_accept(actor=rep, quote_id=quote.pk)
        elif story == "rejected":
            quote_reject(
                actor=rep, quote_id=quote.pk, reason="预算推迟到明年 Budget moved to next year"
            )
    return len(customers)

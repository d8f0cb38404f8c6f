"""A small catalog: families, plain products, two bundles, price books and rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from cashloop.approvals.services import approval_flow_create
from cashloop.cpq import services
from cashloop.cpq.models import DiscountRule, PriceBook, Product, ProductFamily
from cashloop.customers.models import CustomerGroup

D = Decimal
ON = date(2026, 3, 2)


@dataclass
class Catalog:
    software: ProductFamily
    saas: ProductFamily
    license: Product
    seat: Product
    support: Product
    suite: Product  # bundle priced as one line
    kit: Product  # bundle priced by its components
    book: PriceBook
    distributors: CustomerGroup
    rule: DiscountRule


@pytest.fixture
def catalog(company) -> Catalog:
    admin = company.admin
    software = services.product_family_create(actor=admin, code="SW", name="软件")
    saas = services.product_family_create(
        actor=admin, code="SAAS", name="云服务", parent_id=software.pk
    )
    license_ = services.product_create(
        actor=admin,
        code="LIC",
        name="软件许可",
        tax_rate=D("0.13"),
        family_id=software.pk,
        unit="套",
    )
    seat = services.product_create(
        actor=admin, code="SEAT", name="云席位", tax_rate=D("0.06"), family_id=saas.pk, unit="个"
    )
    support = services.product_create(
        actor=admin, code="SUP", name="技术支持", tax_rate=D("0.06"), kind="service"
    )
    suite = services.product_create(
        actor=admin,
        code="SUITE",
        name="套件",
        tax_rate=D("0.13"),
        is_bundle=True,
        components=[
            services.ComponentIn(product_id=license_.pk, quantity=D(1)),
            services.ComponentIn(product_id=support.pk, quantity=D(2), required=False),
        ],
    )
    kit = services.product_create(
        actor=admin,
        code="KIT",
        name="组合",
        tax_rate=D("0.13"),
        is_bundle=True,
        components_priced=True,
        components=[
            services.ComponentIn(product_id=seat.pk, quantity=D(10)),
            services.ComponentIn(product_id=support.pk, quantity=D(1), required=False),
        ],
    )
    book = services.price_book_create(
        actor=admin,
        name="标准价 CNY",
        currency="CNY",
        valid_from=date(2026, 1, 1),
        entries=[
            services.PriceIn(product_id=license_.pk, unit_price=D("1000.00")),
            services.PriceIn(product_id=license_.pk, unit_price=D("900.00"), min_quantity=D(10)),
            services.PriceIn(product_id=seat.pk, unit_price=D("33.33")),
            services.PriceIn(product_id=support.pk, unit_price=D("500.00")),
            services.PriceIn(product_id=suite.pk, unit_price=D("1800.00")),
        ],
    )
    distributors = services.customer_group_create(actor=admin, code="DIST", name="经销商")
    rule = services.discount_rule_create(
        actor=admin, name="软件 5%", family_id=software.pk, percent=D(5), max_percent=D(10)
    )
    return Catalog(software, saas, license_, seat, support, suite, kit, book, distributors, rule)


@pytest.fixture
def flow(company):
    """Discounts more than 0% over the maximum go to the sales manager."""
    return approval_flow_create(
        actor=company.admin,
        document_type="cpq.quote",
        name="报价折扣审批",
        conditions={"field": "discount_over_max", "op": "gt", "value": "0"},
        steps=[{"approvers": [{"kind": "role", "value": "sales_manager"}], "rule": "any"}],
    )

"""Demo custom fields: what a company typically adds to its customers and opportunities."""

from __future__ import annotations

import random

from cashloop.customers.models import Customer
from cashloop.customfields.services import custom_field_create
from cashloop.identity.models import User

INDUSTRIES = (
    ("manufacturing", "制造业"),
    ("retail", "零售"),
    ("software", "软件与信息服务"),
    ("logistics", "物流"),
)


def seed_custom_fields(*, admin: User) -> None:
    custom_field_create(
        actor=admin,
        object_type="customers.customer",
        key="industry",
        label="行业",
        label_en="Industry",
        kind="choice",
        choices=[{"value": value, "label": label} for value, label in INDUSTRIES],
        section="档案 Profile",
    )
    custom_field_create(
        actor=admin,
        object_type="customers.customer",
        key="bank_account",
        label="开户行账号",
        label_en="Bank account",
        kind="text",
        pattern=r"[0-9 ]{8,30}",
        help_text="付款方账号，用于认款 Payer account, used to recognise payments",
        section="财务 Finance",
    )
    custom_field_create(
        actor=admin,
        object_type="sales.opportunity",
        key="competitor",
        label="竞争对手",
        label_en="Competitor",
        kind="text",
    )


def seed_custom_values(*, rng: random.Random) -> None:
    """Give most demo customers an industry, so that lists, filters and reports show one."""
    customers = list(Customer.objects.order_by("pk"))
    for customer in customers:
        if rng.random() < 0.8:
            customer.custom = {"industry": rng.choice(INDUSTRIES)[0]}
    Customer.objects.bulk_update(customers, ["custom"])

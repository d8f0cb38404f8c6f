"""Demo customers and contacts: Chinese and English names, mostly CNY, a few in USD."""

from __future__ import annotations

import random

from django.db import transaction

from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Contact, Customer, Tag
from cashloop.identity.models import User

CITIES = [
    "上海",
    "北京",
    "深圳",
    "杭州",
    "苏州",
    "南京",
    "广州",
    "成都",
    "武汉",
    "宁波",
    "无锡",
    "厦门",
]
WORDS = [
    "华信",
    "启明",
    "恒通",
    "瑞丰",
    "嘉禾",
    "星源",
    "远航",
    "同创",
    "博远",
    "鼎盛",
    "天成",
    "德润",
]
TRADES = ["科技", "贸易", "制造", "电子", "物流", "医疗器械", "软件", "新材料", "机械", "包装"]
EN_WORDS = ["Northwind", "Bluefin", "Harbor", "Summit", "Evergreen", "Pioneer", "Atlas", "Crescent"]
EN_TRADES = ["Trading", "Logistics", "Electronics", "Foods", "Instruments", "Systems"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]
EN_FIRST = ["Alice", "Brian", "Carol", "David", "Grace", "Henry", "Olivia", "Peter"]
EN_LAST = ["Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Taylor"]
TITLES = ["总经理", "采购经理", "财务经理", "技术总监", "行政主管", "Purchasing Manager", "CFO"]
TAGS = ["重点客户", "VIP", "制造业", "新客户", "Key account"]

SIZES = {"demo": 60, "large": 50_000}


def _tax_id(rng: random.Random) -> str:
    # Unified social credit codes are 18 characters; these are made up for the demo.
    return "91" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(16))


def _company(rng: random.Random, foreign: bool) -> tuple[str, str]:
    if foreign:
        name = f"{rng.choice(EN_WORDS)} {rng.choice(EN_TRADES)}"
        return name, f"{name} Co., Ltd."
    short = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(TRADES)}"
    return short, f"{short}有限公司"


def _person(rng: random.Random, foreign: bool) -> str:
    if foreign:
        return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


@transaction.atomic
def seed_customers(*, rng: random.Random, size: str, sellers: dict[str, list[User]]) -> int:
    """Create the demo's customers in bulk (seeding is set-up, not business activity)."""
    count = SIZES[size]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    team_keys = sorted(sellers)
    customers: list[Customer] = []
    foreign_flags: list[bool] = []
    for n in range(1, count + 1):
        team_key = rng.choice(team_keys)
        foreign = team_key == "overseas" or rng.random() < 0.05
        owner = rng.choice(sellers[team_key])
        name, legal = _company(rng, foreign)
        customers.append(
            Customer(
                code=f"C{n:06d}",
                name=name if count <= 1000 else f"{name} {n}",
                legal_name=legal,
                tax_id="" if foreign else _tax_id(rng),
                currency="USD" if foreign else "CNY",
                payment_terms_days=rng.choice([0, 15, 30, 30, 45, 60, 90]),
                owner=owner,
                team_id=owner.team_id,
                status=rng.choices(
                    [CustomerStatus.ACTIVE, CustomerStatus.PROSPECT, CustomerStatus.INACTIVE],
                    weights=[7, 2, 1],
                )[0],
            )
        )
        foreign_flags.append(foreign)
    Customer.objects.bulk_create(customers, batch_size=2000)

    contacts: list[Contact] = []
    links = []
    tag_through = Customer.tags.through
    for customer, foreign in zip(customers, foreign_flags, strict=True):
        for _ in range(rng.randint(1, 3)):
            phone = (
                f"+1 555 {rng.randint(1000000, 9999999)}"
                if foreign
                else f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}"
            )
            contacts.append(
                Contact(
                    customer=customer,
                    name=_person(rng, foreign),
                    title=rng.choice(TITLES),
                    phone=phone,
                    email=f"contact{len(contacts) + 1}@{customer.code.lower()}.example",
                )
            )
        if rng.random() < 0.3:
            links.append(tag_through(customer_id=customer.pk, tag_id=rng.choice(tags).pk))
    Contact.objects.bulk_create(contacts, batch_size=2000)
    tag_through.objects.bulk_create(links, batch_size=2000)
    return count

"""Demo customers and contacts: Chinese and English names, mostly CNY, a few in USD."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cashloop.core.bulkload import IdBlock, Writer, reset_id_sequences
from cashloop.customers.choices import CustomerStatus, InteractionKind
from cashloop.customers.matching import name_key, phone_key
from cashloop.customers.models import Contact, Customer, CustomerNameToken, Interaction, Tag
from cashloop.customers.services import customer_name_token_rows
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

SIZES = {"demo": 60, "large": 100_000}
# Interactions to make; None: two to five per customer.
INTERACTIONS: dict[str, int | None] = {"demo": None, "large": 1_000_000}

# Where the demo's overseas customers are, in turn (no random draw: the rest stays as seeded).
FOREIGN_COUNTRIES = ("US", "DE", "SG", "JP", "GB")


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
def seed_customers(
    *,
    rng: random.Random,
    size: str,
    sellers: dict[str, list[User]],
    count: int | None = None,
    interactions: int | None = None,
) -> int:
    """Create the demo's customers in bulk (seeding is set-up, not business activity).

    `count` and `interactions` override the size's numbers (quick runs of `large`)."""
    count = SIZES[size] if count is None else count
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    team_keys = sorted(sellers)
    customers: list[Customer] = []
    foreign_flags: list[bool] = []
    for n in range(1, count + 1):
        team_key = rng.choice(team_keys)
        foreign = team_key == "overseas" or rng.random() < 0.05
        owner = rng.choice(sellers[team_key])
        name, legal = _company(rng, foreign)
        name = name if count <= 1000 else f"{name} {n}"
        customers.append(
            Customer(
                code=f"C{n:06d}",
                name=name,
                name_key=name_key(name),
                legal_name=legal,
                tax_id="" if foreign else _tax_id(rng),
                currency="USD" if foreign else "CNY",
                country=FOREIGN_COUNTRIES[n % len(FOREIGN_COUNTRIES)] if foreign else "CN",
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
    CustomerNameToken.objects.bulk_create(customer_name_token_rows(customers), batch_size=5000)

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
                    phone_key=phone_key(phone),
                    email=f"contact{len(contacts) + 1}@{customer.code.lower()}.example",
                )
            )
        if rng.random() < 0.3:
            links.append(tag_through(customer_id=customer.pk, tag_id=rng.choice(tags).pk))
    Contact.objects.bulk_create(contacts, batch_size=2000)
    tag_through.objects.bulk_create(links, batch_size=2000)
    seed_interactions(
        rng=rng, customers=customers, contacts=contacts, size=size, count=interactions
    )
    return count


SUMMARIES = [
    "电话沟通续约事宜，客户表示预算已批",
    "拜访采购经理，介绍新产品线",
    "客户反馈上批货物包装破损，已登记",
    "催收逾期发票，客户承诺月底前付款",
    "Call about the renewal; they want a volume discount",
    "Demo of the new instruments for their engineers",
]
NEXT_STEPS = ["发送报价单", "安排技术交流", "确认付款日期", "Send the revised quote", "寄送样品"]


def _picks(rng: random.Random, customers: list[Customer], count: int | None) -> Iterator[Customer]:
    """The customer of each interaction to make, in the order they are made.

    By default a few per customer; with `count`, that many spread unevenly (a long-tailed
    weight per customer), so that some customers have long histories as real ones do.
    """
    if count is None:
        for customer in customers:
            yield from [customer] * rng.randint(2, 5)
        return
    weights = [rng.paretovariate(1.2) for _ in customers]
    yield from rng.choices(customers, weights=weights, k=count)


def seed_interactions(
    *,
    rng: random.Random,
    customers: list[Customer],
    contacts: list[Contact],
    size: str,
    today: date | None = None,
    count: int | None = None,
) -> int:
    """Interactions over the last months (`count` of them, else a few per customer); about
    a third with a next step, some of those overdue, some done.  Written in bulk
    (`core.bulkload`: COPY on PostgreSQL) with explicit ids, which the contact links need."""
    today = today or timezone.localdate()
    now = timezone.localtime()
    count = INTERACTIONS[size] if count is None else count
    people: dict[int, list[int]] = {}
    for contact in contacts:
        people.setdefault(contact.customer_id, []).append(contact.pk)
    ids = IdBlock(Interaction)
    links: list[tuple[int, int]] = []

    def rows() -> Iterator[tuple]:
        for customer in _picks(rng, customers, count):
            days_ago = rng.randint(0, 90)
            occurred = (now - timedelta(days=days_ago)).replace(
                hour=rng.randint(9, 17), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0
            )
            step, due, done = "", None, False
            if rng.random() < 0.45:
                step = rng.choice(NEXT_STEPS)
                # Recent steps are mostly still ahead; old ones mostly done, a few overdue.
                recent = days_ago <= 21
                due = today + timedelta(days=rng.randint(-5, 14)) if recent else None
                due = due or today - timedelta(days=days_ago - rng.randint(1, 21))
                done = due < today and rng.random() < (0.2 if recent else 0.7)
            kind = rng.choice(InteractionKind.values)
            pk = ids.next()
            if people.get(customer.pk) and kind != InteractionKind.NOTE:
                links.append((pk, rng.choice(people[customer.pk])))
            yield (
                pk, customer.pk, kind, min(occurred, now), rng.choice(SUMMARIES), step, due, done,
                customer.owner_id,
            )  # fmt: skip

    made = Writer(
        Interaction,
        [
            "id", "customer_id", "kind", "occurred_at", "summary", "next_step", "next_step_date",
            "next_step_done", "author_id",
        ],
    ).write(rows())  # fmt: skip
    Writer(Interaction.contacts.through, ["interaction_id", "contact_id"]).write(links)
    reset_id_sequences(Interaction, Interaction.contacts.through)
    # The seed runs on an empty database: one statement fills every customer's latest.
    latest = Interaction.objects.filter(customer=OuterRef("pk")).order_by("-occurred_at")
    Customer.objects.update(last_interaction_at=Subquery(latest.values("occurred_at")[:1]))
    return made

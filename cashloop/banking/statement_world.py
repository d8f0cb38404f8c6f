"""A realistic world to measure the matching engine on: customers with Chinese and
English names, their issued invoices, remembered payer accounts, and statement lines
of every kind a finance team sees, each with the answer it should get.

Used by the accuracy test (a thousand lines) and by bench/matching_accuracy.py (ten
thousand: more invoices per customer, `invoices=`); `right()` says whether a proposal is
the answer a line should get.

Kinds of line: one invoice quoted (spelled many ways), several invoices quoted at once,
no reference but a known payer name or account, a customer code, partial payments,
overpayments, bank charges, early-payment discounts, references with a typo, English
names of Chinese companies, and lines that are not customer payments at all.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from cashloop.banking.matching import Proposal
from cashloop.banking.models import BankAccount, PayerAccount, StatementLine
from cashloop.customers.matching import name_key
from cashloop.customers.models import Customer, CustomerNameToken
from cashloop.customers.services import customer_name_token_rows
from cashloop.identity.models import User
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import (
    InstallmentIn,
    InvoiceIn,
    LineIn,
    invoice_create_many,
    invoice_issue_many,
)

D = Decimal
CITIES = [
    ("上海", "Shanghai"),
    ("北京", "Beijing"),
    ("深圳", "Shenzhen"),
    ("杭州", "Hangzhou"),
    ("广州", "Guangzhou"),
    ("成都", "Chengdu"),
    ("武汉", "Wuhan"),
    ("南京", "Nanjing"),
]
BRANDS = [
    ("星河", "Xinghe"),
    ("明月", "Mingyue"),
    ("海风", "Haifeng"),
    ("青山", "Qingshan"),
    ("瑞丰", "Ruifeng"),
    ("华晟", "Huasheng"),
    ("金桥", "Jinqiao"),
    ("远航", "Yuanhang"),
    ("东方", "Dongfang"),
    ("恒通", "Hengtong"),
    ("博雅", "Boya"),
    ("天成", "Tiancheng"),
    ("嘉禾", "Jiahe"),
    ("鼎盛", "Dingsheng"),
    ("安泰", "Antai"),
    ("润达", "Runda"),
]
TRADES = [
    ("科技", "Technology"),
    ("贸易", "Trading"),
    ("电子", "Electronics"),
    ("机械", "Machinery"),
    ("医药", "Pharmaceutical"),
    ("物流", "Logistics"),
]
ISSUED = date(2026, 2, 2)
PAID = date(2026, 2, 12)


@dataclass
class Truth:
    kind: str
    customer_id: int | None
    installments: set[int] = field(default_factory=set)


@dataclass
class World:
    lines: list[StatementLine]
    truth: dict[int, Truth]


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _spell(number: str, rng: random.Random) -> str:
    """An invoice number as payers write it."""
    series, year, n = number.split("-")
    return rng.choice(
        [
            number,
            number.lower(),
            f"{series} {year} {n}",
            f"{series}{year}{n}",
            f"{series.lower()}-{year}-{int(n)}",
            _wide(number),
        ]
    )


def _payer(customer: Customer, english: str, rng: random.Random) -> str:
    base = customer.name.removesuffix("有限公司")
    return rng.choice(
        [
            customer.name,
            base,
            base + "有限责任公司",
            base[2:],  # without the city
            english.upper(),
            english,
        ]
    )


def right(proposal: Proposal, truth: Truth) -> bool:
    """Whether `proposal` is the answer the line of `truth` should get."""
    if truth.customer_id is None or proposal.customer_id != truth.customer_id:
        return False
    taken = {pk for pk, _amount in proposal.allocations}
    if truth.kind == "partial":
        return bool(taken) and taken <= truth.installments
    if truth.kind in ("name_only", "account_only", "code", "english"):
        return taken == truth.installments or not taken - truth.installments
    return taken == truth.installments


def build(
    actor: User,
    bank: BankAccount,
    *,
    customers: int = 120,
    lines: int = 1000,
    seed: int = 7,
    invoices: tuple[int, int] = (3, 8),
) -> World:
    """`customers` (at most 768 distinct names) with `invoices` (low, high) issued
    invoices each, and `lines` statement lines on `bank` with their truth."""
    rng = random.Random(seed)
    names = [(c, b, t) for c in CITIES for b in BRANDS for t in TRADES]
    rng.shuffle(names)
    made, english = [], {}
    for n, ((city, city_en), (brand, brand_en), (trade, trade_en)) in enumerate(names[:customers]):
        name = f"{city}{brand}{trade}有限公司"
        made.append(
            Customer(
                code=f"K{n:04d}",
                name=name,
                name_key=name_key(name),
                legal_name=f"{city_en} {brand_en} {trade_en} Co., Ltd.",
                currency="CNY",
                owner=actor,
            )
        )
    made = Customer.objects.bulk_create(made)
    CustomerNameToken.objects.bulk_create(customer_name_token_rows(made))
    for customer in made:
        english[customer.pk] = customer.legal_name
    drafts = []
    for customer in made:
        for _k in range(rng.randint(*invoices)):
            gross = D(rng.randint(200, 90000)) + D(rng.choice([0, 0, 50, 88])) / 100
            discount = rng.random() < 0.1
            drafts.append(
                InvoiceIn(
                    customer_id=customer.pk,
                    issue_date=ISSUED - timedelta(days=rng.randint(0, 60)),
                    lines=[LineIn("服务费 Services", D(1), gross, D(0))],
                    installments=[
                        InstallmentIn(
                            due_days=rng.choice([15, 30, 45]),
                            discount_percent=D(2) if discount else D(0),
                            discount_days=30 if discount else 0,
                        )
                    ],
                )
            )
    created = invoice_create_many(actor=actor, invoices=drafts)
    invoice_issue_many(actor=actor, invoice_ids=[i.pk for i in created])
    invoices: dict[int, list[Invoice]] = {}
    for invoice in Invoice.objects.prefetch_related("installments").order_by("pk"):
        invoices.setdefault(invoice.customer_id, []).append(invoice)
    accounts = {}
    for customer in made[: customers // 3]:
        accounts[customer.pk] = f"6222{rng.randint(10**11, 10**12 - 1)}"
        PayerAccount.objects.create(
            account_number=accounts[customer.pk], customer=customer, confirmed=rng.randint(1, 6)
        )
    by_id = {c.pk: c for c in made}
    rows, truth = [], []
    used: set[int] = set()

    def fresh(customer_id: int, count: int = 1) -> list[Invoice] | None:
        free = [i for i in invoices.get(customer_id, []) if i.pk not in used]
        if len(free) < count:
            return None
        chosen = rng.sample(free, count)
        used.update(i.pk for i in chosen)
        return chosen

    kinds = [
        ("invoice", 30),
        ("several", 8),
        ("name_only", 12),
        ("account_only", 8),
        ("code", 6),
        ("partial", 6),
        ("over", 5),
        ("fee", 6),
        ("discount", 3),
        ("typo", 4),
        ("english", 6),
        ("unrelated", 6),
    ]
    population = [k for k, w in kinds for _ in range(w)]
    attempts = 0
    while len(rows) < lines and attempts < lines * 5:
        attempts += 1
        kind = rng.choice(population)
        customer = rng.choice(made)
        payer, account, reference = _payer(customer, english[customer.pk], rng), "", ""
        expected: set[int] = set()
        if kind == "unrelated":
            amount = D(rng.randint(1, 5000)) + D(rng.randint(0, 99)) / 100
            payer = rng.choice(["中国工商银行", "国家税务总局", "个人 张三", "ALIPAY REFUND", ""])
            reference = rng.choice(["结息", "退税", "转账", "利息收入", "往来款"])
            rows.append((amount, payer, account, reference))
            truth.append(Truth(kind, None))
            continue
        count = 2 if kind == "several" and rng.random() < 0.7 else 3 if kind == "several" else 1
        chosen = fresh(customer.pk, count)
        if chosen is None:
            continue
        items = [inst for invoice in chosen for inst in invoice.installments.all()]
        total = sum((inst.residual for inst in items), D(0))
        expected = {inst.pk for inst in items}
        amount = total
        if kind in ("invoice", "several", "partial", "over", "fee", "discount"):
            reference = "货款 " + " ".join(_spell(i.number, rng) for i in chosen)
        if kind == "code":
            reference = f"{customer.code} 付款"
        if kind == "account_only":
            if customer.pk not in accounts:
                used.difference_update(i.pk for i in chosen)
                continue
            account, payer = accounts[customer.pk], rng.choice(["", payer])
        if kind == "english":
            payer = english[customer.pk].upper()
        if kind == "partial":
            amount = (total * D(rng.choice(["0.3", "0.5", "0.7"]))).quantize(D("0.01"))
        if kind == "over":
            amount = total + D(rng.randint(10, 2000))
        if kind == "fee":
            amount = total - D(rng.choice([5, 10, 15, 20, 25]))
        if kind == "discount":
            discounts = sum((inst.discount_amount for inst in items), D(0))
            if not discounts:
                used.difference_update(i.pk for i in chosen)
                continue
            amount = total - discounts
        if kind == "typo":
            number = chosen[0].number
            wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
            reference = f"货款 {wrong}"
        rows.append((amount, payer, account, reference))
        truth.append(Truth(kind, customer.pk, expected))
    lines_made = StatementLine.objects.bulk_create(
        [
            StatementLine(
                bank_account=bank,
                booking_date=PAID,
                amount=amount,
                currency="CNY",
                payer_name=payer,
                payer_account=account,
                reference=reference,
                fingerprint=hashlib.sha256(f"{seed}:{n}".encode()).hexdigest(),
                sequence=n,
            )
            for n, (amount, payer, account, reference) in enumerate(rows)
        ]
    )
    del by_id
    return World(lines_made, {line.pk: t for line, t in zip(lines_made, truth, strict=True)})

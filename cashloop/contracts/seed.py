"""Demo contracts: a year of them, whose payment plans generated the demo's invoices.

Half the customers subscribe (cloud seats and support, earned over the year, billed
monthly); the others bought a project (implementation earned at the customer's go-live
acceptance, gateways earned when invoiced; 30% at signing, 60% thirty days after
acceptance, 10% retention a year on).  Finance activates them, the billing task runs on
every day a plan item fell due, and recognition runs month by month, so the invoices the
customers pay (`receivables.seed`) are the ones their plans made, and the ledger, the
contracts and `verify` agree from the first start.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import PlanDueRule
from cashloop.contracts.models import Contract, Milestone, PlanItem
from cashloop.contracts.recognition import revenue_recognition_run
from cashloop.contracts.services import (
    ContractLineIn,
    MilestoneIn,
    PlanItemIn,
    contract_activate,
    contract_create,
    contract_milestone_accept,
)
from cashloop.core.dates import add_months
from cashloop.cpq.models import Product
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.seed import USD_RATES

USD_DIVISOR = 7
MONTH_PERCENT = Decimal("8.3333")
HUNDRED = Decimal(100)


def _price(product: Product, customer: Customer, cny: int) -> Decimal:
    price = Decimal(cny)
    if customer.currency == "USD":
        price = (price / USD_DIVISOR).quantize(Decimal(1))
    return price


def _line(product: Product, customer: Customer, cny: int, quantity: int, **kw) -> ContractLineIn:
    return ContractLineIn(
        product_id=product.pk,
        description=product.name,
        quantity=Decimal(quantity),
        unit_price=_price(product, customer, cny),
        tax_rate=product.tax_rate,
        unit=product.unit,
        recognition=product.recognition,
        **kw,
    )


def _subscription(
    *, rng: random.Random, actor: User, customer: Customer, products: dict[str, Product], day0: date
) -> Contract:
    end = add_months(day0, 12) - timedelta(days=1)
    period = {"service_start": day0, "service_end": end}
    lines = [
        _line(products["CLOUD-STD"], customer, 1_200, rng.randint(10, 80), **period),
        _line(products["SUPPORT"], customer, 18_000, 1, **period),
    ]
    # Twelve equal months: 11 x 8.3333% + 8.3337% is exactly 100%.
    percents = [MONTH_PERCENT] * 11 + [HUNDRED - MONTH_PERCENT * 11]
    plan = [
        PlanItemIn(
            label=f"{month + 1}/12",
            percent=percent,
            due_rule=PlanDueRule.FIXED_DATE,
            fixed_date=add_months(day0, month),
        )
        for month, percent in enumerate(percents)
    ]
    return contract_create(
        actor=actor,
        customer_id=customer.pk,
        title=f"{customer.name} 云平台年度订阅",
        start_date=day0,
        end_date=end,
        signing_date=day0,
        owner_id=customer.owner_id,
        rate=rng.choice(USD_RATES) if customer.currency == "USD" else None,
        lines=lines,
        plan=plan,
    )


def _project(
    *, rng: random.Random, actor: User, customer: Customer, products: dict[str, Product], day0: date
) -> Contract:
    lines = [
        _line(products["IMPL"], customer, 2_500, rng.randint(20, 60), milestone_position=1),
        _line(products["EDGE-BOX"], customer, 9_800, rng.randint(1, 5)),
    ]
    milestones = [
        MilestoneIn(name="系统上线验收 Go-live acceptance", planned_date=day0 + timedelta(75))
    ]
    plan = [
        PlanItemIn(label="预付款 Down payment", percent=Decimal(30)),
        PlanItemIn(
            label="验收款 On acceptance",
            percent=Decimal(60),
            due_rule=PlanDueRule.ON_MILESTONE,
            due_days=30,
            milestone_position=1,
        ),
        PlanItemIn(
            label="质保金 Retention",
            percent=Decimal(10),
            due_rule=PlanDueRule.FIXED_DATE,
            fixed_date=day0 + timedelta(days=365),
        ),
    ]
    return contract_create(
        actor=actor,
        customer_id=customer.pk,
        title=f"{customer.name} 实施项目",
        start_date=day0,
        end_date=day0 + timedelta(days=365),
        signing_date=day0,
        owner_id=customer.owner_id,
        rate=rng.choice(USD_RATES) if customer.currency == "USD" else None,
        lines=lines,
        plan=plan,
        milestones=milestones,
    )


def seed_contracts(
    *, rng: random.Random, size: str, products: dict[str, Product], today: date
) -> int:
    """A year of contracts for the active customers, billed and recognised.  -> invoices."""
    if size != "demo":
        return 0
    finance = User.objects.filter(roles__code="finance").order_by("pk").first()
    if finance is None:
        return 0
    customers = Customer.objects.filter(status="active", owner__isnull=False).order_by("code")
    for n, customer in enumerate(customers.select_related("owner")[:30]):
        day0 = today - timedelta(days=360 - rng.randint(0, 40))
        make = _subscription if n % 2 == 0 else _project
        assert customer.owner is not None
        contract = make(
            rng=rng, actor=customer.owner, customer=customer, products=products, day0=day0
        )
        contract_activate(actor=finance, contract_id=contract.pk)
    for milestone in Milestone.objects.order_by("pk"):
        assert milestone.planned_date is not None
        accepted = milestone.planned_date + timedelta(days=rng.randint(-10, 25))
        if accepted < today - timedelta(days=5):
            contract_milestone_accept(
                actor=finance, milestone_id=milestone.pk, actual_date=accepted
            )
    invoices = 0
    due_days = PlanItem.objects.filter(due_date__lte=today).values_list("due_date", flat=True)
    for day in sorted(set(due_days)):
        invoices += len(contract_invoices_generate(actor=finance, on=day))
    starts = Contract.objects.values_list("start_date", flat=True)
    month = min(starts, default=today).replace(day=1)
    while add_months(month, 1) <= today:
        revenue_recognition_run(actor=finance, period=month)
        month = add_months(month, 1)
    return invoices

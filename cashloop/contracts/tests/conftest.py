"""Contracts made through the services: a milestone plan, and an accepted quote."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.contracts.choices import MilestoneKind, PlanDueRule
from cashloop.contracts.services import (
    ContractLineIn,
    MilestoneIn,
    PlanItemIn,
    contract_create,
)
from cashloop.cpq.choices import QuoteStatus
from cashloop.cpq.models import Quote, QuoteLine
from cashloop.cpq.tests.conftest import catalog  # noqa: F401 (CPQ's catalog fixture)

D = Decimal
SIGNED = date(2026, 3, 10)


def lines_in() -> list[ContractLineIn]:
    """Net 10,000.00 + 1,000.00, tax 1,300.00 + 60.00: total 12,360.00."""
    return [
        ContractLineIn(None, "实施服务", D("10"), D("1000.00"), D("0.13")),
        ContractLineIn(None, "培训", D("2"), D("500.00"), D("0.06")),
    ]


def milestone_plan() -> list[PlanItemIn]:
    return [
        PlanItemIn("预付款", percent=D("30"), due_rule=PlanDueRule.ON_SIGNING, due_days=10),
        PlanItemIn(
            "验收款",
            percent=D("60"),
            due_rule=PlanDueRule.ON_MILESTONE,
            due_days=15,
            milestone_position=1,
        ),
        PlanItemIn("尾款", percent=D("10"), due_rule=PlanDueRule.END_OF_MONTH, due_days=5),
    ]


@pytest.fixture
def draft(company, customers):
    """rep_east's draft of 12,360.00 with a milestone plan, signed on 10 March 2026."""
    return contract_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        title="ERP 实施",
        start_date=date(2026, 3, 1),
        end_date=date(2027, 2, 28),
        signing_date=SIGNED,
        lines=lines_in(),
        plan=milestone_plan(),
        milestones=[MilestoneIn("上线验收", MilestoneKind.ACCEPTANCE, date(2026, 6, 30))],
    )


@pytest.fixture
def accepted_quote(company, customers):
    """An accepted quote: a priced line, a bundle component at zero, a milestone plan."""
    quote = Quote.objects.create(
        number="QUO-2026-000001",
        customer=customers["rep_east"],
        status=QuoteStatus.ACCEPTED,
        currency="CNY",
        quote_date=date(2026, 3, 1),
        valid_until=date(2026, 3, 31),
        owner=company.rep_east,
        team=company.east,
        subtotal=D("2000.00"),
        tax_total=D("260.00"),
        total=D("2260.00"),
        payment_plan=[
            {
                "label": "首付",
                "percent": "50",
                "amount": None,
                "due_rule": "on_signing",
                "due_days": 0,
                "fixed_date": None,
                "milestone": "",
                "discount_percent": "0",
                "discount_days": 0,
            },
            {
                "label": "验收",
                "percent": None,
                "amount": "1130.00",
                "due_rule": "on_milestone",
                "due_days": 30,
                "fixed_date": None,
                "milestone": "终验",
                "discount_percent": "0",
                "discount_days": 0,
            },
        ],
    )
    bundle = QuoteLine.objects.create(
        quote=quote,
        position=1,
        description="套件",
        quantity=D(2),
        unit_price=D("1000.00"),
        tax_rate=D("0.13"),
        net=D("2000.00"),
        tax=D("260.00"),
        total=D("2260.00"),
    )
    QuoteLine.objects.create(
        quote=quote,
        position=2,
        parent=bundle,
        description="软件许可",
        quantity=D(2),
        unit_price=D(0),
        tax_rate=D("0.13"),
    )
    QuoteLine.objects.create(
        quote=quote,
        position=3,
        description="可选支持",
        quantity=D(1),
        unit_price=D("500.00"),
        tax_rate=D("0.06"),
        optional=True,
        included=False,
    )
    return quote

"""Contracts as rows, for the recognition and key-date tests.

These tests need active contracts with lines, milestones and a payment plan in a known
state, not the path that leads there (that is the contracts core's own tests), so the
rows are written directly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cashloop.contracts.choices import (
    ContractStatus,
    MilestoneKind,
    MilestoneStatus,
    PlanDueRule,
    PlanItemStatus,
)
from cashloop.contracts.models import Contract, ContractLine, Milestone, PlanItem
from cashloop.core.money import quantize
from cashloop.cpq.choices import Recognition

TAX = Decimal("0.13")


def contract_make(
    *,
    customer,
    number: str = "HT-2026-0001",
    title: str = "ERP 实施",
    start: date = date(2026, 1, 1),
    end: date | None = date(2026, 12, 31),
    currency: str = "CNY",
    rate: Decimal = Decimal(1),
    status: str = ContractStatus.ACTIVE,
    renewal_notice_days: int = 30,
) -> Contract:
    return Contract.objects.create(
        number=number,
        title=title,
        customer=customer,
        status=status,
        signing_date=start,
        start_date=start,
        end_date=end,
        renewal_notice_days=renewal_notice_days,
        currency=currency,
        rate=rate,
        owner=customer.owner,
        team=customer.team,
    )


def milestone_add(
    contract: Contract,
    *,
    name: str = "上线验收",
    planned: date = date(2026, 3, 31),
    accepted: date | None = None,
    kind: str = MilestoneKind.ACCEPTANCE,
) -> Milestone:
    return Milestone.objects.create(
        contract=contract,
        position=contract.milestones.count() + 1,
        name=name,
        kind=kind,
        planned_date=planned,
        actual_date=accepted,
        status=MilestoneStatus.ACCEPTED if accepted else MilestoneStatus.PLANNED,
        percent_delivered=100 if accepted else 0,
    )


def line_add(
    contract: Contract,
    *,
    net: str,
    recognition: str = Recognition.RATABLY,
    service_start: date | None = None,
    service_end: date | None = None,
    milestone: Milestone | None = None,
    description: str = "年度服务",
    revenue_account=None,
    product=None,
) -> ContractLine:
    amount = Decimal(net)
    tax = quantize(amount * TAX, contract.currency)
    line = ContractLine.objects.create(
        contract=contract,
        position=contract.lines.count() + 1,
        description=description,
        quantity=1,
        unit_price=amount,
        tax_rate=TAX,
        net=amount,
        tax=tax,
        total=amount + tax,
        recognition=recognition,
        service_start=service_start,
        service_end=service_end,
        milestone=milestone,
        revenue_account=revenue_account,
        product=product,
    )
    contract.subtotal += line.net
    contract.tax_total += line.tax
    contract.total += line.total
    contract.save(update_fields=["subtotal", "tax_total", "total"])
    return line


def plan_add(
    contract: Contract,
    *,
    due: date | None,
    amount: Decimal | None = None,
    milestone: Milestone | None = None,
    status: str = PlanItemStatus.SCHEDULED,
    label: str = "",
) -> PlanItem:
    """One installment; without an amount, what is left of the total."""
    if amount is None:
        amount = contract.total - sum(p.amount for p in contract.plan.all())
    return PlanItem.objects.create(
        contract=contract,
        sequence=contract.plan.count() + 1,
        label=label,
        amount=amount,
        due_rule=PlanDueRule.ON_MILESTONE if milestone else PlanDueRule.FIXED_DATE,
        fixed_date=None if milestone else due,
        milestone=milestone,
        due_date=due,
        status=status,
    )

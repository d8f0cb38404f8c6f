"""Recognition after the real path: drafted, activated, billed into 合同负债, then earned."""

from datetime import date
from decimal import Decimal

from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import PlanDueRule
from cashloop.contracts.models import Contract
from cashloop.contracts.recognition import revenue_recognition_run, revenue_schedule_get
from cashloop.contracts.services import (
    ContractLineIn,
    MilestoneIn,
    PlanItemIn,
    contract_activate,
    contract_create,
    contract_milestone_accept,
)
from cashloop.cpq.choices import Recognition
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalLine
from tests.ledger_check import assert_verified


def deferred_balance() -> Decimal:
    lines = JournalLine.objects.filter(account__role=AccountRole.DEFERRED_REVENUE)
    return sum((line.amount for line in lines), Decimal(0))


def test_billed_revenue_waits_in_contract_liabilities_until_it_is_earned(company, customers):
    # given: an implementation earned at acceptance and support earned over six months
    contract = contract_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        title="ERP 实施与运维",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 6, 30),
        signing_date=date(2026, 1, 1),
        lines=[
            ContractLineIn(
                product_id=None,
                description="实施",
                quantity=Decimal(1),
                unit_price=Decimal(1000),
                tax_rate=Decimal("0.13"),
                recognition=Recognition.AT_MILESTONE,
                milestone_position=1,
            ),
            ContractLineIn(
                product_id=None,
                description="运维",
                quantity=Decimal(1),
                unit_price=Decimal(600),
                tax_rate=Decimal("0.13"),
                recognition=Recognition.RATABLY,
                service_start=date(2026, 1, 1),
                service_end=date(2026, 6, 30),
            ),
        ],
        plan=[
            PlanItemIn(label="首付款", percent=Decimal(50), due_rule=PlanDueRule.ON_SIGNING),
            PlanItemIn(
                label="验收款",
                percent=Decimal(50),
                due_rule=PlanDueRule.ON_MILESTONE,
                milestone_position=1,
            ),
        ],
        milestones=[MilestoneIn(name="上线验收", planned_date=date(2026, 3, 31))],
    )
    contract_activate(actor=company.manager_east, contract_id=contract.pk)
    # when: half is billed in January, and January is recognised
    contract_invoices_generate(actor=company.finance, on=date(2026, 1, 5))
    january = revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))
    # then: 800 billed into 合同负债, 100 of support earned out of it
    assert [r.amount for r in january] == [Decimal("100.00")]
    assert deferred_balance() == Decimal("-700.00")
    assert_verified()

    # when: the milestone is accepted in March and billed, and March is recognised
    milestone = contract.milestones.get()
    contract_milestone_accept(
        actor=company.rep_east, milestone_id=milestone.pk, actual_date=date(2026, 3, 20)
    )
    contract_invoices_generate(actor=company.finance, on=date(2026, 3, 25))
    march = revenue_recognition_run(actor=company.finance, period=date(2026, 3, 1))
    # then: the implementation at once, support for February and March
    assert sorted(r.amount for r in march) == [Decimal("200.00"), Decimal("1000.00")]
    assert deferred_balance() == Decimal("-300.00")

    # when: June is recognised, the service period is over
    revenue_recognition_run(actor=company.finance, period=date(2026, 6, 1))
    # then: everything billed has been earned; 合同负债 is empty
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.recognised == contract.subtotal == Decimal("1600.00")
    assert deferred_balance() == 0
    schedule = revenue_schedule_get(user=company.rep_east, contract_id=contract.pk)
    assert schedule.deferred == 0 and schedule.planned == 0
    assert_verified()

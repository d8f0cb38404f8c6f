"""Revenue recognition: the monthly run moves earned revenue from 合同负债 to revenue."""

from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cashloop.contracts import tasks
from cashloop.contracts.choices import ContractStatus, MilestoneStatus
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract, ContractLine, RevenueRecognition
from cashloop.contracts.recognition import (
    add_months,
    line_earned,
    revenue_recognition_run,
    revenue_schedule_get,
)
from cashloop.contracts.tests.recognition_data import (
    contract_make,
    line_add,
    milestone_add,
    plan_add,
)
from cashloop.core.errors import CoreError, DomainError
from cashloop.cpq.choices import Recognition
from cashloop.cpq.models import Product
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account, JournalEntry, JournalLine
from tests.ledger_check import assert_verified

SHANGHAI = ZoneInfo("Asia/Shanghai")


def balance(role: AccountRole) -> Decimal:
    return sum((line.amount for line in JournalLine.objects.filter(account__role=role)), Decimal(0))


@pytest.fixture
def ratable(customers):
    """100.00 net earned over January to March 2026."""
    contract = contract_make(customer=customers["rep_east"])
    line = line_add(
        contract, net="100.00", service_start=date(2026, 1, 1), service_end=date(2026, 3, 31)
    )
    plan_add(contract, due=date(2026, 1, 15))
    return contract, line


def test_a_ratable_line_earns_whole_months_and_the_last_takes_the_remainder(company, ratable):
    contract, line = ratable
    # when
    january = revenue_recognition_run(actor=company.finance, period=date(2026, 1, 20))
    february = revenue_recognition_run(actor=company.finance, period=date(2026, 2, 1))
    march = revenue_recognition_run(actor=company.finance, period=date(2026, 3, 31))
    april = revenue_recognition_run(actor=company.finance, period=date(2026, 4, 1))
    # then
    assert [r.amount for r in january + february + march] == [
        Decimal("33.33"),
        Decimal("33.34"),
        Decimal("33.33"),
    ]
    assert april == []
    assert [r.period for r in RevenueRecognition.objects.order_by("period")] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    line.refresh_from_db()
    contract.refresh_from_db()
    assert line.recognised == contract.recognised == Decimal("100.00")
    entry = JournalEntry.objects.get(idempotency_key=f"recognition:{contract.pk}:2026-02")
    assert entry.date == date(2026, 2, 28)
    lines = {(jl.account.role, jl.amount) for jl in entry.lines.select_related("account")}
    assert lines == {
        (AccountRole.DEFERRED_REVENUE, Decimal("33.34")),
        (AccountRole.REVENUE, Decimal("-33.34")),
    }
    # Nothing was billed: the earned revenue left 合同负债 in debit (a contract asset).
    assert balance(AccountRole.DEFERRED_REVENUE) == Decimal("100.00")
    assert balance(AccountRole.REVENUE) == Decimal("-100.00")
    assert_verified()


def test_running_a_month_twice_posts_nothing_twice(company, ratable):
    contract, _line = ratable
    first = revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))
    entries = JournalEntry.objects.count()
    # when
    again = revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))
    # then
    assert len(first) == 1 and again == []
    assert JournalEntry.objects.count() == entries
    contract.refresh_from_db()
    assert contract.recognised == Decimal("33.33")
    assert_verified()


def test_a_missed_month_is_caught_up_and_an_earlier_month_is_not_posted_after(company, ratable):
    contract, _line = ratable
    # when: February is the first run
    rows = revenue_recognition_run(actor=company.finance, period=date(2026, 2, 1))
    late = revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))
    # then
    assert [r.amount for r in rows] == [Decimal("66.67")]
    assert late == []
    contract.refresh_from_db()
    assert contract.recognised == Decimal("66.67")
    assert_verified()


def test_a_milestone_line_earns_its_net_in_the_month_of_acceptance(company, customers):
    contract = contract_make(customer=customers["rep_east"])
    milestone = milestone_add(contract, planned=date(2026, 3, 31))
    line = line_add(
        contract, net="500.00", recognition=Recognition.AT_MILESTONE, milestone=milestone
    )
    plan_add(contract, due=None, milestone=milestone)
    # not accepted yet: nothing earned
    assert revenue_recognition_run(actor=company.finance, period=date(2026, 3, 1)) == []
    # accepted in April
    milestone.status = MilestoneStatus.ACCEPTED
    milestone.actual_date = date(2026, 4, 10)
    milestone.save()
    assert revenue_recognition_run(actor=company.finance, period=date(2026, 3, 1)) == []
    rows = revenue_recognition_run(actor=company.finance, period=date(2026, 4, 1))
    assert [(r.line_id, r.amount) for r in rows] == [(line.pk, Decimal("500.00"))]
    assert JournalEntry.objects.get(idempotency_key=f"recognition:{contract.pk}:2026-04")
    assert_verified()


def test_one_entry_per_contract_credits_each_lines_revenue_account(company, customers):
    other = Account.objects.get(code="6051")
    service = Account.objects.create(
        code="6001.01", name_zh="服务收入", name_en="Service revenue", type="revenue"
    )
    product = Product.objects.create(
        code="SVC", name="服务", tax_rate="0.06", revenue_account=service
    )
    contract = contract_make(customer=customers["rep_east"])
    jan = {"service_start": date(2026, 1, 1), "service_end": date(2026, 1, 31)}
    line_add(contract, net="10.00", revenue_account=other, **jan)
    line_add(contract, net="20.00", product=product, **jan)
    line_add(contract, net="30.00", **jan)
    line_add(contract, net="40.00", **jan)
    line_add(contract, net="50.00", recognition=Recognition.AT_INVOICING)
    plan_add(contract, due=date(2026, 1, 31))
    # when
    rows = revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))
    # then
    assert len(rows) == 4
    entry = JournalEntry.objects.get()
    credits = {jl.account.code: jl.amount for jl in entry.lines.select_related("account")}
    assert credits == {
        "2204": Decimal("100.00"),
        "6051": Decimal("-10.00"),
        "6001.01": Decimal("-20.00"),
        "6001": Decimal("-70.00"),
    }
    contract.refresh_from_db()
    assert contract.recognised == Decimal("100.00")
    assert_verified()


def test_a_foreign_currency_contract_posts_base_amounts_that_end_exactly(company, customers):
    contract = contract_make(customer=customers["rep_east"], currency="USD", rate=Decimal("7.1234"))
    line = line_add(
        contract, net="1000.00", service_start=date(2026, 1, 1), service_end=date(2026, 3, 31)
    )
    plan_add(contract, due=date(2026, 1, 31))
    for month in (1, 2, 3):
        revenue_recognition_run(actor=company.finance, period=date(2026, month, 1))
    rows = list(RevenueRecognition.objects.filter(line=line).order_by("period"))
    assert [r.amount for r in rows] == [Decimal("333.33"), Decimal("333.34"), Decimal("333.33")]
    assert [r.base_amount for r in rows] == [
        Decimal("2374.44"),  # 333.33 x 7.1234 = 2374.443
        Decimal("2374.52"),  # 666.67 x 7.1234 = 4748.957, less 2374.44
        Decimal("2374.44"),  # 1000.00 x 7.1234 = 7123.40, less 4748.96
    ]
    for entry in JournalEntry.objects.all():
        assert sum(jl.base_amount for jl in entry.lines.all()) == 0
        assert {jl.currency for jl in entry.lines.all()} == {"USD"}
    assert_verified()


def test_drafts_and_lines_recognised_at_invoicing_are_left_alone(company, customers):
    draft = contract_make(customer=customers["rep_east"], status=ContractStatus.DRAFT)
    line_add(draft, net="100.00", service_start=date(2026, 1, 1), service_end=date(2026, 1, 31))
    active = contract_make(customer=customers["rep_south"], number="HT-2026-0002")
    line_add(active, net="100.00", recognition=Recognition.AT_INVOICING)
    plan_add(active, due=date(2026, 1, 31))
    assert revenue_recognition_run(actor=company.finance, period=date(2026, 6, 1)) == []
    assert JournalEntry.objects.count() == 0


def test_a_terminated_contract_stops_earning_in_the_month_it_ended(company, customers):
    contract = contract_make(customer=customers["rep_east"], status=ContractStatus.TERMINATED)
    contract.closed_at = datetime(2026, 2, 10, 9, tzinfo=SHANGHAI)
    contract.save()
    line_add(
        contract, net="1200.00", service_start=date(2026, 1, 1), service_end=date(2026, 12, 31)
    )
    plan_add(contract, due=date(2026, 1, 31))
    rows = revenue_recognition_run(actor=company.finance, period=date(2026, 6, 1))
    assert [r.amount for r in rows] == [Decimal("200.00")]
    assert_verified()


def test_a_month_that_has_not_ended_is_refused_and_nothing_changes(company, ratable):
    next_month = add_months(timezone.localdate(), 1)
    with pytest.raises(DomainError) as caught:
        revenue_recognition_run(actor=company.finance, period=next_month)
    assert caught.value.code == ContractError.RECOGNITION_PERIOD_OPEN
    assert RevenueRecognition.objects.count() == 0


@pytest.mark.parametrize("who", ["rep_east", "manager_east", "viewer"])
def test_only_those_granted_recognise_may_run_it(company, ratable, who):
    user = {
        "rep_east": company.rep_east,
        "manager_east": company.manager_east,
        "viewer": company.viewer,
    }[who]
    with pytest.raises(DomainError) as caught:
        revenue_recognition_run(actor=user, period=date(2026, 1, 1))
    assert caught.value.code == CoreError.PERMISSION_DENIED
    assert RevenueRecognition.objects.count() == 0


def test_the_monthly_task_recognises_last_month(company, ratable, monkeypatch):
    contract, _line = ratable
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2026, 3, 1))
    # when: the task runs twice on March 1st
    assert tasks.revenue_recognition_monthly.call() == 1
    assert tasks.revenue_recognition_monthly.call() == 0
    # then: February is posted, with January caught up
    contract.refresh_from_db()
    assert contract.recognised == Decimal("66.67")
    assert RevenueRecognition.objects.get().period == date(2026, 2, 1)
    assert_verified()


def test_the_schedule_shows_posted_months_and_plans_the_rest(company, customers):
    contract = contract_make(customer=customers["rep_east"], end=date(2026, 6, 30))
    ratable = line_add(
        contract, net="100.00", service_start=date(2026, 1, 1), service_end=date(2026, 3, 31)
    )
    milestone = milestone_add(contract, planned=date(2026, 5, 20))
    on_acceptance = line_add(
        contract, net="500.00", recognition=Recognition.AT_MILESTONE, milestone=milestone
    )
    at_invoicing = line_add(contract, net="50.00", recognition=Recognition.AT_INVOICING)
    plan_add(contract, due=date(2026, 1, 31))
    revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))
    # when
    schedule = revenue_schedule_get(user=company.rep_east, contract_id=contract.pk)
    # then
    assert schedule.periods == [date(2026, m, 1) for m in range(1, 7)]
    by_line = {s.line.pk: s for s in schedule.lines}
    months = [(m.recognised, m.planned) for m in by_line[ratable.pk].months]
    assert months[:4] == [
        (Decimal("33.33"), 0),
        (0, Decimal("33.34")),
        (0, Decimal("33.33")),
        (0, 0),
    ]
    assert [m.planned for m in by_line[on_acceptance.pk].months] == [0, 0, 0, 0, 500, 0]
    assert by_line[at_invoicing.pk].months == []
    assert schedule.recognised == Decimal("33.33")
    assert schedule.planned == Decimal("566.67")
    assert [t.recognised + t.planned for t in schedule.totals] == [
        Decimal("33.33"),
        Decimal("33.34"),
        Decimal("33.33"),
        0,
        500,
        0,
    ]
    # Nothing billed yet: what was earned is owed to no one, 合同负债 is below zero.
    assert schedule.deferred == Decimal("-33.33")


def test_the_schedule_of_a_contract_out_of_scope_is_not_found(company, ratable):
    contract, _line = ratable
    with pytest.raises(DomainError) as caught:
        revenue_schedule_get(user=company.rep_south, contract_id=contract.pk)
    assert caught.value.code == ContractError.NOT_FOUND


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(min_value=-(10**9), max_value=10**11),
    months=st.integers(min_value=1, max_value=72),
)
def test_ratable_months_always_sum_to_the_net(cents, months):
    net = Decimal(cents).scaleb(-2)
    contract = Contract(currency="CNY", start_date=date(2026, 1, 1), status=ContractStatus.ACTIVE)
    last = add_months(date(2026, 1, 1), months - 1)
    line = ContractLine(
        contract=contract,
        net=net,
        recognition=Recognition.RATABLY,
        service_start=date(2026, 1, 15),
        service_end=last,
    )
    earned = [
        line_earned(line, through=add_months(date(2026, 1, 1), i)) for i in range(-1, months + 1)
    ]
    parts = [b - a for a, b in pairwise(earned)]
    assert earned[0] == 0 and earned[-1] == net
    assert sum(parts) == net
    # Every month gets its share to the cent, give or take one cent of rounding.
    share = net / months
    assert all(abs(p - share) <= Decimal("0.01") for p in parts[:months])


def _contracts_add(customer, count: int, tag: str) -> None:
    for n in range(count):
        contract = contract_make(customer=customer, number=f"HT-{tag}-{n}")
        jan = date(2026, 1, 1)
        line_add(contract, net="30.00", service_start=jan, service_end=date(2026, 3, 31))
        line_add(contract, net="60.00", service_start=jan, service_end=date(2026, 6, 30))
        plan_add(contract, due=date(2026, 1, 31))


def _queries_of_run(actor, period: date, lines: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = revenue_recognition_run(actor=actor, period=period)
    assert len(rows) == lines
    return len(queries)


def test_a_run_costs_the_same_queries_for_few_contracts_and_many(company, customers):
    _contracts_add(customers["rep_east"], 2, "A")
    revenue_recognition_run(actor=company.finance, period=date(2026, 1, 1))  # counters made
    few = _queries_of_run(company.finance, date(2026, 2, 1), lines=4)
    _contracts_add(customers["rep_south"], 6, "B")
    many = _queries_of_run(company.finance, date(2026, 3, 1), lines=16)
    assert few == many
    assert_verified()

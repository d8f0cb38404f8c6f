"""Billing the payment plan: due installments become issued invoices, exactly, once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from cashloop.contracts.billing import contract_invoices_generate, due_plan_items
from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract, ContractLine, PlanItem
from cashloop.contracts.services import contract_activate, contract_milestone_accept
from cashloop.contracts.tests.recognition_data import contract_make, line_add, plan_add
from cashloop.core.errors import CoreError, DomainError
from cashloop.cpq.choices import Recognition
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalLine
from cashloop.receivables.choices import InvoiceOrigin, InvoiceStatus
from cashloop.receivables.models import Invoice, InvoiceLine
from tests.ledger_check import assert_verified

D = Decimal
FIRST_DUE = date(2026, 3, 20)  # signing 10 March + 10 days


@pytest.fixture
def active(company, draft):
    """The 12,360.00 milestone contract, activated: 30% due 20 March, 60% at acceptance."""
    return contract_activate(actor=company.manager_east, contract_id=draft.pk)


def test_a_due_installment_becomes_one_issued_contract_invoice(company, active):
    # when: the daily run of 20 March bills
    (invoice,) = contract_invoices_generate(actor=company.finance, on=FIRST_DUE)
    # then: 30% of the contract, issued, from the contract, due on the item's date
    assert (invoice.status, invoice.origin, invoice.total) == (
        InvoiceStatus.ISSUED,
        InvoiceOrigin.CONTRACT,
        D("3708.00"),
    )
    assert invoice.issue_date == FIRST_DUE
    assert invoice.installments.get().due_date == FIRST_DUE
    item = PlanItem.objects.get(contract=active, sequence=1)
    assert (item.status, item.invoice_id) == (PlanItemStatus.INVOICED, invoice.pk)
    lines = {line.contract_line.description: line for line in invoice.lines.all()}
    # 30% of each line, net and tax: 3,000.00 + 390.00 and 300.00 + 18.00
    assert (lines["实施服务"].net, lines["实施服务"].tax) == (D("3000.00"), D("390.00"))
    assert (lines["培训"].net, lines["培训"].tax) == (D("300.00"), D("18.00"))
    active.refresh_from_db()
    assert (active.invoiced, active.recognised) == (D("3708.00"), D("3300.00"))
    assert ContractLine.objects.get(contract=active, position=1).invoiced == D("3000.00")
    assert_verified()


def test_billing_twice_bills_nothing_twice(company, active):
    contract_invoices_generate(actor=company.finance, on=FIRST_DUE)
    # when: run again, the same day and the day after
    assert contract_invoices_generate(actor=company.finance, on=FIRST_DUE) == []
    assert contract_invoices_generate(actor=company.finance, on=FIRST_DUE + timedelta(1)) == []
    # then: one invoice only
    assert Invoice.objects.filter(origin=InvoiceOrigin.CONTRACT).count() == 1
    assert_verified()


def test_a_milestone_accepted_makes_its_installment_due_and_the_whole_plan_sums_exactly(
    company, active
):
    # given: the first installment billed, the milestone accepted on 10 April
    contract_invoices_generate(actor=company.finance, on=FIRST_DUE)
    milestone = active.milestones.get()
    assert due_plan_items(user=company.finance, on=date(2026, 4, 24)).count() == 1  # 尾款 only
    contract_milestone_accept(
        actor=company.rep_east, milestone_id=milestone.pk, actual_date=date(2026, 4, 10)
    )
    # when: billed on the 25th (acceptance + 15 days)
    invoices = contract_invoices_generate(actor=company.finance, on=date(2026, 4, 25))
    # then: the 60% and the 10% are billed; the contract is billed in full, to the cent
    assert sorted(invoice.total for invoice in invoices) == [D("1236.00"), D("7416.00")]
    active.refresh_from_db()
    assert active.invoiced == active.total == D("12360.00")
    for line in active.lines.all():
        billed = InvoiceLine.objects.filter(contract_line=line)
        assert sum(row.net for row in billed) == line.net == line.invoiced
        assert sum(row.tax for row in billed) == line.tax
    assert not PlanItem.objects.filter(contract=active).exclude(status=PlanItemStatus.INVOICED)
    assert_verified()


def test_the_last_installment_takes_the_remainder_of_each_line(company, customers):
    # given: thirds of a total that does not divide by three
    contract = contract_make(customer=customers["rep_east"])
    line_add(contract, net="100.00", recognition=Recognition.AT_INVOICING)
    line_add(contract, net="0.10", recognition=Recognition.AT_INVOICING, description="小额")
    total = contract.total  # 113.00 + 0.11
    for n in range(3):
        plan_add(contract, due=date(2026, 2, 1 + n), amount=D("37.70") if n < 2 else None)
    # when
    invoices = contract_invoices_generate(actor=company.finance, on=date(2026, 2, 3))
    # then
    assert [invoice.total for invoice in invoices] == [D("37.70"), D("37.70"), total - D("75.40")]
    for line in contract.lines.all():
        assert sum(r.net for r in line.invoice_lines.all()) == line.net
        assert sum(r.tax for r in line.invoice_lines.all()) == line.tax
    assert_verified()


def test_deferred_lines_are_billed_into_contract_liabilities(company, customers):
    contract = contract_make(customer=customers["rep_east"])
    line_add(
        contract,
        net="1200.00",
        recognition=Recognition.RATABLY,
        service_start=date(2026, 1, 1),
        service_end=date(2026, 12, 31),
    )
    line_add(contract, net="500.00", recognition=Recognition.AT_INVOICING, description="硬件")
    plan_add(contract, due=date(2026, 1, 5))
    (invoice,) = contract_invoices_generate(actor=company.finance, on=date(2026, 1, 5))
    credits = {
        row.account.role: row.amount
        for row in JournalLine.objects.filter(entry=invoice.journal_entry).select_related("account")
    }
    assert credits[AccountRole.DEFERRED_REVENUE] == D("-1200.00")
    assert credits[AccountRole.REVENUE] == D("-500.00")
    contract.refresh_from_db()
    # only what is earned at invoicing is recognised now
    assert (contract.invoiced, contract.recognised) == (D("1921.00"), D("500.00"))
    assert_verified()


def test_only_active_contracts_and_due_items_are_billed(company, customers):
    draft = contract_make(customer=customers["rep_east"], status=ContractStatus.DRAFT)
    line_add(draft, net="100.00", recognition=Recognition.AT_INVOICING)
    plan_add(draft, due=date(2026, 1, 1))
    later = contract_make(customer=customers["rep_east"], number="HT-2026-0002")
    line_add(later, net="100.00", recognition=Recognition.AT_INVOICING)
    plan_add(later, due=date(2026, 2, 1))
    assert contract_invoices_generate(actor=company.finance, on=date(2026, 1, 31)) == []
    assert not Invoice.objects.exists()


def test_bad_billing_requests_change_nothing(company, active):
    with pytest.raises(DomainError) as future:
        contract_invoices_generate(actor=company.finance, on=date.today() + timedelta(days=400))
    assert future.value.code == ContractError.BILL_FUTURE
    with pytest.raises(DomainError) as denied:
        contract_invoices_generate(actor=company.rep_east, on=FIRST_DUE)
    assert denied.value.code == CoreError.PERMISSION_DENIED
    with pytest.raises(DomainError) as missing:
        contract_invoices_generate(actor=company.finance, on=FIRST_DUE, contract_id=10**6)
    assert missing.value.code == ContractError.NOT_FOUND
    assert not Invoice.objects.exists()
    assert Contract.objects.get(pk=active.pk).invoiced == 0


def test_the_daily_task_bills_what_is_due_today_once(company, customers):
    from cashloop.contracts import tasks
    from cashloop.core import schedule

    assert schedule.JOBS["contracts.billing"].every == schedule.DAILY
    contract = contract_make(customer=customers["rep_east"])
    line_add(contract, net="100.00", recognition=Recognition.AT_INVOICING)
    plan_add(contract, due=date.today())
    # as the first user who may bill contracts with scope "all": finance here
    assert tasks.contract_billing_daily.call() == 1
    assert tasks.contract_billing_daily.call() == 0
    assert Invoice.objects.get().created_by == company.finance
    assert_verified()

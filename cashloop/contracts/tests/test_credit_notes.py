"""Credit notes on contract invoices give the contract back what they credit (decision 041):
the debit goes where the invoice credited (合同负债 or revenue), revenue already recognised
is taken back, recognition never earns what was credited, and the reconciliation ties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.approvals.services import approval_request_approve
from cashloop.approvals.tests import conftest as approvals
from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import MilestoneStatus
from cashloop.contracts.models import Contract, ContractLine, LineCredit
from cashloop.contracts.recognition import revenue_recognition_run, revenue_schedule_get
from cashloop.contracts.reconciliation import contract_reconciliation
from cashloop.contracts.tests.recognition_data import (
    contract_make,
    line_add,
    milestone_add,
    plan_add,
)
from cashloop.core.errors import DomainError
from cashloop.core.verify import verify_all
from cashloop.cpq.choices import Recognition
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalLine
from cashloop.receivables.choices import HoldStatus
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import CreditNote, HeldPosting, Invoice
from cashloop.receivables.services import (
    LineIn,
    credit_note_create,
    invoice_create,
    invoice_issue,
)
from cashloop.receivables.tests.test_services import line
from tests.ledger_check import assert_verified

D = Decimal
finance2 = approvals.finance2  # a second finance user to approve (fixture)
# A past year, so that every month recognised has ended whatever day the tests run.
START, END = date(2025, 1, 1), date(2025, 12, 31)
BILLED = date(2025, 1, 5)
CREDITED = date(2025, 7, 10)


def balance(role: str, entry=None) -> Decimal:
    rows = JournalLine.objects.filter(account__role=role)
    if entry is not None:
        rows = rows.filter(entry=entry)
    return sum((row.amount for row in rows), D(0))


def credit(
    company, invoice: Invoice, contract_line: ContractLine | None, net: str, rate: str = "0.13"
):
    return credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[
            LineIn(
                description="服务折让",
                quantity=D(1),
                unit_price=D(net),
                tax_rate=D(rate),
                contract_line_id=contract_line.pk if contract_line else None,
            )
        ],
        reason="服务中断 service outage",
        credit_date=CREDITED,
    )


@pytest.fixture
def ratable(company, customers):
    """Support of 1,200.00 net (+156.00 VAT) earned Jan–Dec 2025, billed whole on 5 Jan and
    recognised through June: 600.00 earned, 600.00 still in 合同负债."""
    contract = contract_make(customer=customers["rep_east"], start=START, end=END)
    support = line_add(contract, net="1200.00")
    plan_add(contract, due=BILLED)
    (invoice,) = contract_invoices_generate(actor=company.finance, on=BILLED)
    revenue_recognition_run(actor=company.finance, period=date(2025, 6, 1))
    support.refresh_from_db()
    assert support.recognised == D("600.00")
    return contract, support, invoice


def test_a_ratable_line_credited_in_part_after_half_was_recognised(company, ratable):
    contract, support, invoice = ratable
    # when: 300.00 of the support is credited in July
    note = credit(company, invoice, support, "300.00")
    # then: half of it was earned already, so 150.00 comes out of revenue and 150.00 out
    # of 合同负债 (the Dr lines of the entry are positive)
    assert (note.subtotal, note.tax_total, note.amount) == (D("300.00"), D("39.00"), D("339.00"))
    entry = note.journal_entry
    assert balance(AccountRole.DEFERRED_REVENUE, entry) == D("150.00")
    assert balance(AccountRole.REVENUE, entry) == D("150.00")
    assert balance(AccountRole.VAT_OUTPUT, entry) == D("39.00")
    support.refresh_from_db()
    contract.refresh_from_db()
    assert (support.invoiced, support.credited, support.recognised) == (
        D("1200.00"),
        D("300.00"),
        D("450.00"),
    )
    assert (contract.invoiced, contract.credited, contract.recognised) == (
        D("1356.00"),
        D("339.00"),
        D("450.00"),
    )
    (row,) = LineCredit.objects.all()
    assert (row.credit_note, row.net, row.tax, row.reversed) == (
        note,
        D("300.00"),
        D("39.00"),
        D("150.00"),
    )
    assert_verified()

    # when: July is recognised; the line is now worth 900.00 over twelve months
    (july,) = revenue_recognition_run(actor=company.finance, period=date(2025, 7, 1))
    # then: 900 x 7/12 = 525.00 earned, 450.00 held: 75.00, not the 100.00 of before
    assert july.amount == D("75.00")
    schedule = revenue_schedule_get(user=company.finance, contract_id=contract.pk)
    assert (schedule.credited, schedule.recognised, schedule.planned) == (
        D("300.00"),
        D("525.00"),
        D("375.00"),
    )
    assert schedule.deferred == D("375.00")
    # and the year ends with exactly what is left earned and 合同负债 empty
    revenue_recognition_run(actor=company.finance, period=date(2025, 12, 1))
    support.refresh_from_db()
    assert support.recognised == D("900.00")
    assert balance(AccountRole.DEFERRED_REVENUE) == 0
    assert balance(AccountRole.REVENUE) == D("-900.00")

    (rec,) = contract_reconciliation(user=company.finance)
    assert (rec.invoiced_rows, rec.collected, rec.credited_rows, rec.outstanding) == (
        D("1356.00"),
        D("0.00"),
        D("339.00"),
        D("1017.00"),
    )
    assert rec.ties
    assert_verified()


def test_crediting_what_is_left_gives_back_the_tax_to_the_cent(company, ratable):
    _contract, support, invoice = ratable
    credit(company, invoice, support, "0.10")  # tax 0.013 -> 0.01
    note = credit(company, invoice, support, "1199.90")
    # then: the invoice's 156.00 of VAT comes back whole, not 1199.90 x 13 % = 155.99
    assert note.tax_total == D("155.99")
    assert sum(n.tax_total for n in CreditNote.objects.all()) == D("156.00")
    support.refresh_from_db()
    assert (support.credited, support.recognised) == (D("1200.00"), D(0))
    assert revenue_recognition_run(actor=company.finance, period=date(2025, 7, 1)) == []
    assert balance(AccountRole.DEFERRED_REVENUE) == 0
    assert balance(AccountRole.REVENUE) == 0
    assert_verified()


def test_a_line_earned_at_invoicing_and_one_at_a_milestone(company, customers):
    # given: a licence earned at invoicing and an implementation earned at acceptance
    contract = contract_make(customer=customers["rep_east"], start=START, end=END)
    accepted = milestone_add(contract, planned=date(2025, 1, 20), accepted=date(2025, 1, 20))
    licence = line_add(contract, net="1000.00", recognition=Recognition.AT_INVOICING)
    work = line_add(
        contract, net="2000.00", recognition=Recognition.AT_MILESTONE, milestone=accepted
    )
    plan_add(contract, due=BILLED)
    (invoice,) = contract_invoices_generate(actor=company.finance, on=BILLED)
    revenue_recognition_run(actor=company.finance, period=date(2025, 1, 1))
    # when: 100.00 of each is credited
    note = credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[
            LineIn("许可折让", D(1), D("100.00"), D("0.13"), contract_line_id=licence.pk),
            LineIn("实施折让", D(1), D("100.00"), D("0.13"), contract_line_id=work.pk),
        ],
        reason="折让",
        credit_date=CREDITED,
    )
    # then: both were earned whole, so both come out of revenue, none out of 合同负债
    assert balance(AccountRole.REVENUE, note.journal_entry) == D("200.00")
    assert balance(AccountRole.DEFERRED_REVENUE, note.journal_entry) == 0
    licence.refresh_from_db()
    work.refresh_from_db()
    assert (licence.credited, licence.recognised) == (D("100.00"), D("900.00"))
    assert (work.credited, work.recognised) == (D("100.00"), D("1900.00"))
    assert revenue_recognition_run(actor=company.finance, period=date(2025, 7, 1)) == []
    assert Contract.objects.get(pk=contract.pk).recognised == D("2800.00")
    assert_verified()


def test_a_milestone_line_credited_before_acceptance_leaves_revenue_alone(company, customers):
    contract = contract_make(customer=customers["rep_east"], start=START, end=END)
    later = milestone_add(contract, planned=date(2025, 9, 30))
    work = line_add(contract, net="2000.00", recognition=Recognition.AT_MILESTONE, milestone=later)
    plan_add(contract, due=BILLED)
    (invoice,) = contract_invoices_generate(actor=company.finance, on=BILLED)
    note = credit(company, invoice, work, "500.00")
    assert balance(AccountRole.DEFERRED_REVENUE, note.journal_entry) == D("500.00")
    assert balance(AccountRole.REVENUE, note.journal_entry) == 0
    later.actual_date, later.status = date(2025, 9, 30), MilestoneStatus.ACCEPTED
    later.save()
    revenue_recognition_run(actor=company.finance, period=date(2025, 9, 1))
    work.refresh_from_db()
    assert work.recognised == D("1500.00")
    assert balance(AccountRole.DEFERRED_REVENUE) == 0
    assert_verified()


def nothing_changed() -> tuple[int, int, int, list[Decimal]]:
    return (
        CreditNote.objects.count(),
        LineCredit.objects.count(),
        JournalLine.objects.count(),
        list(ContractLine.objects.order_by("pk").values_list("credited", flat=True)),
    )


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("no contract line", ReceivableError.CREDIT_LINE_REQUIRED),
        ("another contract's line", ReceivableError.CREDIT_LINE_NOT_ON_INVOICE),
        ("more than billed", ReceivableError.CREDIT_EXCEEDS_INVOICED),
        ("more than left", ReceivableError.CREDIT_EXCEEDS_INVOICED),
        ("another tax rate", ReceivableError.CREDIT_TAX_RATE),
    ],
)
def test_refusals_change_nothing(company, customers, ratable, case, code):
    _contract, support, invoice = ratable
    elsewhere = contract_make(customer=customers["rep_east"], number="HT-2", start=START, end=END)
    other = line_add(elsewhere, net="10.00")
    plan_add(elsewhere, due=END)
    if case == "more than left":
        credit(company, invoice, support, "1000.00")
    before = nothing_changed()
    target, net, rate = {
        "no contract line": (None, "10.00", "0.13"),
        "another contract's line": (other, "10.00", "0.13"),
        "more than billed": (support, "1200.01", "0.13"),
        "more than left": (support, "200.01", "0.13"),
        "another tax rate": (support, "10.00", "0.06"),
    }[case]
    with pytest.raises(DomainError) as exc:
        credit(company, invoice, target, net, rate)
    assert exc.value.code is code
    assert nothing_changed() == before
    assert_verified()


def test_a_plain_invoice_takes_no_contract_line_and_credits_as_before(company, ratable):
    _contract, support, _invoice = ratable
    draft = invoice_create(
        actor=company.finance,
        customer_id=_invoice.customer_id,
        issue_date=date(2025, 7, 1),
        lines=[line()],
    )
    plain = invoice_issue(actor=company.finance, invoice_id=draft.pk)
    with pytest.raises(DomainError) as exc:
        credit(company, plain, support, "10.00")
    assert exc.value.code is ReceivableError.CREDIT_LINE_NOT_ON_INVOICE
    note = credit_note_create(
        actor=company.finance,
        invoice_id=plain.pk,
        lines=[line("100.00")],
        reason="退货",
        credit_date=CREDITED,
    )
    assert balance(AccountRole.REVENUE, note.journal_entry) == D("100.00")
    assert not LineCredit.objects.exists()
    assert_verified()


def test_a_held_credit_note_keeps_its_contract_lines_and_posts_the_same_way(
    company, ratable, finance2
):
    approvals.flow(
        company.admin,
        "receivables.creditnote",
        steps=[approvals.step({"kind": "role", "value": "finance"})],
    )
    _contract, support, invoice = ratable
    hold = credit(company, invoice, support, "300.00")
    assert isinstance(hold, HeldPosting)
    assert hold.payload["lines"][0]["contract_line_id"] == support.pk
    assert not LineCredit.objects.exists()
    approval_request_approve(actor=finance2, request_id=hold.approval_request_id)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.POSTED
    entry = hold.credit_note.journal_entry
    assert balance(AccountRole.DEFERRED_REVENUE, entry) == D("150.00")
    assert balance(AccountRole.REVENUE, entry) == D("150.00")
    support.refresh_from_db()
    assert (support.credited, support.recognised) == (D("300.00"), D("450.00"))
    assert_verified()


def test_verify_names_a_line_whose_credited_is_off(company, ratable):
    contract, support, invoice = ratable
    credit(company, invoice, support, "300.00")
    ContractLine.objects.filter(pk=support.pk).update(credited=D("299.99"))
    problems = [p for result in verify_all() for p in result.problems]
    assert any(str(contract) in p and "credited 299.99" in p for p in problems), problems

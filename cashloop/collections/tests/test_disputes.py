"""Disputes and dunning charges (decision 051): a disputed installment leaves dunning and
interest; resolution by credit note (through approval), rejection or withdrawal; fees and
simple interest booked at the run or when the customer pays, cleared before principal;
call tasks for customers without email; bad input with codes and nothing changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase

from cashloop.approvals.services import approval_request_approve, approval_request_reject
from cashloop.approvals.tests.conftest import flow, step
from cashloop.collections.choices import (
    ChargeBooking,
    ChargeKind,
    ChargeStatus,
    DisputeStatus,
    TaskKind,
)
from cashloop.collections.errors import DisputeError
from cashloop.collections.models import CollectionTask, Dispute, DunningCharge, DunningPolicy
from cashloop.collections.selectors import dunning_plan
from cashloop.collections.services import (
    LevelInput,
    dispute_open,
    dispute_resolve,
    dunning_charge_interest,
    dunning_charge_waive,
    dunning_charges_book_paid,
    dunning_policy_save,
    dunning_run,
    interest_due,
)
from cashloop.collections.tests.conftest import DUE, issue
from cashloop.core.errors import CoreError, DomainError
from cashloop.ledger.models import JournalLine
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import CreditNote, HeldPosting, Installment, Invoice
from cashloop.receivables.services import payment_auto_allocate, payment_create
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal
GROSS = D("1130.00")  # what `issue` bills: 1,000.00 + 13% VAT
TEN = D(10)


def on_commit():
    return TestCase.captureOnCommitCallbacks(execute=True)


def charging_policy(company, *, booking=ChargeBooking.ON_RUN, rate=TEN) -> DunningPolicy:
    """A reminder at +1 and a fee of 50.00 at +30, 10% interest per year."""
    return dunning_policy_save(
        actor=company.finance,
        name="Charging",
        is_default=True,
        interest_rate=rate,
        charge_booking=booking,
        levels=[
            LevelInput(name="Reminder", days_overdue=1),
            LevelInput(name="Fee", days_overdue=30, fee=D("50.00"), create_task=True),
        ],
    )


def credit_flow(company):
    """Every credit note needs finance's approval."""
    return flow(
        company.admin, "receivables.creditnote", steps=[step({"kind": "role", "value": "finance"})]
    )


def installment_of(invoice) -> Installment:
    return Installment.objects.get(invoice=invoice)


# --- disputes -----------------------------------------------------------------------------


def test_a_disputed_installment_leaves_dunning_until_the_dispute_is_rejected(
    company, policy, debtor
):
    invoice = issue(company, debtor)
    item = installment_of(invoice)
    day = DUE + timedelta(days=5)
    assert [c.code for c in dunning_plan(today=day).customers] == ["DEBTOR"]
    # when: the customer disputes the quantity
    dispute = dispute_open(
        actor=company.rep_east, installment_id=item.pk, reason="quantity", note="缺货 2 件"
    )
    # then: all it owes is disputed, and the run leaves it out
    assert dispute.amount == GROSS and dispute.status == DisputeStatus.OPEN
    assert dispute.customer == debtor
    assert dunning_plan(today=day).customers == []
    # when: finance rejects it, the item is dunned again
    dispute_resolve(actor=company.finance, dispute_id=dispute.pk, outcome="reject", note="已交付")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REJECTED and dispute.resolved_on is not None
    assert [c.code for c in dunning_plan(today=day).customers] == ["DEBTOR"]


def test_a_credit_without_approval_credits_the_invoice_at_once(company, debtor):
    invoice = issue(company, debtor)
    dispute = dispute_open(
        actor=company.finance,
        installment_id=installment_of(invoice).pk,
        reason="price",
        amount=D("113.00"),
    )
    dispute_resolve(
        actor=company.finance, dispute_id=dispute.pk, outcome="credit", note="价格差 10%"
    )
    dispute.refresh_from_db()
    note = CreditNote.objects.get()
    assert dispute.status == DisputeStatus.CREDITED and dispute.credit_note == note
    assert (note.amount, note.subtotal, note.tax_total) == (D("113.00"), D("100.00"), D("13.00"))
    invoice.refresh_from_db()
    assert invoice.residual == GROSS - D("113.00")
    assert_verified()


def test_a_credit_through_approval_waits_then_settles_the_dispute(company, policy, debtor):
    approver = UserFactory(username="fin2", team=company.sales, roles=["finance"])
    credit_flow(company)
    invoice = issue(company, debtor)
    dispute = dispute_open(
        actor=company.finance, installment_id=installment_of(invoice).pk, reason="quality"
    )
    dispute_resolve(actor=company.finance, dispute_id=dispute.pk, outcome="credit", note="退货")
    dispute.refresh_from_db()
    # then: credit pending, still out of dunning, nothing posted yet
    assert dispute.status == DisputeStatus.CREDIT_PENDING and dispute.credit_note is None
    assert dunning_plan(today=DUE + timedelta(days=5)).customers == []
    assert not CreditNote.objects.exists()
    # when: approved, the credit note is posted and the dispute credited
    hold = HeldPosting.objects.get()
    approval_request_approve(actor=approver, request_id=hold.approval_request_id)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CREDITED
    assert dispute.credit_note == CreditNote.objects.get()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert_verified()


def test_a_rejected_credit_reopens_the_dispute(company, debtor):
    approver = UserFactory(username="fin2", team=company.sales, roles=["finance"])
    credit_flow(company)
    invoice = issue(company, debtor)
    dispute = dispute_open(
        actor=company.finance, installment_id=installment_of(invoice).pk, reason="quality"
    )
    dispute_resolve(actor=company.finance, dispute_id=dispute.pk, outcome="credit", note="退货")
    hold = HeldPosting.objects.get()
    approval_request_reject(actor=approver, request_id=hold.approval_request_id, reason="证据不足")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN and dispute.credit_note is None


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (D("1130.01"), DisputeError.AMOUNT_INVALID),
        (D("0"), DisputeError.AMOUNT_INVALID),
        (D("-5"), DisputeError.AMOUNT_INVALID),
        (D("10.001"), DisputeError.AMOUNT_INVALID),
    ],
)
def test_a_bad_disputed_amount_is_refused(company, debtor, amount, code):
    item = installment_of(issue(company, debtor))
    with pytest.raises(DomainError) as refused:
        dispute_open(actor=company.finance, installment_id=item.pk, reason="price", amount=amount)
    assert refused.value.code == code
    assert not Dispute.objects.exists()


def test_disputing_twice_or_a_paid_item_is_refused(company, debtor):
    invoice = issue(company, debtor)
    item = installment_of(invoice)
    dispute_open(actor=company.finance, installment_id=item.pk, reason="price")
    with pytest.raises(DomainError) as twice:
        dispute_open(actor=company.finance, installment_id=item.pk, reason="quality")
    assert twice.value.code == DisputeError.ALREADY_DISPUTED
    paid = installment_of(issue(company, debtor))
    payment = payment_create(
        actor=company.finance, customer_id=debtor.pk, amount=GROSS * 2, payment_date=DUE
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk, allocation_date=DUE)
    with pytest.raises(DomainError) as closed:
        dispute_open(actor=company.finance, installment_id=paid.pk, reason="price")
    assert closed.value.code == DisputeError.INSTALLMENT_NOT_OPEN
    with pytest.raises(DomainError) as reason:
        dispute_open(actor=company.finance, installment_id=item.pk + 999, reason="price")
    assert reason.value.code == DisputeError.INSTALLMENT_NOT_FOUND
    assert Dispute.objects.count() == 1


def test_resolving_needs_an_open_dispute_a_known_outcome_and_a_note(company, debtor):
    dispute = dispute_open(
        actor=company.finance,
        installment_id=installment_of(issue(company, debtor)).pk,
        reason="other",
    )
    for outcome, note, code in [
        ("forgive", "x", DisputeError.OUTCOME_INVALID),
        ("reject", " ", DisputeError.NOTE_REQUIRED),
    ]:
        with pytest.raises(DomainError) as refused:
            dispute_resolve(
                actor=company.finance, dispute_id=dispute.pk, outcome=outcome, note=note
            )
        assert refused.value.code == code
    with pytest.raises(DomainError) as too_much:
        dispute_resolve(
            actor=company.finance,
            dispute_id=dispute.pk,
            outcome="credit",
            note="x",
            credit_amount=GROSS + 1,
        )
    assert too_much.value.code == DisputeError.CREDIT_INVALID
    dispute_resolve(actor=company.finance, dispute_id=dispute.pk, outcome="withdraw", note="撤回")
    with pytest.raises(DomainError) as again:
        dispute_resolve(actor=company.finance, dispute_id=dispute.pk, outcome="reject", note="x")
    assert again.value.code == DisputeError.NOT_OPEN
    assert Dispute.objects.get().status == DisputeStatus.WITHDRAWN
    assert not CreditNote.objects.exists()


def test_a_viewer_may_not_open_a_dispute(company, debtor):
    item = installment_of(issue(company, debtor))
    with pytest.raises(DomainError) as refused:
        dispute_open(actor=company.viewer, installment_id=item.pk, reason="price")
    assert refused.value.code == CoreError.PERMISSION_DENIED


# --- fees and interest ----------------------------------------------------------------------


def test_interest_is_simple_per_year_and_rounded():
    day = DUE + timedelta(days=30)
    assert interest_due(residual=GROSS, currency="CNY", rate=D(10), since=DUE, day=day) == (
        D("9.29"),  # 1,130.00 x 10% x 30 / 365 = 9.2877
        30,
    )
    assert interest_due(residual=GROSS, currency="CNY", rate=D(10), since=day, day=day)[0] == 0


def test_the_run_charges_the_fee_and_interest_and_books_them_at_once(company, debtor):
    charging_policy(company)
    invoice = issue(company, debtor)
    with on_commit():
        dunning_run(actor=None, today=DUE + timedelta(days=1), send=True)
        result = dunning_run(actor=company.finance, today=DUE + timedelta(days=30), send=True)
    # then: on day 30 a fee and 29 days of interest since the first run's day
    assert result.charges == 2 and result.charge_invoices == 1
    charges = {(c.kind, c.accrued_on): c for c in DunningCharge.objects.all()}
    first = charges[(ChargeKind.INTEREST, DUE + timedelta(days=1))]
    assert (first.amount, first.days, first.principal) == (D("0.31"), 1, GROSS)
    later = charges[(ChargeKind.INTEREST, DUE + timedelta(days=30))]
    assert (later.amount, later.days) == (D("8.98"), 29)
    fee = charges[(ChargeKind.FEE, DUE + timedelta(days=30))]
    assert fee.amount == D("50.00") and fee.log is not None
    assert {c.status for c in charges.values()} == {ChargeStatus.INVOICED}
    # one charge invoice per run: the first run's interest, then the fee with its interest
    bills = Invoice.objects.exclude(pk=invoice.pk).order_by("issue_date")
    assert [b.total for b in bills] == [D("0.31"), D("58.98")]
    assert bills[1].tax_total == 0 and bills[1].status == InvoiceStatus.ISSUED
    assert [i.amount for i in bills[1].installments.order_by("sequence")] == [D("50"), D("8.98")]
    # booked to other business revenue, not to sales revenue
    income = JournalLine.objects.filter(account__code="6051")
    assert sum((line.amount for line in income), D(0)) == -D("59.29")
    # and a charge invoice is not dunned or charged itself
    plan = dunning_plan(today=DUE + timedelta(days=31))
    assert plan.customers == []
    assert_verified()


def test_charges_booked_on_payment_wait_for_the_customer_to_pay(company, debtor):
    charging_policy(company, booking=ChargeBooking.ON_PAYMENT)
    issue(company, debtor)
    with on_commit():
        dunning_run(actor=None, today=DUE + timedelta(days=30), send=True)
    assert set(DunningCharge.objects.values_list("status", flat=True)) == {ChargeStatus.PENDING}
    assert dunning_charges_book_paid(actor=None, today=DUE + timedelta(days=31)) == 0
    invoices = Invoice.objects.count()
    # when: the customer pays something, the next daily booking invoices the charges
    payment_create(
        actor=company.finance,
        customer_id=debtor.pk,
        amount=D("100.00"),
        payment_date=DUE + timedelta(days=32),
    )
    assert dunning_charges_book_paid(actor=None, today=DUE + timedelta(days=33)) == 1
    assert Invoice.objects.count() == invoices + 1
    assert set(DunningCharge.objects.values_list("status", flat=True)) == {ChargeStatus.INVOICED}
    assert dunning_charges_book_paid(actor=None, today=DUE + timedelta(days=33)) == 0
    assert_verified()


def test_a_payment_clears_fees_then_interest_then_principal(company, debtor):
    charging_policy(company)
    invoice = issue(company, debtor)
    with on_commit():
        dunning_run(actor=None, today=DUE + timedelta(days=30), send=True)
    bill = Invoice.objects.exclude(pk=invoice.pk).get()
    fee, interest = bill.installments.order_by("sequence")
    assert (fee.amount, interest.amount) == (D("50.00"), D("9.29"))
    # when: a payment smaller than the charges arrives and is applied oldest first
    payment = payment_create(
        actor=company.finance,
        customer_id=debtor.pk,
        amount=D("55.00"),
        payment_date=DUE + timedelta(days=31),
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk)
    # then: the fee first, then interest; the older principal untouched
    fee.refresh_from_db()
    interest.refresh_from_db()
    assert (fee.residual, interest.residual) == (D(0), D("4.29"))
    assert installment_of(invoice).residual == GROSS
    assert_verified()


def test_interest_on_a_disputed_item_is_refused_and_the_run_skips_it(company, debtor):
    charging_policy(company)
    item = installment_of(issue(company, debtor))
    dispute_open(actor=company.finance, installment_id=item.pk, reason="price")
    with pytest.raises(DomainError) as refused:
        dunning_charge_interest(
            actor=company.finance, installment_id=item.pk, today=DUE + timedelta(days=30)
        )
    assert refused.value.code == DisputeError.CHARGE_DISPUTED
    with on_commit():
        result = dunning_run(actor=None, today=DUE + timedelta(days=30), send=True)
    assert result.customers == [] and not DunningCharge.objects.exists()


def test_interest_charged_by_hand_and_a_pending_charge_waived(company, debtor):
    charging_policy(company, booking=ChargeBooking.ON_PAYMENT)
    item = installment_of(issue(company, debtor))
    charge = dunning_charge_interest(
        actor=company.finance, installment_id=item.pk, today=DUE + timedelta(days=73)
    )
    assert (charge.amount, charge.days, charge.status) == (D("22.60"), 73, ChargeStatus.PENDING)
    with pytest.raises(DomainError) as nothing:
        dunning_charge_interest(
            actor=company.finance, installment_id=item.pk, today=DUE + timedelta(days=73)
        )
    assert nothing.value.code == DisputeError.CHARGE_NOTHING_DUE
    dunning_charge_waive(actor=company.finance, charge_id=charge.pk, reason="老客户")
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.WAIVED
    with pytest.raises(DomainError) as again:
        dunning_charge_waive(actor=company.finance, charge_id=charge.pk)
    assert again.value.code == DisputeError.CHARGE_NOT_PENDING
    # the waived period is not charged again: the next charge runs from its day
    later = dunning_charge_interest(
        actor=company.finance, installment_id=item.pk, today=DUE + timedelta(days=83)
    )
    assert later.days == 10


def test_a_customer_without_email_gets_a_call_task(company):
    charging_policy(company)
    silent = CustomerFactory(owner=company.rep_east, code="SILENT")
    issue(company, silent)
    with on_commit():
        dunning_run(actor=None, today=DUE + timedelta(days=30), send=True)
    task = CollectionTask.objects.get(customer=silent)
    assert task.kind == TaskKind.CALL and task.assignee == company.rep_east


def test_a_bad_interest_rate_is_refused(company):
    with pytest.raises(DomainError) as refused:
        charging_policy(company, rate=D("-1"))
    assert refused.value.code == CoreError.VALIDATION
    assert not DunningPolicy.objects.exists()

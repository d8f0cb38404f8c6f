"""Receivables through approval: a large bad debt and a large credit note wait, then post
(or not) as the flow decides; small ones post at once.  Every test ends with verify."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashloop.approvals.choices import RequestStatus
from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.services import (
    approval_request_approve,
    approval_request_reject,
    approval_request_withdraw,
)
from cashloop.approvals.tests.conftest import flow, step
from cashloop.core.errors import DomainError
from cashloop.customers.models import Tag
from cashloop.ledger.models import JournalEntry
from cashloop.receivables.choices import HoldStatus, InvoiceStatus, WriteOffKind
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, CreditNote, HeldPosting
from cashloop.receivables.services import (
    allocation_create,
    credit_note_create,
    write_off_create,
)
from cashloop.receivables.tests.test_services import DAY, issued, line, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
LARGE = {"all": [{"field": "amount", "op": "gt", "value": "10000"}]}


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east)


@pytest.fixture
def write_off_flow(company, finance2, controller):
    return flow(
        company.admin,
        "receivables.writeoff",
        conditions=LARGE,
        steps=[
            step({"kind": "role", "value": "finance"}),
            step({"kind": "user", "value": controller.pk}),
        ],
    )


def bad_debt(company, invoice, amount=None):
    return write_off_create(
        actor=company.finance,
        installment_id=invoice.installments.get().pk,
        kind=WriteOffKind.BAD_DEBT,
        reason="客户破产 customer bankrupt",
        amount=amount,
        write_off_date=DAY,
    )


def test_a_large_bad_debt_waits_for_two_steps_then_posts(
    company, customer, finance2, controller, write_off_flow
):
    invoice = issued(company, customer, lines=[line("20000.00")])  # 22,600.00
    entries = JournalEntry.objects.count()
    # when: finance writes off all of it
    hold = bad_debt(company, invoice)
    # then: held, nothing posted
    assert isinstance(hold, HeldPosting)
    assert (hold.status, hold.amount) == (HoldStatus.PENDING, D("22600.00"))
    assert JournalEntry.objects.count() == entries and not Allocation.objects.exists()
    invoice.refresh_from_db()
    assert invoice.residual == D("22600.00")
    assert_verified()
    # a second write-off of the same installment is refused while this one waits
    with pytest.raises(DomainError) as exc:
        bad_debt(company, invoice, amount=D("100.00"))
    assert exc.value.code is ReceivableError.APPROVAL_PENDING
    request = hold.approval_request
    # the submitter is a finance clerk too, but not an approver of their own request
    assert list(request.tasks.values_list("approver__username", flat=True)) == ["fin2"]
    approval_request_approve(actor=finance2, request_id=request.pk)
    assert JournalEntry.objects.count() == entries
    approval_request_approve(actor=controller, request_id=request.pk, comment="同意")
    hold.refresh_from_db()
    invoice.refresh_from_db()
    assert hold.status == HoldStatus.POSTED
    assert hold.allocation.amount == D("22600.00")
    assert hold.allocation.created_by == company.finance
    assert (invoice.residual, invoice.status) == (D(0), InvoiceStatus.WRITTEN_OFF)
    assert_verified()


def test_a_small_bad_debt_below_the_condition_posts_at_once(company, customer, write_off_flow):
    invoice = issued(company, customer)  # 1,130.00
    row = bad_debt(company, invoice)
    assert isinstance(row, Allocation)
    assert not HeldPosting.objects.exists()
    assert_verified()


def test_a_rejected_write_off_posts_nothing_and_frees_the_installment(
    company, customer, finance2, write_off_flow
):
    invoice = issued(company, customer, lines=[line("20000.00")])
    hold = bad_debt(company, invoice)
    approval_request_reject(actor=finance2, request_id=hold.approval_request_id, reason="再催一次")
    hold.refresh_from_db()
    assert hold.status == HoldStatus.REJECTED
    assert not Allocation.objects.exists()
    assert_verified()
    # free again: a new request can be made
    again = bad_debt(company, invoice)
    assert isinstance(again, HeldPosting) and again.pk != hold.pk
    approval_request_withdraw(actor=company.finance, request_id=again.approval_request_id)
    again.refresh_from_db()
    assert again.status == HoldStatus.WITHDRAWN
    assert_verified()


def test_approval_fails_clearly_when_the_residual_shrank_meanwhile(
    company, customer, finance2, controller, write_off_flow
):
    invoice = issued(company, customer, lines=[line("20000.00")])
    hold = bad_debt(company, invoice)
    request = hold.approval_request
    approval_request_approve(actor=finance2, request_id=request.pk)
    # meanwhile the customer pays part of it
    payment = pay(company, customer, "5000.00")
    allocation_create(
        actor=company.finance,
        installment_id=invoice.installments.get().pk,
        payment_id=payment.pk,
        amount=D("5000.00"),
        allocation_date=DAY,
    )
    with pytest.raises(DomainError) as exc:
        approval_request_approve(actor=controller, request_id=request.pk)
    assert exc.value.code is ReceivableError.HOLD_STALE
    assert exc.value.details == {"cause": ReceivableError.OVER_RESIDUAL.code}
    request.refresh_from_db()
    hold.refresh_from_db()
    assert (request.status, request.step, hold.status) == ("pending", 1, HoldStatus.PENDING)
    assert not Allocation.objects.filter(kind="write_off").exists()
    assert_verified()


def test_a_large_credit_note_waits_then_is_issued(company, customer, finance2):
    flow(
        company.admin,
        "receivables.creditnote",
        conditions={"any": [{"field": "invoice_percent", "op": "gte", "value": "50"}]},
        steps=[step({"kind": "role", "value": "finance"})],
    )
    invoice = issued(company, customer)  # 1,130.00
    small = credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[line("100.00")],
        reason="折让",
        credit_date=DAY,
    )
    assert isinstance(small, CreditNote)
    hold = credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[line("600.00")],
        reason="退货",
        credit_date=DAY,
    )
    assert isinstance(hold, HeldPosting)
    assert hold.approval_request.values["invoice_percent"] == "60.00"
    assert CreditNote.objects.count() == 1
    assert_verified()
    approval_request_approve(actor=finance2, request_id=hold.approval_request_id)
    hold.refresh_from_db()
    invoice.refresh_from_db()
    assert hold.status == HoldStatus.POSTED
    assert hold.credit_note.amount == D("678.00")
    assert invoice.residual == D("1130.00") - D("113.00") - D("678.00")
    assert hold.approval_request.status == RequestStatus.APPROVED
    assert_verified()


def test_customer_tags_in_conditions(company, customer, finance2):
    flow(
        company.admin,
        "receivables.writeoff",
        conditions={"all": [{"field": "customer.tags", "op": "contains", "value": "key account"}]},
        steps=[step({"kind": "role", "value": "finance"})],
    )
    invoice = issued(company, customer)
    assert isinstance(bad_debt(company, invoice, amount=D("10.00")), Allocation)
    customer.tags.add(Tag.objects.create(name="Key Account"))
    assert isinstance(bad_debt(company, invoice, amount=D("10.00")), HeldPosting)
    assert_verified()


def test_an_unknown_request_is_not_found(company):
    with pytest.raises(DomainError) as exc:
        approval_request_approve(actor=company.finance, request_id=999)
    assert exc.value.code is ApprovalError.REQUEST_NOT_FOUND

"""Credit notes, write-offs, refunds and early-payment discounts, each ending with verify."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from cashloop.core.errors import CoreError, DomainError
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalLine
from cashloop.receivables.choices import InvoiceStatus, OpenItemKind, WriteOffKind
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, CustomerBalance, Installment
from cashloop.receivables.services import (
    InstallmentIn,
    allocation_create,
    allocation_undo,
    credit_note_create,
    payment_auto_allocate,
    payment_refund,
    write_off_create,
)
from cashloop.receivables.tests.test_services import DAY, issued, line, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east)


def balance(customer):
    row = CustomerBalance.objects.get(customer=customer)
    return row.receivable, row.advance


def test_credit_note_against_an_invoice_reduces_its_residual(company, customer):
    invoice = issued(company, customer)  # 1,130.00
    note = credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[line("100.00")],
        reason="退货 returned goods",
        credit_date=DAY,
    )
    assert (note.number, note.amount, note.unapplied) == ("CN-2026-000001", D("113.00"), D(0))
    invoice.refresh_from_db()
    assert invoice.residual == D("1017.00")
    assert balance(customer) == (D("1017.00"), D(0))
    revenue = JournalLine.objects.filter(
        account__role=AccountRole.REVENUE, entry=note.journal_entry
    )
    assert revenue.get().amount == D("100.00")  # revenue reversed (a debit)
    assert_verified()


def test_credit_beyond_the_residual_stays_as_credit_and_applies_later(company, customer):
    invoice = issued(company, customer, lines=[line("100.00")])  # 113.00
    note = credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[line("200.00")],
        reason="price adjustment",
        credit_date=DAY,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    note.refresh_from_db()
    assert note.unapplied == D("113.00")
    later = issued(company, customer, lines=[line("50.00")])
    payment_auto_allocate(actor=company.finance, credit_note_id=note.pk, allocation_date=DAY)
    later.refresh_from_db()
    assert later.status == InvoiceStatus.PAID
    assert balance(customer) == (D(0), D("56.50"))
    assert_verified()


def test_standalone_credit_note_is_credit_on_the_account(company, customer):
    note = credit_note_create(
        actor=company.finance,
        customer_id=customer.pk,
        lines=[line("10.00", rate="0.06")],
        reason="goodwill",
        credit_date=DAY,
    )
    assert note.invoice is None and note.unapplied == D("10.60")
    assert balance(customer) == (D(0), D("10.60"))
    assert_verified()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reason": "  "}, ReceivableError.REASON_REQUIRED),
        ({"lines": []}, ReceivableError.NO_LINES),
        ({"lines": [line("1.001")]}, ReceivableError.TOO_MANY_DECIMALS),
    ],
)
def test_bad_credit_notes_change_nothing(company, customer, kwargs, code):
    invoice = issued(company, customer)
    with pytest.raises(DomainError) as exc:
        credit_note_create(
            actor=company.finance,
            invoice_id=invoice.pk,
            credit_date=DAY,
            **{"lines": [line("1")], "reason": "x", **kwargs},
        )
    assert exc.value.code is code
    invoice.refresh_from_db()
    assert invoice.residual == D("1130.00")
    assert_verified()


def test_reps_cannot_issue_credit_notes(company, customer):
    invoice = issued(company, customer)
    with pytest.raises(DomainError) as exc:
        credit_note_create(
            actor=company.rep_east,
            invoice_id=invoice.pk,
            lines=[line("1")],
            reason="x",
            credit_date=DAY,
        )
    assert exc.value.code is CoreError.PERMISSION_DENIED


@override_settings(CASHLOOP_WRITE_OFF_TOLERANCE="1.00")
def test_small_residual_write_off_within_tolerance(company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "1129.01")
    installment = invoice.installments.get()
    allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=installment.pk,
        amount=D("1129.01"),
    )
    invoice.refresh_from_db()
    assert invoice.residual == D("0.99")  # a small residual stays visible until written off
    write_off_create(
        actor=company.finance, installment_id=installment.pk, kind=WriteOffKind.SMALL_RESIDUAL
    )
    invoice.refresh_from_db()
    assert (invoice.residual, invoice.status) == (D(0), InvoiceStatus.PAID)
    assert JournalLine.objects.get(account__role=AccountRole.ROUNDING).amount == D("0.99")
    assert_verified()


def test_write_off_rules(company, customer):
    invoice = issued(company, customer)
    installment = invoice.installments.get()
    with pytest.raises(DomainError) as exc:
        write_off_create(
            actor=company.finance, installment_id=installment.pk, kind=WriteOffKind.SMALL_RESIDUAL
        )
    assert exc.value.code is ReceivableError.OVER_TOLERANCE
    with pytest.raises(DomainError) as exc:
        write_off_create(
            actor=company.finance, installment_id=installment.pk, kind=WriteOffKind.BAD_DEBT
        )
    assert exc.value.code is ReceivableError.REASON_REQUIRED
    with pytest.raises(DomainError) as exc:
        write_off_create(
            actor=company.rep_east,
            installment_id=installment.pk,
            kind=WriteOffKind.BAD_DEBT,
            reason="x",
        )
    assert exc.value.code is CoreError.PERMISSION_DENIED
    assert not Allocation.objects.exists()
    write_off_create(
        actor=company.finance,
        installment_id=installment.pk,
        kind=WriteOffKind.BAD_DEBT,
        reason="客户破产 customer bankrupt",
        write_off_date=DAY,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.WRITTEN_OFF
    assert JournalLine.objects.get(account__role=AccountRole.CREDIT_LOSS).amount == D("1130.00")
    assert balance(customer) == (D(0), D(0))
    assert_verified()


def test_refund_of_an_advance(company, customer):
    payment = pay(company, customer, "300.00")
    payment_refund(
        actor=company.finance, payment_id=payment.pk, amount=D("100.00"), refund_date=DAY
    )
    assert balance(customer) == (D(0), D("200.00"))
    with pytest.raises(DomainError) as exc:
        payment_refund(
            actor=company.finance, payment_id=payment.pk, amount=D("200.01"), refund_date=DAY
        )
    assert exc.value.code is ReceivableError.OVER_UNAPPLIED
    assert_verified()


def test_early_payment_discount_settles_the_installment_in_time(company, customer):
    invoice = issued(
        company,
        customer,
        installments=[InstallmentIn(due_days=30, discount_percent=D("2"), discount_days=10)],
    )
    installment = invoice.installments.get()
    assert installment.discount_amount == D("22.60")
    assert installment.discount_until == DAY + timedelta(days=10)
    payment = pay(company, customer, "1107.40")
    allocation = allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=installment.pk,
        amount=D("1107.40"),
        allocation_date=DAY + timedelta(days=5),
    )
    invoice.refresh_from_db()
    assert (invoice.residual, invoice.status) == (D(0), InvoiceStatus.PAID)
    assert JournalLine.objects.get(account__role=AccountRole.DISCOUNT).amount == D("22.60")
    assert_verified()
    allocation_undo(actor=company.finance, allocation_id=allocation.pk)  # the discount goes too
    invoice.refresh_from_db()
    assert invoice.residual == D("1130.00")
    assert Installment.objects.get(pk=installment.pk).residual == D("1130.00")
    assert_verified()


def test_late_payment_earns_no_discount(company, customer):
    invoice = issued(
        company,
        customer,
        installments=[InstallmentIn(due_days=30, discount_percent=D("2"), discount_days=10)],
    )
    installment = invoice.installments.get()
    payment = pay(company, customer, "1107.40")
    with pytest.raises(DomainError) as exc:
        # Without the discount, 1,107.40 is simply a partial payment... which is allowed;
        # so pay it late and check no discount row appears.
        allocation_create(
            actor=company.finance,
            payment_id=payment.pk,
            installment_id=installment.pk,
            amount=D("1107.41"),
            allocation_date=DAY + timedelta(days=20),
        )
    assert exc.value.code is ReceivableError.OVER_UNAPPLIED
    allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=installment.pk,
        amount=D("1107.40"),
        allocation_date=DAY + timedelta(days=20),
    )
    assert not Allocation.objects.filter(kind=OpenItemKind.DISCOUNT).exists()
    invoice.refresh_from_db()
    assert invoice.residual == D("22.60")
    assert_verified()


def test_allocation_cannot_predate_its_documents(company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "10.00", payment_date=date(2026, 3, 20))
    with pytest.raises(DomainError) as exc:
        allocation_create(
            actor=company.finance,
            payment_id=payment.pk,
            installment_id=invoice.installments.get().pk,
            amount=D("10"),
            allocation_date=date(2026, 3, 15),
        )
    assert exc.value.code is ReceivableError.ALLOCATION_DATE
    assert_verified()

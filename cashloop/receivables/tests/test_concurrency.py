"""Racing allocations on PostgreSQL: never over-allocated, never deadlocked, verify clean."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from cashloop.core.errors import DomainError
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, Installment
from cashloop.receivables.services import (
    LineIn,
    allocation_create,
    invoice_create,
    invoice_issue,
    payment_create,
)
from cashloop.receivables.tests.test_services import DAY
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls):
    """Run the calls at once in threads; return (results, domain errors, other errors)."""
    barrier = threading.Barrier(len(calls))
    results, refusals, crashes = [], [], []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait()
            outcome = call()
            with lock:
                results.append(outcome)
        except DomainError as exc:
            with lock:
                refusals.append(exc.code)
        except BaseException as exc:  # deadlocks and the like end up here
            with lock:
                crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, refusals, crashes


def _invoice(finance, customer, price):
    draft = invoice_create(
        actor=finance,
        customer_id=customer.pk,
        issue_date=DAY,
        lines=[LineIn("item", D(1), D(price), D("0"))],
    )
    return invoice_issue(actor=finance, invoice_id=draft.pk)


def test_one_payment_raced_onto_many_invoices():
    finance = UserFactory(roles=["finance"])
    customer = CustomerFactory()
    invoices = [_invoice(finance, customer, "100.00") for _ in range(8)]
    payment = payment_create(
        actor=finance, customer_id=customer.pk, amount=D("500.00"), payment_date=DAY
    )
    installments = [inv.installments.get() for inv in invoices]
    calls = [
        (
            lambda inst=inst: allocation_create(
                actor=finance,
                payment_id=payment.pk,
                installment_id=inst.pk,
                amount=D("100.00"),
                allocation_date=DAY,
            )
        )
        for inst in installments
    ]
    results, refusals, crashes = _race(calls)
    assert crashes == []
    assert len(results) == 5
    assert refusals == [ReceivableError.OVER_UNAPPLIED] * 3
    payment.refresh_from_db()
    assert payment.unapplied == 0
    assert_verified()


def test_many_payments_raced_onto_one_invoice():
    finance = UserFactory(roles=["finance"])
    customer = CustomerFactory()
    invoice = _invoice(finance, customer, "1000.00")
    installment = invoice.installments.get()
    payments = [
        payment_create(actor=finance, customer_id=customer.pk, amount=D("300.00"), payment_date=DAY)
        for _ in range(6)
    ]
    calls = [
        (
            lambda p=p: allocation_create(
                actor=finance,
                payment_id=p.pk,
                installment_id=installment.pk,
                amount=D("300.00"),
                allocation_date=DAY,
            )
        )
        for p in payments
    ]
    results, refusals, crashes = _race(calls)
    assert crashes == []
    assert len(results) == 3
    assert refusals == [ReceivableError.OVER_RESIDUAL] * 3
    assert Installment.objects.get(pk=installment.pk).residual == D("100.00")
    assert Allocation.objects.count() == 3
    assert_verified()

"""verify's receivables checks find a figure that no longer matches the rows beneath it."""

from decimal import Decimal

import pytest

from cashloop.receivables.models import CreditNote, Invoice, InvoiceLine, Payment
from cashloop.receivables.services import allocation_create, credit_note_create, payment_refund
from cashloop.receivables.tests.test_services import DAY, issued, line, pay
from cashloop.receivables.verify import credits_match_their_rows, invoices_match_their_parts
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def books(company):
    customer = CustomerFactory(owner=company.rep_east)
    invoice = issued(company, customer)
    payment = pay(company, customer, "2000.00")
    allocation_create(
        actor=company.finance,
        payment_id=payment.pk,
        installment_id=invoice.installments.get().pk,
        amount=D("500.00"),
        allocation_date=DAY,
    )
    payment_refund(
        actor=company.finance, payment_id=payment.pk, amount=D("100.00"), refund_date=DAY
    )
    note = credit_note_create(
        actor=company.finance,
        customer_id=customer.pk,
        lines=[line("10.00")],
        reason="goodwill",
        credit_date=DAY,
    )
    assert_verified()
    return invoice, payment, note


def test_a_clean_book_passes_and_counts_what_it_checked(books):
    assert invoices_match_their_parts().problems == []
    credits = credits_match_their_rows()
    assert credits.problems == [] and credits.checked == 2


@pytest.mark.parametrize(
    "tamper",
    [
        lambda inv: Invoice.objects.filter(pk=inv.pk).update(total=D("1130.01")),
        lambda inv: Invoice.objects.filter(pk=inv.pk).update(residual=D("1.00")),
        lambda inv: InvoiceLine.objects.filter(invoice=inv).update(total=D("1.00")),
        lambda inv: inv.installments.update(amount=D("1.00")),
    ],
)
def test_an_invoice_that_disagrees_with_its_parts_is_reported(books, tamper):
    invoice = books[0]
    tamper(invoice)
    problems = invoices_match_their_parts().problems
    assert len(problems) == 1 and invoice.number in problems[0]


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (Payment, {"unapplied": D("1500.00")}),  # forgets the refund
        (Payment, {"base_unapplied": D("1.00")}),
        (Payment, {"journal_entry": None}),
        (CreditNote, {"unapplied": D("11.29")}),
    ],
)
def test_a_credit_that_disagrees_with_its_rows_is_reported(books, model, change):
    model.objects.update(**change)
    problems = credits_match_their_rows().problems
    assert len(problems) == 1

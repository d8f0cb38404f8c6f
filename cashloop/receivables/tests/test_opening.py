"""Opening invoices of a migration (decision 070): created issued in one pass, leaving
what drafting then issuing leaves, without a sale's gates or webhooks."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction, AuditEntry
from cashloop.customers.errors import CustomerError
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account, JournalEntry, JournalLine
from cashloop.receivables.choices import DueRule, InvoiceOrigin, InvoiceStatus
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import CustomerBalance, Invoice
from cashloop.receivables.services import (
    InstallmentIn,
    InvoiceIn,
    LineIn,
    invoice_create_many,
    invoice_issue_many,
    invoice_open_many,
)
from cashloop.receivables.tests.test_services import DAY
from cashloop.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal


def opening(customer, amount, days=0, parts=(1,), origin=InvoiceOrigin.OPENING):
    account = Account.objects.get(role=AccountRole.OPENING)
    issued = DAY + timedelta(days=days)
    return InvoiceIn(
        customer_id=customer.pk,
        issue_date=issued,
        lines=[
            LineIn(
                description="Opening balance",
                quantity=D(1),
                unit_price=D(amount),
                tax_rate=D(0),
                revenue_account_id=account.pk,
            )
        ],
        installments=[
            InstallmentIn(
                share=D(share), due_rule=DueRule.FIXED_DATE, fixed_date=issued + timedelta(30 * n)
            )
            for n, share in enumerate(parts, 1)
        ],
        memo=f"OLD-{amount}",
        origin=origin,
    )


@pytest.fixture
def two(company):
    return [CustomerFactory(owner=company.rep_east) for _ in range(2)]


def test_opened_invoices_are_issued_with_their_entries_balances_and_audit(company, two):
    WebhookSubscription.objects.create(
        name="books", url="https://books.example.com/hook", events=["invoice.issued"], secret="s"
    )
    drafts = [
        opening(two[0], "300.00", days=5, parts=(1, 2)),
        opening(two[1], "100.10", days=0),
        opening(two[0], "50.00", days=2),
    ]
    made = invoice_open_many(actor=company.finance, invoices=drafts)
    invoices = Invoice.objects.filter(pk__in=[i.pk for i in made]).order_by("number")
    # Numbered in date order, each issued with its own entry: Dr AR / Cr opening balances.
    assert [i.issue_date for i in invoices] == sorted(d.issue_date for d in drafts)
    assert {i.status for i in invoices} == {InvoiceStatus.ISSUED}
    assert {i.origin for i in invoices} == {InvoiceOrigin.OPENING}
    big = invoices.get(total=D("300.00"))
    assert list(big.installments.values_list("amount", flat=True)) == [D("100.00"), D("200.00")]
    lines = JournalLine.objects.filter(entry=big.journal_entry)
    assert sorted((line.account.role, line.amount) for line in lines) == [
        (AccountRole.AR, D("300.00")),
        (AccountRole.OPENING, D("-300.00")),
    ]
    assert big.journal_entry.idempotency_key == f"invoice:{big.pk}:issue"
    balance = CustomerBalance.objects.get(customer=two[0])
    assert balance.receivable == D("350.00")
    # One audit row each, of the invoice as it was created: issued.
    rows = AuditEntry.objects.filter(object_id__in=[str(i.pk) for i in made])
    assert sorted(r.action for r in rows) == [AuditAction.CREATE] * 3
    assert {r.changes["status"][1] for r in rows} == {InvoiceStatus.ISSUED}
    # Not a sale made now: the subscriber's books had them already.
    assert not WebhookDelivery.objects.exists()
    assert_verified()


FIELDS = ("customer_id", "status", "origin", "currency", "rate", "issue_date", "subtotal")
FIELDS += ("tax_total", "total", "base_total", "residual", "memo")


def left_behind(invoice_id):
    """An invoice's values, installments and entry lines, without its ids and number."""
    invoice = Invoice.objects.get(pk=invoice_id)
    entry = JournalEntry.objects.get(pk=invoice.journal_entry_id)
    return (
        [getattr(invoice, f) for f in FIELDS],
        list(invoice.installments.values_list("sequence", "due_date", "amount", "residual")),
        (entry.date, entry.reason, len(entry.payload_hash)),
        sorted(entry.lines.values_list("account_id", "amount", "base_amount", "customer_id")),
    )


def test_opening_leaves_the_rows_drafting_then_issuing_leaves(company, two):
    opened = invoice_open_many(actor=company.finance, invoices=[opening(two[0], "88.88")])[0]
    drafted = invoice_create_many(actor=company.finance, invoices=[opening(two[0], "88.88")])
    issued = invoice_issue_many(actor=company.finance, invoice_ids=[drafted[0].pk])[0]
    assert left_behind(opened.pk) == left_behind(issued.pk)
    assert_verified()


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ({"origin": InvoiceOrigin.NON_CONTRACT}, ReceivableError.NOT_OPENING),
        ({"customer_id": 0}, CustomerError.NOT_FOUND),
        ({"currency": "USD"}, ReceivableError.RATE_REQUIRED),
    ],
)
def test_a_bad_invoice_refuses_the_batch_and_changes_nothing(company, two, bad, code):
    good = opening(two[0], "10.00")
    wrong = replace(opening(two[1], "20.00"), **bad)
    with pytest.raises(DomainError) as refused:
        invoice_open_many(actor=company.finance, invoices=[good, wrong])
    assert refused.value.code == code
    assert refused.value.details["position"] == 2
    assert not Invoice.objects.exists() and not JournalEntry.objects.exists()
    assert not CustomerBalance.objects.exists()
    assert_verified()


def test_opening_needs_the_right_to_issue(company, two):
    with pytest.raises(DomainError):
        invoice_open_many(actor=company.rep_east, invoices=[opening(two[0], "10.00")])
    assert not Invoice.objects.exists()

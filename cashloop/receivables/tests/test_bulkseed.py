"""The bulk seed writes a company that `cashloop verify` accepts, on both databases."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Sum
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.models import Sequence
from cashloop.customers.models import Customer
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import AccountingPeriod, JournalEntry, JournalLine
from cashloop.receivables.bulkseed import Book
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import (
    Allocation,
    CustomerBalance,
    Installment,
    Invoice,
    Payment,
)
from cashloop.receivables.services import payment_auto_allocate, payment_create
from cashloop.reports.selectors import aging_params, aging_summary
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db


def _book(company, *, n: int = 50, seed: int = 5) -> Book:  # type: ignore[no-untyped-def]
    for i in range(n):
        CustomerFactory(owner=company.rep_east, currency="USD" if i % 5 == 0 else "CNY")
    customers = list(Customer.objects.order_by("pk").values_list("pk", "currency"))
    return Book(customers, today=timezone.localdate(), seed=seed, actor_id=company.finance.pk)


def _open_by_currency() -> dict[str, Decimal]:
    return {
        row["invoice__currency"]: row["r"]
        for row in Installment.objects.exclude(residual=0)
        .values("invoice__currency")
        .annotate(r=Sum("residual"))
    }


def test_generated_company_verifies_and_ages_to_its_open_items(company):
    book = _book(company)
    # Advances for a fifth of the customers: 5% of fifty may well be none.
    made = book.generate(open_items=200, closed_items=600, advance_share=0.2)
    book.finish()

    assert made["open_installments"] >= 200 and made["closed_installments"] >= 600
    assert Installment.objects.exclude(residual=0).count() == made["open_installments"]
    assert made["journalentry"] == JournalEntry.objects.count()
    assert made["journalentry"] == made["invoice"] + made["payment"] + made["allocation"]
    assert_verified()

    # Each kind the services make is there: paid, partly paid and untouched invoices,
    # advances, and USD allocations at another rate than their invoice's.
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == {InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.ISSUED}
    assert Payment.objects.filter(allocations=None, unapplied__gt=0).exists()
    assert JournalLine.objects.filter(account__role="fx").exists()
    assert JournalEntry.objects.filter(idempotency_key__startswith="invoice:").count() == (
        Invoice.objects.count()
    )
    months = {(d.year, d.month) for d in JournalEntry.objects.dates("date", "month")}
    assert months == set(AccountingPeriod.objects.values_list("year", "month"))

    # The aging (both the stored figures and the sum of every row) equals the open items.
    user = company.finance
    for fast in (True, False):
        summary = aging_summary(user=user, params=aging_params(), limit=None, from_stored=fast)
        assert {t.currency: t.total for t in summary.totals} == _open_by_currency()
        advances = {t.currency: t.advance for t in summary.totals}
        stored = defaultdict(Decimal)
        for balance in CustomerBalance.objects.all():
            stored[balance.currency] += balance.advance
        assert advances == {c: stored[c] for c in advances}
        assert {c for c, v in stored.items() if v} <= set(advances)
    assert aging_summary(user=user, params=aging_params(), limit=None).from_stored


def test_services_carry_on_after_the_bulk_rows(company):
    book = _book(company, n=10)
    book.generate(open_items=20, closed_items=30, advance_share=0.5)
    book.finish()
    # The services go on numbering and identifying after the bulk rows.
    customer = Customer.objects.get(pk=book.customers[0][0])
    payment = payment_create(
        actor=company.finance,
        customer_id=customer.pk,
        amount=Decimal("100.00"),
        payment_date=book.today,
        rate=Decimal("7.1") if customer.currency == "USD" else None,
    )
    assert payment.pk == Payment.objects.aggregate(n=Max("pk"))["n"]
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk)
    assert_verified()

    # A second history on top (the benchmark doubles the paid one) still verifies.
    book.generate(open_items=0, closed_items=40, advance_share=0)
    book.finish()
    assert_verified()
    assert Allocation.objects.count() > 0


@pytest.mark.postgres
def test_an_unbalanced_entry_is_refused_as_the_ledger_trigger_would(company, monkeypatch):
    book = _book(company, n=5)
    flush = Book.flush

    def off_by_a_cent(self: Book) -> None:
        entry, account, currency, amount, base, *rest = self.rows[JournalLine][0]
        cent = Decimal("0.01")
        self.rows[JournalLine][0] = (entry, account, currency, amount + cent, base + cent, *rest)
        flush(self)

    monkeypatch.setattr(Book, "flush", off_by_a_cent)
    with pytest.raises(DomainError) as refused:
        book.generate(open_items=5, closed_items=5)
    assert refused.value.code == LedgerError.UNBALANCED
    assert not JournalLine.objects.exists() and not Invoice.objects.exists()


@pytest.fixture
def _receivables_only(monkeypatch):  # type: ignore[no-untyped-def]
    """Only the people, customers and receivables of `large`: the sales seed makes its
    300,000 opportunities whatever the number of customers asked for."""
    monkeypatch.setattr(
        "cashloop.web.management.commands.seed.seed_sales", lambda **kwargs: 0, raising=False
    )


@pytest.mark.usefixtures("_receivables_only")
def test_seed_large_end_to_end():
    call_command("seed", size="large", customers=50, open_installments=200, seed=3, verbosity=0)
    assert Customer.objects.count() == 50
    assert Installment.objects.exclude(residual=0).count() >= 200
    assert Installment.objects.filter(residual=0).count() >= 600
    assert_verified()
    counters = {(c.series, c.year): c.next_value - 1 for c in Sequence.objects.filter(series="INV")}
    per_year = Invoice.objects.values("issue_date__year").annotate(n=Count("id"))
    assert counters == {("INV", row["issue_date__year"]): row["n"] for row in per_year}


@pytest.mark.usefixtures("_receivables_only")
def test_seed_large_is_deterministic():
    from django.db import transaction

    def load() -> list[tuple[str, date, Decimal, str]]:
        call_command("seed", size="large", customers=20, open_installments=30, seed=9)
        return list(
            Invoice.objects.order_by("number").values_list(
                "number", "issue_date", "total", "customer__code"
            )
        )

    with transaction.atomic():
        first = load()
        transaction.set_rollback(True)
    assert load() == first

"""The payment history read from the receivables, the backtest against the naive forecasts,
and `cashloop forecast backtest` (decision 053)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.customers.models import Customer
from cashloop.receivables.bulkseed import Book
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.services import write_off_create
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from cashloop.treasury.backtest import backtest
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.history import NOT_SETTLED, day_number, payment_history
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db


def test_the_history_knows_when_each_installment_was_settled_and_how(company):
    customer = CustomerFactory(owner=company.rep_east)
    issued = date(2026, 1, 5)
    inv = invoice(
        company.finance,
        customer,
        issued,
        ("600.00", date(2026, 2, 4)),
        ("300.00", date(2026, 3, 6)),
        ("100.00", date(2026, 4, 5)),
    )
    paid, written_off, still_open = items(inv)
    payment = pay(company.finance, customer, "700.00", date(2026, 2, 20))
    # Paid in two goes: settled on the second.
    apply(company.finance, payment, paid, "400.00", date(2026, 2, 20))
    apply(company.finance, payment, paid, "200.00", date(2026, 2, 25))
    apply(company.finance, payment, still_open, "50.00", date(2026, 2, 25))
    write_off_create(
        actor=company.finance,
        installment_id=written_off.pk,
        kind=WriteOffKind.BAD_DEBT,
        reason="破产 Bankrupt",
        write_off_date=date(2026, 4, 1),
    )

    history = payment_history(chunk=2)  # several chunks

    assert history.installment.tolist() == [paid.pk, written_off.pk, still_open.pk]
    assert history.customer.tolist() == [customer.pk] * 3
    assert history.issued.tolist() == [day_number(issued)] * 3
    assert history.due.tolist() == [day_number(i.due_date) for i in (paid, written_off, still_open)]
    assert history.amount.tolist() == [600.0, 300.0, 100.0]
    assert history.settled.tolist() == [
        day_number(date(2026, 2, 25)),
        day_number(date(2026, 4, 1)),
        NOT_SETTLED,
    ]
    assert history.by_payment.tolist() == [True, False, False]
    assert history.known(day_number(date(2026, 2, 24))).tolist() == [False] * 3
    assert history.known(day_number(date(2026, 2, 25))).tolist() == [True, False, False]
    assert history.open_on(day_number(date(2026, 3, 1))).tolist() == [False, True, True]
    assert_verified()


@pytest.fixture
def seeded(company):
    """A company with four years of paid invoices and some open ones, each customer paying
    by their habit (`receivables.bulkseed`)."""
    for _ in range(60):
        CustomerFactory(owner=company.rep_east, currency="CNY")
    customers = list(Customer.objects.order_by("pk").values_list("pk", "currency"))
    book = Book(customers, today=timezone.localdate(), seed=11, actor_id=company.finance.pk)
    book.generate(open_items=400, closed_items=2400)
    book.finish()
    return payment_history()


def test_the_model_beats_both_naive_forecasts(seeded):
    today = timezone.localdate()
    for months in (3, 5):
        result = backtest(seeded, today - timedelta(days=30 * months), today)
        assert result.evaluated > 50
        assert result.learnt_from > 1000
        assert result.ratio("due_date") > 1.2
        assert result.ratio("customer_average") > 1.05
        assert result.score("model").timing > result.score("due_date").timing


def test_the_command_prints_a_row_per_day(seeded, monkeypatch):
    out = StringIO()
    today = timezone.localdate()
    days = [today - timedelta(days=150), today - timedelta(days=90)]
    call_command("forecast", "backtest", *(f"--as-of={d.isoformat()}" for d in days), stdout=out)
    lines = out.getvalue().splitlines()
    assert "MAE model" in lines[0] and "x due" in lines[0]
    assert [line.split()[0] for line in lines[1:-1]] == [d.isoformat() for d in days]
    assert lines[-1].startswith("all days: MAE model")


def test_a_day_before_any_payment_or_after_every_outcome_is_refused(seeded):
    today = timezone.localdate()
    with pytest.raises(DomainError) as before:
        backtest(seeded, date(2015, 1, 1), today)
    assert before.value.code is TreasuryError.BACKTEST_NO_HISTORY
    with pytest.raises(DomainError) as after:
        backtest(seeded, today, today)
    assert after.value.code is TreasuryError.BACKTEST_NO_OUTCOME
    with pytest.raises(CommandError, match=r"treasury\.backtest_no_history"):
        call_command("forecast", "backtest", "--as-of=2015-01-01", stdout=StringIO())
    with pytest.raises(CommandError, match="not a date"):
        call_command("forecast", "backtest", "--as-of=2026-13-01", stdout=StringIO())

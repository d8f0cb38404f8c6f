"""The cash position: book balance from the ledger, bank balance from the statements, the
total in base currency at each account's rate, and its history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from cashloop.banking.choices import ImportStatus
from cashloop.banking.models import StatementImport
from cashloop.core.errors import DomainError
from cashloop.treasury.selectors import cash_history, cash_position, history_days
from cashloop.treasury.services import exchange_rate_set
from cashloop.treasury.tests.cash_fixtures import post, statement
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 31)


def test_book_and_bank_balances_and_the_total_in_base_currency(company, treasurer, bank_accounts):
    # given: CNY 10,000 and USD 1,000 posted; the CNY bank reports 9,500 (a fee not yet booked)
    cny, usd = bank_accounts["CNY"], bank_accounts["USD"]
    post(cny, date(2026, 3, 1), "10000.00")
    post(usd, date(2026, 3, 2), "1000.00", base="7100.00")
    post(cny, date(2026, 4, 2), "555.00")  # after the day asked: not counted
    statement(company.finance, cny, (date(2026, 3, 1), "10000.00"), (date(2026, 3, 5), "-500.00"))
    exchange_rate_set(actor=treasurer, currency="USD", day=date(2026, 3, 30), rate=D("7.2"))
    # when
    position = cash_position(user=treasurer, as_of=DAY)
    # then
    by = {a.currency: a for a in position.accounts}
    assert (by["CNY"].book, by["CNY"].bank, by["CNY"].difference) == (
        D("10000"),
        D("9500"),
        D("-500"),
    )
    assert (by["USD"].book, by["USD"].bank, by["USD"].difference) == (D("1000"), None, None)
    assert by["USD"].rate == D("7.2") and by["USD"].balance_base == D("7200.00")
    assert position.total == D("9500") + D("7200.00")
    assert position.total_book == D("10000") + D("7200.00")
    assert position.currency == "CNY"
    assert_verified()


def test_an_opening_balance_of_an_imported_statement_anchors_the_bank_balance(
    company, bank_accounts
):
    cny = bank_accounts["CNY"]
    statement(company.finance, cny, (date(2026, 3, 1), "50.00"), (date(2026, 3, 3), "70.00"))
    # the later statement says the account held 1,000.00 on 2 March
    StatementImport.objects.create(
        bank_account=cny,
        format="api",
        status=ImportStatus.IMPORTED,
        opening_balance=D("1000.00"),
        period_start=date(2026, 3, 2),
        created_by=company.finance,
    )
    assert cash_position(user=company.finance, as_of=date(2026, 3, 1)).accounts[0].bank is None
    assert cash_position(user=company.finance, as_of=DAY).accounts[0].bank == D("1070.00")


def test_lines_without_an_opening_balance_or_opening_day_are_no_balance(company, bank_accounts):
    usd = bank_accounts["USD"]  # no opening day: its first statement may start mid-life
    statement(company.finance, usd, (date(2026, 3, 1), "50.00"))
    by = {a.currency: a for a in cash_position(user=company.finance, as_of=DAY).accounts}
    assert by["USD"].bank is None and by["CNY"].bank is None


def test_a_foreign_account_without_a_rate_is_a_clear_error(treasurer, bank_accounts):
    post(bank_accounts["USD"], date(2026, 3, 2), "1000.00", base="7100.00")
    with pytest.raises(DomainError) as caught:
        cash_position(user=treasurer, as_of=DAY)
    assert caught.value.code.code == "treasury.rate_missing"
    assert caught.value.details == {"currency": "USD", "date": "2026-03-31"}
    assert_verified()


def test_the_history_is_daily_up_to_a_quarter_and_weekly_beyond():
    assert len(history_days(DAY - timedelta(days=90), DAY)) == 91
    weekly = history_days(DAY - timedelta(days=365), DAY)
    assert weekly[-1] == DAY and weekly[-1] - weekly[-2] == timedelta(days=7)
    with pytest.raises(DomainError) as caught:
        history_days(DAY, DAY - timedelta(days=1))
    assert caught.value.code.code == "treasury.range_invalid"


def test_the_history_follows_the_postings_at_each_days_rate(treasurer, bank_accounts):
    usd = bank_accounts["USD"]
    exchange_rate_set(actor=treasurer, currency="USD", day=date(2026, 3, 1), rate=D("7"))
    exchange_rate_set(actor=treasurer, currency="USD", day=date(2026, 3, 3), rate=D("8"))
    post(usd, date(2026, 3, 2), "100.00", base="700.00")
    points = cash_history(user=treasurer, start=date(2026, 3, 1), end=date(2026, 3, 3))
    assert [(p.day.day, p.total) for p in points] == [
        (1, D("0")),
        (2, D("700.00")),
        (3, D("800.00")),
    ]
    assert_verified()


@pytest.mark.parametrize("role", ["viewer", "rep_east"])
def test_viewer_and_rep_do_not_see_the_cash(company, role):
    with pytest.raises(DomainError) as caught:
        cash_position(user=getattr(company, role), as_of=DAY)
    assert caught.value.code.code == "permission.denied"

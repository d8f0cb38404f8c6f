"""AR KPIs as of a date: total and overdue AR, overdue ratio, collected, DSO by countback."""

from datetime import date
from decimal import Decimal

import pytest

from cashloop.core.errors import DomainError
from cashloop.reports.errors import ReportError
from cashloop.reports.selectors import aging_params, ar_kpis, dso_countback
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal


def test_dso_countback_worked_example():
    # AR 5,500 on 15 March; invoiced March 1-15: 1,000, February: 3,000, January: 4,000.
    sales = {date(2026, 3, 1): D(1000), date(2026, 2, 1): D(3000), date(2026, 1, 1): D(4000)}
    dso, exhausted = dso_countback(D(5500), date(2026, 3, 15), sales, date(2025, 1, 1))
    # 15 days of March + 28 of February + 31 x 1,500 / 4,000 of January = 54.625
    assert (dso, exhausted) == (D("54.6"), True)


@pytest.mark.parametrize(
    ("ar", "expected"),
    [
        ("0", "0.0"),  # nothing owed
        ("500", "7.5"),  # half of this month's 1,000 over 15 days
        ("1000", "15.0"),  # exactly this month's invoicing
        ("1001", "15.0"),  # one yuan of February: 28 / 3,000 of a day
        ("8000", "74.0"),  # everything: 15 + 28 + 31
    ],
)
def test_dso_countback_edges(ar, expected):
    sales = {date(2026, 3, 1): D(1000), date(2026, 2, 1): D(3000), date(2026, 1, 1): D(4000)}
    dso, _ = dso_countback(D(ar), date(2026, 3, 15), sales, date(2026, 1, 1))
    assert dso == D(expected)


def test_dso_counts_months_without_invoicing_whole():
    sales = {date(2026, 1, 1): D(2000)}  # nothing in February or March
    dso, exhausted = dso_countback(D(1000), date(2026, 3, 15), sales, date(2026, 1, 1))
    assert (dso, exhausted) == (D("58.5"), True)  # 15 + 28 + 31 / 2


def test_dso_says_when_invoicing_ran_out():
    dso, exhausted = dso_countback(D(100), date(2026, 3, 15), {}, date(2026, 2, 1))
    assert (dso, exhausted) == (D("43.0"), False)


@pytest.fixture
def ledger(company):
    """The DSO example through the services: AR 5,500.00 CNY on 15 March 2026."""
    fin = company.finance
    customer = CustomerFactory(owner=company.rep_east)
    january = invoice(fin, customer, date(2026, 1, 10), ("4000.00", date(2026, 2, 9)))
    invoice(fin, customer, date(2026, 2, 10), ("3000.00", date(2026, 3, 12)))
    invoice(fin, customer, date(2026, 3, 5), ("1000.00", date(2026, 4, 4)))
    payment = pay(fin, customer, "2500.00", date(2026, 3, 2))
    apply(fin, payment, items(january)[0], "2500.00", date(2026, 3, 2))
    invoice(fin, customer, date(2026, 3, 20), ("777.00", date(2026, 4, 20)))  # after the date
    usd = CustomerFactory(owner=company.rep_south, currency="USD")
    invoice(fin, usd, date(2026, 3, 1), ("100.00", date(2026, 3, 10)), rate="7.1")
    return customer


def test_kpis_worked_example(company, ledger):
    kpis = ar_kpis(user=company.finance, params=aging_params(as_of="2026-03-15"))
    assert kpis.currency == "CNY"  # the base currency by default
    assert kpis.total == D("5500.00")
    assert kpis.overdue == D("4500.00")  # January's 1,500 and February's 3,000
    assert kpis.overdue_ratio == D("0.8182")
    assert kpis.overdue_percent == D("81.8")
    assert kpis.collected == D("2500.00")  # received in March up to the 15th
    assert kpis.period_start == date(2026, 3, 1)
    assert kpis.dso == D("54.6")
    assert_verified()


def test_kpis_per_currency_and_period(company, ledger):
    usd = ar_kpis(user=company.finance, params=aging_params(as_of="2026-03-15", currency="USD"))
    assert (usd.total, usd.overdue, usd.collected) == (D("100.00"), D("100.00"), D("0.00"))
    assert usd.dso == D("15.0")  # all of the 100.00 invoiced in the first 15 days
    february = ar_kpis(
        user=company.finance,
        params=aging_params(as_of="2026-02-28"),
        period_start="2026-02-01",
    )
    assert february.collected == D("0.00")
    assert february.total == D("7000.00")
    assert february.dso == D("59.0")  # 28 + 31 x 4,000 / 4,000


def test_kpis_are_scoped(company, ledger):
    south = ar_kpis(user=company.rep_south, params=aging_params(as_of="2026-03-15"))
    assert (south.total, south.dso, south.overdue_ratio) == (D("0.00"), D("0.0"), None)


def test_a_period_after_the_date_is_refused(company, ledger):
    with pytest.raises(DomainError) as exc:
        ar_kpis(
            user=company.finance,
            params=aging_params(as_of="2026-03-15"),
            period_start="2026-04-01",
        )
    assert exc.value.code is ReportError.BAD_PERIOD

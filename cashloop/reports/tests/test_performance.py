"""Collection performance over the book of conftest.py, March 2026, worked out by hand.

A (rep_east, collector: finance) and B (rep_south, no collector), base currency CNY:

  opening AR on 1 March (issued before, nothing applied before):
    A: A3 300 + A1 1,000 + A2 1,000 = 2,300          B: B1 50
  credit sales in March: A: A4 100                     B: B2 USD 200 x 7.1 = 1,420
  cleared in March (all payments, so also collected):
    A: 99.99 (03-06) + 400 (03-10) + 300 (03-20) = 799.99     B: 0
  closing AR: A: 2,300 + 100 − 799.99 = 1,600.01 (the aging's row)   B: 1,470
  closing current AR (due on or after 31 March): A: A2's 500 due 04-15   B: B2 1,420
  CEI A = 799.99 / (2,300 + 100 − 500) = 799.99 / 1,900 = 42.10…% -> 42.1
  CEI B = 0 / (50 + 1,420 − 1,420) = 0.0
  CEI all = 799.99 / (2,350 + 1,520 − 1,920) = 799.99 / 1,950 = 41.02…% -> 41.0
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cashloop.collections.models import DunningLog, DunningLogItem
from cashloop.collections.services import (
    customer_dunning_set,
    payment_promise_create,
    payment_promises_check,
)
from cashloop.core.errors import DomainError
from cashloop.reports.errors import ReportError
from cashloop.reports.performance import collection_performance, months_of, performance_period
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from tests.factories import CustomerFactory, UserFactory

D = Decimal
MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def _remind(customer, installment, on: date, level_days: int) -> None:
    """The dunning run's record of a reminder (written as the run writes it)."""
    log = DunningLog.objects.create(
        customer=customer, run_date=on, level_name="L", days_overdue=level_days, currency="CNY"
    )
    DunningLogItem.objects.create(
        log=log,
        installment=installment,
        days_overdue=level_days,
        level_days=level_days,
        residual=installment.amount,
    )


@pytest.fixture
def worked(company, book):
    customer_dunning_set(
        actor=company.admin, customer_id=book.a.pk, collector_id=company.finance.pk
    )
    # A promised 300 by 15 March and paid 399.99 on the 6th: kept.  B promised 100 by the
    # 10th and paid nothing: broken when checked on the 20th.
    for customer, amount, by in ((book.a, "300", 15), (book.b, "100", 10)):
        payment_promise_create(
            actor=company.admin,
            customer_id=customer.pk,
            amount=D(amount),
            promised_date=date(2026, 3, by),
            today=date(2026, 3, 1),
        )
    payment_promises_check(today=date(2026, 3, 20))
    # A3 reminded on 1 February and again on 2 March, settled on 20 March: 47 days from
    # the first reminder.  A1 reminded too but still open: not counted.
    a3, a1 = items(book.a3)[0], items(book.a1)[0]
    _remind(book.a, a3, date(2026, 2, 1), 93)
    _remind(book.a, a3, date(2026, 3, 2), 122)
    _remind(book.a, a1, date(2026, 3, 3), 31)
    return book


def _by_name(rows):
    return {row.name: row for row in rows}


def test_cei_collected_promises_and_days_by_hand(company, worked):
    perf = collection_performance(user=company.finance, **MARCH)
    assert perf.currency == "CNY"
    reps = _by_name(perf.reps)
    east, south = reps[str(company.rep_east)], reps[str(company.rep_south)]
    assert east.total.opening == D("2300.00")
    assert east.total.sales == D("100.00")
    assert east.total.collected == D("799.99")
    assert east.total.closing == D("1600.01")
    assert east.total.closing_current == D("500.00")
    assert east.total.cei == D("42.1")
    assert (south.total.opening, south.total.sales, south.total.closing) == (
        D("50.00"),
        D("1420.00"),
        D("1470.00"),
    )
    assert south.total.cei == D("0.0")
    assert perf.total.cei == D("41.0")
    assert (east.total.kept, east.total.broken, east.total.kept_rate) == (1, 0, D("100.0"))
    assert (south.total.kept, south.total.broken, south.total.kept_rate) == (0, 1, D("0.0"))
    assert (east.total.settled, east.total.days_to_collect) == (1, D("47.0"))
    assert south.total.days_to_collect is None
    # Per collector: A is finance's; B has none (the row without a user comes last).
    collectors = perf.collectors
    assert [r.user_id for r in collectors] == [company.finance.pk, None]
    assert collectors[0].total.cei == D("42.1")
    assert collectors[1].total.collected == D("0.00")


def test_months_chain_opening_to_closing(company, worked):
    perf = collection_performance(
        user=company.finance, date_from=date(2026, 2, 10), date_to=date(2026, 3, 31)
    )
    assert [m.key for m in perf.months] == ["2026-02", "2026-03"]
    assert perf.months[0].start == date(2026, 2, 10)
    feb, mar = perf.monthly
    # February from the 10th: A2 (1,000) issued on the 15th, nothing paid.
    assert (feb.opening, feb.sales, feb.collected) == (D("1350.00"), D("1000.00"), D("0.00"))
    assert mar.opening == feb.closing == D("2350.00")
    assert mar.collected == perf.total.collected == D("799.99")
    assert perf.total.closing == mar.closing == D("3070.01")


def test_rep_sees_only_own_customers(company, worked):
    perf = collection_performance(user=company.rep_east, **MARCH)
    assert [r.name for r in perf.reps] == [str(company.rep_east)]
    assert perf.total.collected == D("799.99")
    assert perf.total.sales == D("100.00")


def test_queries_do_not_grow_with_rows(company, worked):
    with CaptureQueriesContext(connection) as few:
        collection_performance(user=company.finance, **MARCH)
    fin = company.finance
    for n in range(4):
        extra = CustomerFactory(owner=company.rep_south)
        customer_dunning_set(actor=company.admin, customer_id=extra.pk, collector_id=fin.pk)
        inv = invoice(fin, extra, date(2026, 3, 2), ("10.00", date(2026, 3, 9)))
        apply(
            fin,
            pay(fin, extra, "10.00", date(2026, 3, 9)),
            items(inv)[0],
            "10.00",
            date(2026, 3, 9),
        )
        _remind(extra, items(inv)[0], date(2026, 3, 5 + n % 2), 1)
    with CaptureQueriesContext(connection) as many:
        perf = collection_performance(user=company.finance, **MARCH)
    assert len(many) == len(few) == 5  # four aggregates and the names (finance: no scope)
    assert perf.total.collected == D("839.99")
    assert _by_name(perf.collectors)[str(fin)].total.settled == 5


def test_default_period_is_the_last_twelve_months():
    start, end = performance_period(date_to="2026-03-15")
    assert (start, end) == (date(2025, 4, 1), date(2026, 3, 15))
    assert len(months_of(start, end)) == 12


@pytest.mark.parametrize(
    ("date_from", "date_to", "code"),
    [
        ("2026-13-01", "", ReportError.BAD_DATE),
        ("2026-03-02", "2026-03-01", ReportError.BAD_PERIOD),
        ("2020-01-01", "2026-03-01", ReportError.PERIOD_TOO_LONG),
    ],
)
def test_bad_periods(date_from, date_to, code):
    with pytest.raises(DomainError) as raised:
        performance_period(date_from=date_from, date_to=date_to)
    assert raised.value.code == code


# --- API and page ------------------------------------------------------------------------------


def _api(client, user, **query):
    client.force_login(user)
    return client.get("/api/v1/reports/collection-performance", query, HTTP_ACCEPT_LANGUAGE="en")


def test_api_answers_figures_as_strings(client, company, worked):
    body = _api(client, company.finance, **{"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert (body["date_from"], body["currency"]) == ("2026-03-01", "CNY")
    assert body["total"]["cei"] == "41.0" and body["total"]["collected"] == "799.99"
    assert [m["month"] for m in body["months"]] == ["2026-03"]
    east = next(r for r in body["reps"] if r["user_id"] == company.rep_east.pk)
    assert east["total"] == {
        "opening": "2300.00",
        "credit_sales": "100.00",
        "cleared": "799.99",
        "closing": "1600.01",
        "closing_current": "500.00",
        "collected": "799.99",
        "cei": "42.1",
        "promises_kept": 1,
        "promises_broken": 0,
        "promises_kept_rate": "100.0",
        "settled_after_reminder": 1,
        "days_to_collect": "47.0",
    }
    assert body["collectors"][0]["user_id"] == company.finance.pk


def test_api_scope_and_bad_input(client, company, worked):
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    south = _api(client, company.rep_south, **march).json()
    assert [r["user_id"] for r in south["reps"]] == [company.rep_south.pk]
    assert south["total"]["collected"] == "0.00"
    manager = _api(client, company.manager_east, **march).json()
    assert [r["user_id"] for r in manager["reps"]] == [company.rep_east.pk]
    bad = _api(client, company.finance, **{"from": "2026-04-01", "to": "2026-03-01"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "report.bad_period"
    bad = _api(client, company.finance, **{"from": "yesterday"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "report.bad_date"
    nobody = UserFactory(username="norole", roles=[])
    assert _api(client, nobody).status_code == 403


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["Collection performance", "By collector", "By sales rep"]), ("zh-hans", [])],
)
def test_page_in_both_languages(client, company, worked, lang, words):
    client.force_login(company.finance)
    response = client.get(
        "/reports/collection-performance/",
        {"from": "2026-03-01", "to": "2026-03-31"},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="performance-chart"' in html and 'data-testid="collectors"' in html
    assert ">41.0%<" in html and "42.1%" in html and "799.99" in html
    assert str(company.finance) in html and str(company.rep_east) in html
    assert 'data-testid="tab-aging"' in html
    for word in words:
        assert word in html
    bad = client.get("/reports/collection-performance/", {"from": "x"})
    assert 'data-testid="filter-error"' in bad.content.decode()


def test_aging_page_links_to_performance(client, company):
    client.force_login(company.finance)
    html = client.get("/reports/aging/").content.decode()
    assert 'href="/reports/collection-performance/"' in html

"""Aging as of a date: the worked example of conftest.py, edge cases, and both ways of computing.

Each example is checked on both paths: summing the open-item rows (any date) and reading
the stored residuals (only allowed for today when nothing is dated later); they must agree.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from cashloop.core.errors import DomainError
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.services import allocation_undo, credit_note_create, write_off_create
from cashloop.reports.errors import ReportError
from cashloop.reports.selectors import (
    aging_items,
    aging_params,
    aging_summary,
    buckets_for,
    stored_figures_hold,
)
from cashloop.reports.tests.conftest import AS_OF
from cashloop.reports.tests.helpers import apply, invoice, items, line_in, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
KEYS = ["not_due", "b1", "b2", "b3", "b4", "b5"]


def table(summary):
    """{(customer code, currency): {bucket: amount, ..., total, advance, net, items}}."""
    keys = [b.key for b in summary.buckets]
    return {
        (r.customer_code, r.currency): {
            **{k: str(a) for k, a in zip(keys, r.amounts, strict=True) if a},
            "total": str(r.total),
            "advance": str(r.advance),
            "net": str(r.net),
            "items": r.items,
        }
        for r in summary.rows
    }


def totals(summary):
    keys = [b.key for b in summary.buckets]
    return {
        t.currency: {
            **{k: str(a) for k, a in zip(keys, t.amounts, strict=True) if a},
            "total": str(t.total),
            "advance": str(t.advance),
            "customers": t.customers,
        }
        for t in summary.totals
    }


def both(user, **params):
    """The summary computed from the rows; from the stored figures too when that is allowed."""
    wanted = aging_params(**params)
    from_rows = aging_summary(user=user, params=wanted, from_stored=False)
    if stored_figures_hold(wanted.as_of):
        from_stored = aging_summary(user=user, params=wanted, from_stored=True)
        assert table(from_stored) == table(from_rows)
        assert totals(from_stored) == totals(from_rows)
    return from_rows


@override("en")
def test_default_buckets_and_labels():
    due = buckets_for((30, 60, 90, 120), "due")
    assert [(b.key, str(b.label), b.low, b.high) for b in due] == [
        ("not_due", "Not yet due", None, 0),
        ("b1", "0-30", 1, 30),
        ("b2", "31-60", 31, 60),
        ("b3", "61-90", 61, 90),
        ("b4", "91-120", 91, 120),
        ("b5", "120+", 121, None),
    ]
    by_invoice = buckets_for((30, 60), "invoice")
    assert [(b.key, b.label, b.low, b.high) for b in by_invoice] == [
        ("b1", "0-30", 0, 30),
        ("b2", "31-60", 31, 60),
        ("b3", "60+", 61, None),
    ]


def test_worked_example_by_customer_and_currency(company, book):
    # when
    summary = both(company.finance, as_of=AS_OF)
    # then: one row per customer and currency, largest first; advances beside the buckets
    assert table(summary) == {
        ("A-EAST", "CNY"): {
            "not_due": "500.00",
            "b1": "500.01",  # A2 #1, 30 days overdue, and A4's 0.01
            "b2": "600.00",  # A1 after 400.00 paid, 59 days overdue
            "total": "1600.01",
            "advance": "200.00",  # paid before any invoice
            "net": "1400.01",
            "items": 4,
        },
        ("B-SOUTH", "USD"): {
            "not_due": "200.00",  # due on the as-of date: not overdue
            "total": "200.00",
            "advance": "0.00",
            "net": "200.00",
            "items": 1,
        },
        ("B-SOUTH", "CNY"): {
            "b4": "50.00",  # 120 days overdue is still 91-120
            "total": "50.00",
            "advance": "0.00",
            "net": "50.00",
            "items": 1,
        },
    }
    assert [r.customer_code for r in summary.rows] == ["A-EAST", "B-SOUTH", "B-SOUTH"]
    assert totals(summary) == {
        "CNY": {
            "not_due": "500.00",
            "b1": "500.01",
            "b2": "600.00",
            "b4": "50.00",
            "total": "1650.01",
            "advance": "200.00",
            "customers": 2,
        },
        "USD": {"not_due": "200.00", "total": "200.00", "advance": "0.00", "customers": 1},
    }
    assert summary.total_for("CNY").overdue == D("1150.01")
    assert_verified()


def test_a_day_later_items_move_buckets(company, book):
    summary = both(company.finance, as_of=AS_OF + timedelta(days=1))
    row = table(summary)
    assert row[("B-SOUTH", "USD")] == {
        "b1": "200.00",  # 1 day overdue now
        "total": "200.00",
        "advance": "0.00",
        "net": "200.00",
        "items": 1,
    }
    assert row[("B-SOUTH", "CNY")]["b5"] == "50.00"  # 121 days: 120+
    assert row[("A-EAST", "CNY")]["b2"] == "1100.00"  # A2 #1 at 31 days joins A1


def test_invoice_date_basis_has_no_not_yet_due_column(company, book):
    summary = both(company.finance, as_of=AS_OF, basis="invoice")
    assert [b.key for b in summary.buckets] == ["b1", "b2", "b3", "b4", "b5"]
    row = table(summary)[("A-EAST", "CNY")]
    # A4 issued 30 days before: 0-30; A2 44 days: 31-60; A1 89 days: 61-90
    assert row == {
        "b1": "0.01",
        "b2": "1000.00",
        "b3": "600.00",
        "total": "1600.01",
        "advance": "200.00",
        "net": "1400.01",
        "items": 4,
    }
    assert table(summary)[("B-SOUTH", "USD")]["b1"] == "200.00"  # issued the 1st: 30 days


@override("en")
def test_custom_buckets(company, book):
    summary = both(company.finance, as_of=AS_OF, buckets="45")
    assert [str(b.label) for b in summary.buckets] == ["Not yet due", "0-45", "45+"]
    assert table(summary)[("A-EAST", "CNY")] == {
        "not_due": "500.00",
        "b1": "500.01",
        "b2": "600.00",
        "total": "1600.01",
        "advance": "200.00",
        "net": "1400.01",
        "items": 4,
    }


def test_before_any_invoice_the_advance_is_the_only_figure(company, book):
    summary = both(company.finance, as_of=date(2025, 9, 15))
    assert table(summary) == {
        ("A-EAST", "CNY"): {"total": "0.00", "advance": "200.00", "net": "-200.00", "items": 0}
    }
    assert totals(summary) == {"CNY": {"total": "0.00", "advance": "200.00", "customers": 1}}


def test_a_payment_is_an_advance_until_it_is_applied(company, book):
    # P2 (399.99, received 6 March) was applied 99.99 that day and 300.00 on 20 March.
    row = table(both(company.finance, as_of=date(2026, 3, 6)))[("A-EAST", "CNY")]
    assert row["advance"] == "500.00"  # P0 200.00 + P2's 300.00 not yet applied
    assert row["b5"] == "300.00"  # and A3 is still open, 126 days overdue
    row = table(both(company.finance, as_of=date(2026, 3, 20)))[("A-EAST", "CNY")]
    assert row["advance"] == "200.00"
    assert "b5" not in row


def test_a_past_date_gives_the_same_answer_after_later_events(company, book):
    # given the aging as of 31 March
    before = aging_summary(user=company.finance, params=aging_params(as_of=AS_OF))
    items_before = aging_items(user=company.finance, params=aging_params(as_of=AS_OF))
    # when money moves afterwards: a payment in April, a write-off, a credit note, an undo
    fin, admin = company.finance, company.admin
    p3 = pay(fin, book.a, "500.00", date(2026, 4, 10))
    apply(fin, p3, items(book.a2)[1], "500.00", date(2026, 4, 15))
    write_off_create(
        actor=admin,
        installment_id=items(book.a4)[0].pk,
        kind=WriteOffKind.SMALL_RESIDUAL,
        write_off_date=date(2026, 4, 30),
    )
    credit_note_create(
        actor=admin,
        invoice_id=book.b1.pk,
        lines=[line_in("50.00")],
        reason="折让 allowance",
        credit_date=date(2026, 5, 1),
    )
    allocation_undo(actor=fin, allocation_id=book.p1.allocations.get().pk)  # dated today
    pay(fin, book.b, "80.00", date(2026, 6, 1), currency="USD", rate="7.2")
    invoice(fin, book.a, date(2026, 4, 1), ("999.00", date(2026, 4, 1)))
    # then the same date gives the same figures, whichever way they are computed
    for stored in (None, False):
        again = aging_summary(
            user=company.finance, params=aging_params(as_of=AS_OF), from_stored=stored
        )
        assert table(again) == table(before)
        assert totals(again) == totals(before)
    items_again = aging_items(user=company.finance, params=aging_params(as_of=AS_OF))
    assert items_again.items == items_before.items
    # and today's aging does show what happened since
    today = both(company.finance)
    row = table(today)[("A-EAST", "CNY")]
    assert row["total"] == "2499.00"  # A1 1,000 again (undone) + A2 #1 500 + the new 999
    assert row["advance"] == "600.00"  # P0 200 + P1's 400 back as an advance
    assert ("B-SOUTH", "CNY") not in table(today)  # B1 credited in full
    assert table(today)[("B-SOUTH", "USD")]["advance"] == "80.00"
    assert_verified()


def test_an_un_allocation_restores_the_item_from_its_date(company, book):
    today = timezone.localdate()
    allocation_undo(actor=company.finance, allocation_id=book.p1.allocations.get().pk)
    # as of the day before the undo, the 400.00 was applied; from the undo on it is not
    yesterday = table(both(company.finance, as_of=today - timedelta(days=1)))
    now = table(both(company.finance, as_of=today))
    assert yesterday[("A-EAST", "CNY")]["advance"] == "200.00"
    assert now[("A-EAST", "CNY")]["advance"] == "600.00"
    assert D(now[("A-EAST", "CNY")]["total"]) - D(yesterday[("A-EAST", "CNY")]["total"]) == D(
        "400.00"
    )
    assert_verified()


def test_a_cent_stays_visible_in_summary_and_items(company, book):
    summary = both(company.finance, as_of=AS_OF, customer_id=book.a.pk)
    assert table(summary)[("A-EAST", "CNY")]["b1"] == "500.01"
    found = aging_items(
        user=company.finance, params=aging_params(as_of=AS_OF, customer_id=book.a.pk), bucket="b1"
    )
    assert [(i.invoice_number, str(i.residual), i.days_overdue) for i in found.items] == [
        (book.a2.number, "500.00", 30),
        (book.a4.number, "0.01", 26),
    ]
    assert found.totals == {"CNY": D("500.01")}


def test_not_yet_due_items_stay_out_of_overdue_buckets(company):
    customer = CustomerFactory(owner=company.rep_east)
    invoice(company.finance, customer, date(2026, 3, 1), ("700.00", date(2026, 5, 1)))
    invoice(company.finance, customer, date(2026, 3, 1), ("300.00", AS_OF))  # due that day
    summary = both(company.finance, as_of=AS_OF)
    assert table(summary)[(customer.code, "CNY")] == {
        "not_due": "1000.00",
        "total": "1000.00",
        "advance": "0.00",
        "net": "1000.00",
        "items": 2,
    }
    assert summary.total_for("CNY").overdue == 0
    overdue = aging_items(user=company.finance, params=aging_params(as_of=AS_OF), bucket="overdue")
    assert overdue.count == 0 and overdue.items == []
    not_due = aging_items(user=company.finance, params=aging_params(as_of=AS_OF), bucket="not_due")
    assert [i.days_overdue for i in not_due.items] == [0, -31]


def test_items_drill_down_matches_each_cell(company, book):
    params = aging_params(as_of=AS_OF)
    summary = aging_summary(user=company.finance, params=params)
    for row in summary.rows:
        for bucket, amount in zip(summary.buckets, row.amounts, strict=True):
            found = aging_items(
                user=company.finance,
                params=aging_params(
                    as_of=AS_OF, customer_id=row.customer_id, currency=row.currency
                ),
                bucket=bucket.key,
            )
            assert found.totals.get(row.currency, D(0)) == amount
            assert all(i.bucket.key == bucket.key for i in found.items)


def test_filters_by_currency_owner_and_team(company, book):
    def codes(**params):
        return sorted(table(both(company.finance, as_of=AS_OF, **params)))

    assert codes(currency="usd") == [("B-SOUTH", "USD")]
    assert codes(owner_id=company.rep_east.pk) == [("A-EAST", "CNY")]
    assert codes(team_id=company.sales.pk) == [  # the team and its sub-teams
        ("A-EAST", "CNY"),
        ("B-SOUTH", "CNY"),
        ("B-SOUTH", "USD"),
    ]
    assert codes(team_id=company.south.pk) == [("B-SOUTH", "CNY"), ("B-SOUTH", "USD")]
    assert codes(customer_id=book.a.pk) == [("A-EAST", "CNY")]


def test_a_rep_sees_only_their_customers(company, book):
    assert sorted(table(both(company.rep_east, as_of=AS_OF))) == [("A-EAST", "CNY")]
    assert sorted(table(both(company.rep_south, as_of=AS_OF))) == [
        ("B-SOUTH", "CNY"),
        ("B-SOUTH", "USD"),
    ]
    # a filter cannot widen the scope
    assert table(both(company.rep_east, as_of=AS_OF, owner_id=company.rep_south.pk)) == {}
    assert table(both(company.rep_east, as_of=AS_OF, customer_id=book.b.pk)) == {}
    found = aging_items(user=company.rep_east, params=aging_params(as_of=AS_OF))
    assert {i.customer_id for i in found.items} == {book.a.pk}
    assert set(totals(both(company.manager_east, as_of=AS_OF))) == {"CNY"}


def test_the_limit_keeps_the_largest_rows_and_all_totals(company, book):
    summary = aging_summary(user=company.finance, params=aging_params(as_of=AS_OF), limit=1)
    assert [(r.customer_code, r.currency) for r in summary.rows] == [("A-EAST", "CNY")]
    assert summary.row_count == 3 and summary.truncated
    assert totals(summary)["CNY"]["total"] == "1650.01"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"as_of": "2026-13-01"}, ReportError.BAD_DATE),
        ({"as_of": "yesterday"}, ReportError.BAD_DATE),
        ({"as_of": "0001-01-01"}, ReportError.BAD_DATE),
        ({"buckets": "60,30"}, ReportError.BAD_BUCKETS),
        ({"buckets": "30,30"}, ReportError.BAD_BUCKETS),
        ({"buckets": "0,30"}, ReportError.BAD_BUCKETS),
        ({"buckets": "-30"}, ReportError.BAD_BUCKETS),
        ({"buckets": "30,abc"}, ReportError.BAD_BUCKETS),
        ({"buckets": "30.5"}, ReportError.BAD_BUCKETS),
        ({"buckets": "30,60,"}, ReportError.BAD_BUCKETS),
        ({"buckets": ",".join(str(n) for n in range(1, 15))}, ReportError.BAD_BUCKETS),
        ({"buckets": "99999"}, ReportError.BAD_BUCKETS),
        ({"basis": "payment"}, ReportError.BAD_BASIS),
    ],
)
def test_bad_parameters_are_refused_with_a_code(params, code):
    with pytest.raises(DomainError) as exc:
        aging_params(**params)
    assert exc.value.code is code
    assert exc.value.status == 422


def test_an_unknown_bucket_is_refused(company, book):
    with pytest.raises(DomainError) as exc:
        aging_items(user=company.finance, params=aging_params(as_of=AS_OF), bucket="b9")
    assert exc.value.code is ReportError.BAD_BUCKET
    with pytest.raises(DomainError) as exc:  # no not-yet-due column by invoice date
        aging_items(
            user=company.finance,
            params=aging_params(as_of=AS_OF, basis="invoice"),
            bucket="not_due",
        )
    assert exc.value.code is ReportError.BAD_BUCKET


def test_stored_figures_are_read_only_when_nothing_is_dated_later(company, book):
    today = timezone.localdate()
    assert stored_figures_hold(today)
    assert not stored_figures_hold(today - timedelta(days=1))
    pay(company.finance, book.a, "1.00", today + timedelta(days=3))  # a post-dated payment
    assert not stored_figures_hold(today)
    assert stored_figures_hold(today + timedelta(days=3))
    assert not aging_summary(user=company.finance, params=aging_params()).from_stored

"""The revenue report's figures, by every measure and dimension, with their comparisons,
their scoping and their drill-downs (the history is in `revenue_book`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from cashloop.core.errors import DomainError
from cashloop.reports.errors import ReportError
from cashloop.reports.revenue import (
    Grain,
    Measure,
    RevenueReport,
    revenue_documents,
    revenue_params,
    revenue_report,
)
from cashloop.reports.tests.revenue_book import FROM, TO, sales_fixture  # noqa: F401 (fixture)
from tests.ledger_check import assert_verified

D = Decimal


def report(user, measure: str, dimension: str, **kw) -> RevenueReport:
    params = revenue_params(measure=measure, dimension=dimension, date_from=FROM, date_to=TO, **kw)
    return revenue_report(user=user, params=params)


def figures(found: RevenueReport) -> dict:
    return {row.key: (row.current, row.previous, row.year_before) for row in found.rows}


def test_invoiced_by_customer_nets_credit_notes_and_compares(company, sales):
    found = report(company.finance, "invoiced", "customer")
    assert figures(found) == {
        sales.a.pk: (D("750.00"), D("100.00"), D("0.00")),
        sales.b.pk: (D("200.00"), D("0.00"), D("700.00")),
    }
    assert (found.total.current, found.total.previous, found.total.year_before) == (
        D("950.00"),
        D("100.00"),
        D("700.00"),
    )
    a = found.rows[0]
    assert a.label == "甲公司 Alpha"
    assert (a.delta_previous, a.percent_previous) == (D("650.00"), D("650.0"))
    assert found.rows[1].percent_year == D("-71.4")
    assert a.percent_year is None  # nothing a year before: no percentage
    assert_verified()


def test_recognised_reads_the_ledgers_revenue_accounts(company, sales):
    found = report(company.finance, "recognised", "customer")
    assert figures(found) == {
        sales.a.pk: (D("750.00"), D("100.00"), D("0.00")),
        sales.b.pk: (D("200.00"), D("0.00"), D("700.00")),
    }
    assert_verified()


def test_collected_is_payments_applied(company, sales):
    found = report(company.finance, "collected", "customer")
    assert figures(found) == {
        sales.a.pk: (D("250.00"), D("0.00"), D("0.00")),
        sales.b.pk: (D("200.00"), D("0.00"), D("0.00")),
    }


def test_backlog_is_contracted_not_yet_invoiced_as_of_each_end(company, sales):
    found = report(company.finance, "backlog", "customer")
    # as of 31 March 2026: 1,000 contracted, 500 billed; the contract was not signed before
    assert figures(found) == {sales.a.pk: (D("500.00"), D("0.00"), D("0.00"))}
    by_product = report(company.finance, "backlog", "product")
    assert figures(by_product) == {sales.product.pk: (D("500.00"), D("0.00"), D("0.00"))}


@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        ("customer_group", {"group": D("750.00"), None: D("200.00")}),
        ("rep", {"rep_east": D("750.00"), "rep_south": D("200.00")}),
        ("team", {"east": D("750.00"), "south": D("200.00")}),
        ("region", {"CN": D("750.00"), "DE": D("200.00")}),
        ("product", {"product": D("500.00"), None: D("450.00")}),
        ("product_family", {"family": D("500.00"), None: D("450.00")}),
    ],
)
def test_invoiced_by_every_dimension(company, sales, dimension, expected):
    keys = {
        "group": sales.group.pk,
        "rep_east": company.rep_east.pk,
        "rep_south": company.rep_south.pk,
        "east": company.east.pk,
        "south": company.south.pk,
        "product": sales.product.pk,
        "family": sales.family.pk,
        "CN": "CN",
        "DE": "DE",
        None: None,
    }
    found = report(company.finance, "invoiced", dimension)
    assert {row.key: row.current for row in found.rows} == {keys[k]: v for k, v in expected.items()}
    assert found.total.current == D("950.00")


def test_region_and_group_are_named_in_the_language(company, sales):
    from django.utils import translation

    with translation.override("en"):
        found = report(company.finance, "invoiced", "region")
    assert {row.key: row.label for row in found.rows} == {"CN": "China", "DE": "Germany"}
    with translation.override("zh-hans"):
        found = report(company.finance, "invoiced", "region")
    assert {row.key: row.label for row in found.rows} == {"CN": "中国", "DE": "德国"}


def test_by_period_each_month_compares_with_the_month_before_and_a_year_before(company, sales):
    found = report(company.finance, "invoiced", "period")
    assert [(r.label, r.current, r.previous, r.year_before) for r in found.rows] == [
        ("2026-01", D("500.00"), D("0.00"), D("0.00")),
        ("2026-02", D("300.00"), D("500.00"), D("700.00")),
        ("2026-03", D("150.00"), D("300.00"), D("0.00")),
    ]
    quarters = report(company.finance, "invoiced", "period", grain="quarter")
    assert [(r.label, r.current, r.previous, r.year_before) for r in quarters.rows] == [
        ("2026 Q1", D("950.00"), D("100.00"), D("700.00"))
    ]
    backlog = report(company.finance, "backlog", "period")
    assert [(r.current, r.previous) for r in backlog.rows] == [
        (D("500.00"), D("0.00")),
        (D("500.00"), D("500.00")),
        (D("500.00"), D("500.00")),
    ]


def test_the_series_splits_the_window_by_grain(company, sales):
    found = report(company.finance, "invoiced", "customer")
    assert [p.start for p in found.periods] == [FROM, date(2026, 2, 1), date(2026, 3, 1)]
    assert found.rows[0].series == [D("500.00"), D("300.00"), D("-50.00")]
    assert found.total.series == [D("500.00"), D("300.00"), D("150.00")]


def test_a_range_is_widened_to_whole_grains(company, sales):
    params = revenue_params(date_from="2026-02-14", date_to="2026-05-02", grain=Grain.QUARTER)
    assert (params.window.start, params.window.end) == (FROM, date(2026, 6, 30))
    assert (params.previous.start, params.previous.end) == (date(2025, 7, 1), date(2025, 12, 31))
    assert (params.year_before.start, params.year_before.end) == (
        date(2025, 1, 1),
        date(2025, 6, 30),
    )


def test_a_rep_sees_only_their_customers_revenue(company, sales):
    for measure in Measure:
        found = report(company.rep_east, measure, "customer")
        assert {row.key for row in found.rows} == {sales.a.pk}, measure
    south = report(company.rep_south, "recognised", "rep")
    assert figures(south) == {company.rep_south.pk: (D("200.00"), D("0.00"), D("700.00"))}
    docs = revenue_documents(
        user=company.rep_south, measure="invoiced", dimension="rep", date_from=FROM, date_to=TO
    )
    assert [d.id for d in docs.rows] == [sales.j1.pk]


@pytest.mark.parametrize("measure", list(Measure))
@pytest.mark.parametrize("dimension", ["customer", "rep", "period", "product"])
def test_the_documents_of_a_cell_sum_to_it(company, sales, measure, dimension):
    if dimension == "product" and measure in (Measure.RECOGNISED, Measure.COLLECTED):
        return
    found = report(company.finance, measure, dimension)
    for row in [*found.rows, found.total]:
        for name, window in found.windows(row).items():
            key = "" if row is found.total or dimension == "period" else row.key_text
            docs = revenue_documents(
                user=company.finance,
                measure=measure,
                dimension=dimension,
                key=key,
                date_from=window.start,
                date_to=window.end,
                limit=1000,
            )
            assert docs.total == getattr(row, name), (row.label, name)
            assert sum((d.amount for d in docs.rows), D(0)) == docs.total


def test_the_documents_are_the_cells_invoices_and_credit_notes(company, sales):
    docs = revenue_documents(
        user=company.finance,
        measure="invoiced",
        dimension="customer",
        key=str(sales.a.pk),
        date_from=FROM,
        date_to=TO,
    )
    assert [(d.kind, d.id, d.amount) for d in docs.rows] == [
        ("invoice", sales.i1.pk, D("500.00")),
        ("invoice", sales.i2.pk, D("300.00")),
        ("credit_note", sales.c1.pk, D("-50.00")),
    ]
    assert docs.rows[0].url == reverse("receivables:invoice_detail", args=[sales.i1.pk])
    none = revenue_documents(
        user=company.finance,
        measure="invoiced",
        dimension="product",
        key="none",
        date_from=FROM,
        date_to=TO,
    )
    assert {d.id for d in none.rows} == {sales.i2.pk, sales.c1.pk, sales.j1.pk}
    payments = revenue_documents(
        user=company.finance, measure="collected", date_from=FROM, date_to=TO
    )
    assert {(d.kind, d.id) for d in payments.rows} == {
        ("payment", sales.p1.pk),
        ("payment", sales.q1.pk),
    }
    contracts = revenue_documents(user=company.finance, measure="backlog", date_to=TO)
    assert [(d.kind, d.id, d.amount) for d in contracts.rows] == [
        ("contract", sales.contract.pk, D("500.00"))
    ]
    entries = revenue_documents(
        user=company.finance, measure="recognised", date_from=FROM, date_to=TO
    )
    assert {d.kind for d in entries.rows} == {"journal_entry"}
    assert entries.total == D("950.00")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"measure": "profit"}, ReportError.BAD_MEASURE),
        ({"dimension": "colour"}, ReportError.BAD_DIMENSION),
        ({"grain": "week"}, ReportError.BAD_GRAIN),
        ({"compare": "last"}, ReportError.BAD_COMPARE),
        ({"date_from": "2026-13-01"}, ReportError.BAD_DATE),
        ({"date_from": "2026-04-01", "date_to": "2026-03-01"}, ReportError.BAD_RANGE),
        ({"date_from": "2010-01-01", "date_to": "2026-03-01"}, ReportError.PERIOD_TOO_LONG),
        ({"measure": "collected", "dimension": "product"}, ReportError.DIMENSION_UNAVAILABLE),
        (
            {"measure": "recognised", "dimension": "product_family"},
            ReportError.DIMENSION_UNAVAILABLE,
        ),
    ],
)
def test_bad_parameters_are_refused_with_their_code(kwargs, code):
    with pytest.raises(DomainError) as caught:
        revenue_params(**kwargs)
    assert caught.value.code == code


def test_a_bad_key_is_refused(company):
    with pytest.raises(DomainError) as caught:
        revenue_documents(user=company.finance, dimension="customer", key="abc")
    assert caught.value.code == ReportError.BAD_KEY

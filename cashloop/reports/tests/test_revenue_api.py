"""GET /api/v1/reports/revenue and its drill-down /revenue/documents."""

from __future__ import annotations

import pytest
from django.test import Client

from cashloop.reports.tests.revenue_book import sales_fixture  # noqa: F401 (fixture)

URL = "/api/v1/reports/revenue"
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_report_answers_figures_comparisons_and_series(company, sales):
    response = client_for(company.finance).get(URL, {**Q1, "measure": "invoiced"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["date_from"], body["date_to"]) == ("2026-01-01", "2026-03-31")
    assert (body["previous_from"], body["year_from"]) == ("2025-10-01", "2025-01-01")
    assert [p["label"] for p in body["periods"]] == ["2026-01", "2026-02", "2026-03"]
    a, b = body["rows"]
    assert (a["key"], a["label"], a["current"], a["previous"], a["previous_delta"]) == (
        str(sales.a.pk),
        "甲公司 Alpha",
        "750.00",
        "100.00",
        "650.00",
    )
    assert (b["year_before"], b["year_delta"], b["year_percent"]) == ("700.00", "-500.00", "-71.4")
    assert a["series"] == ["500.00", "300.00", "-50.00"]
    assert body["total"]["current"] == "950.00"
    assert body["row_count"] == 2


def test_compare_leaves_out_what_is_not_compared(company, sales):
    body = client_for(company.finance).get(URL, {**Q1, "compare": "year"}).json()
    assert body["total"]["previous"] is None and body["total"]["year_before"] == "700.00"


def test_the_report_by_period_and_quarter(company, sales):
    response = client_for(company.finance).get(
        URL, {**Q1, "measure": "recognised", "dimension": "period", "grain": "quarter"}
    )
    assert response.status_code == 200, response.content
    (row,) = response.json()["rows"]
    assert (row["key"], row["label"], row["current"], row["previous"]) == (
        "2026-01-01",
        "2026 Q1",
        "950.00",
        "100.00",
    )


def test_a_rep_gets_only_their_customers(company, sales):
    body = client_for(company.rep_south).get(URL, {**Q1, "dimension": "rep"}).json()
    assert [(r["key"], r["current"]) for r in body["rows"]] == [
        (str(company.rep_south.pk), "200.00")
    ]
    assert body["total"]["current"] == "200.00"


def test_the_documents_of_a_figure(company, sales):
    response = client_for(company.finance).get(
        f"{URL}/documents",
        {**Q1, "measure": "invoiced", "dimension": "customer", "key": sales.a.pk},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["count"]) == ("750.00", 3)
    assert [(d["kind"], d["number"], d["amount"]) for d in body["documents"]] == [
        ("invoice", sales.i1.number, "500.00"),
        ("invoice", sales.i2.number, "300.00"),
        ("credit_note", sales.c1.number, "-50.00"),
    ]
    page = client_for(company.finance).get(
        f"{URL}/documents", {**Q1, "key": sales.a.pk, "limit": 1, "offset": 1}
    )
    assert [d["id"] for d in page.json()["documents"]] == [sales.i2.pk]


def test_a_rep_cannot_drill_into_another_reps_customer(company, sales):
    body = (
        client_for(company.rep_east)
        .get(f"{URL}/documents", {**Q1, "dimension": "customer", "key": sales.b.pk})
        .json()
    )
    assert (body["count"], body["total"], body["documents"]) == (0, "0.00", [])


@pytest.mark.parametrize(
    ("path", "query", "code"),
    [
        ("", {"measure": "profit"}, "report.bad_measure"),
        ("", {"dimension": "colour"}, "report.bad_dimension"),
        ("", {"grain": "week"}, "report.bad_grain"),
        ("", {"compare": "last"}, "report.bad_compare"),
        ("", {"from": "31/01/2026"}, "report.bad_date"),
        ("", {"from": "2026-04-01", "to": "2026-03-01"}, "report.bad_range"),
        ("", {"from": "2000-01-01", "to": "2026-03-01"}, "report.period_too_long"),
        ("", {"measure": "collected", "dimension": "product"}, "report.dimension_unavailable"),
        ("/documents", {"key": "abc"}, "report.bad_key"),
        ("/documents", {"key": "9" * 30}, "report.bad_key"),
        ("/documents", {"key": "²"}, "report.bad_key"),
        ("/documents", {"dimension": "region", "key": "中国"}, "report.bad_key"),
        ("/documents", {"measure": "profit"}, "report.bad_measure"),
        ("/documents", {"to": "2026-02-30"}, "report.bad_date"),
    ],
)
def test_bad_input_answers_422_with_its_code(company, sales, path, query, code):
    response = client_for(company.finance).get(f"{URL}{path}", query)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == code


def test_the_number_of_queries_does_not_follow_the_rows(
    company, sales, django_assert_max_num_queries
):
    client = client_for(company.finance)
    client.get(URL, Q1)  # sessions and the user's roles are loaded once
    # the session (read and touched), the user and roles, invoice lines, credit notes, the
    # customers' names: the same whatever the number of invoices
    with django_assert_max_num_queries(9):
        assert client.get(URL, {**Q1, "measure": "invoiced"}).status_code == 200

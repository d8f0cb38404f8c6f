"""The revenue page, its chart, its drill-down page and its exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from cashloop.reports.tests.helpers import invoice
from cashloop.reports.tests.revenue_book import TO, sales_fixture  # noqa: F401 (fixture)

Q1 = {"from": "2026-01-01", "to": "2026-03-31"}


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize("chart", ["bar", "line", "stacked"])
def test_the_page_shows_the_table_with_comparisons_and_a_chart(company, sales, chart):
    response = client_for(company.finance).get(reverse("reports:revenue"), {**Q1, "chart": chart})
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲公司 Alpha" in page and "750.00" in page and "650.00" in page
    assert f'data-kind="{chart}"' in page and "<svg" in page
    documents = reverse("reports:revenue_documents")
    assert f"{documents}?measure=invoiced&amp;dimension=customer&amp;from=2026-01-01" in page


def test_the_page_speaks_chinese(company, sales):
    response = client_for(company.finance, "zh-hans").get(
        reverse("reports:revenue"), {**Q1, "dimension": "region"}
    )
    page = response.content.decode()
    assert "分析维度" in page and "去年同期" in page
    assert "中国" in page and "德国" in page


def test_bad_filters_are_reported_and_the_defaults_shown(company, sales):
    response = client_for(company.finance).get(reverse("reports:revenue"), {"grain": "week"})
    assert response.status_code == 200
    assert "report.bad_grain" in response.content.decode()


def test_a_rep_sees_only_their_customers_on_the_page(company, sales):
    page = client_for(company.rep_south).get(reverse("reports:revenue"), Q1).content.decode()
    assert "乙公司 Beta" in page and "甲公司 Alpha" not in page


def test_the_drill_down_page_links_to_the_documents(company, sales):
    response = client_for(company.finance).get(
        reverse("reports:revenue_documents"),
        {**Q1, "measure": "invoiced", "dimension": "customer", "key": sales.a.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("receivables:invoice_detail", args=[sales.i1.pk]) in page
    assert reverse("receivables:credit_note_detail", args=[sales.c1.pk]) in page
    assert "750.00" in page


def test_a_bad_drill_down_key_is_refused(company, sales):
    response = client_for(company.finance).get(
        reverse("reports:revenue_documents"), {"dimension": "customer", "key": "x"}
    )
    assert response.status_code == 422
    assert "report.bad_key" in response.content.decode()


def test_the_table_exports_as_csv_and_excel(company, sales):
    client = client_for(company.finance)
    response = client.get(reverse("reports:revenue_export", args=["csv"]), Q1)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Customer", "Key", "This period"]
    assert rows[1][:3] == ["甲公司 Alpha", str(sales.a.pk), "750.00"]
    assert rows[-1][0] == "Total" and rows[-1][2] == "950.00"
    xlsx = client.get(reverse("reports:revenue_export", args=["xlsx"]), Q1)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_viewer_may_not_export(company, sales):
    response = client_for(company.viewer).get(reverse("reports:revenue_export", args=["csv"]))
    assert response.status_code == 403


def test_the_pages_queries_do_not_follow_the_documents(
    company, sales, django_assert_max_num_queries
):
    client = client_for(company.finance)
    client.get(reverse("reports:revenue"), Q1)
    with django_assert_max_num_queries(16) as first:
        client.get(reverse("reports:revenue"), Q1)
    for day in (5, 6, 7):  # more invoices of a customer already shown
        invoice(company.finance, sales.b, sales.j1.issue_date.replace(day=day), ("10.00", TO))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("reports:revenue"), Q1)

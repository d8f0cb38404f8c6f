"""Revenue analytics through the browser: finance opens the revenue tab, picks the first
quarter of 2026, reads revenue by customer with its comparisons and chart in both
languages, breaks it down by region instead, and drills down from a figure to the
documents behind it and on to an invoice.

Data is made beforehand through the services (the revenue tests' history of sales);
after that, everything goes through the pages.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cashloop.reports.tests.revenue_book import sales_fixture  # noqa: F401 (the fixture)
from tests.e2e.test_credit_hold import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_reads_revenue_and_drills_down(page, shoot, live_server, company, sales):
    base = live_server.url
    sign_in(page, base, company.finance.username, "en")
    page.goto(f"{base}/reports/")
    page.get_by_test_id("tab-revenue").click()
    form = page.get_by_test_id("revenue-filters")
    form.locator("input[name=from]").fill("2026-01-01")
    form.locator("input[name=to]").fill("2026-03-31")
    page.get_by_test_id("revenue-apply").click()
    table = page.get_by_test_id("revenue-table")
    expect(table).to_contain_text("甲公司 Alpha")
    expect(table).to_contain_text("750.00")
    expect(page.get_by_test_id("total-current")).to_have_text("950.00")
    expect(page.get_by_test_id("chart-bar")).to_have_count(2)
    shoot("by-customer", both=True)

    # when: the same quarter by region, as stacked columns by month
    page.get_by_test_id("filter-dimension").select_option("region")
    page.get_by_test_id("filter-chart").select_option("stacked")
    page.get_by_test_id("revenue-apply").click()
    expect(table).to_contain_text("China")
    expect(table).to_contain_text("Germany")
    expect(page.get_by_test_id("chart-column")).to_have_count(3)
    shoot("by-region", both=True)

    # when: the line over the months of the year
    page.get_by_test_id("filter-dimension").select_option("period")
    page.get_by_test_id("filter-chart").select_option("line")
    page.get_by_test_id("revenue-apply").click()
    expect(page.get_by_test_id("chart-point")).to_have_count(3)
    shoot("by-month", both=True)

    # when: China's figure is clicked, then its first document
    page.get_by_test_id("filter-dimension").select_option("region")
    page.get_by_test_id("revenue-apply").click()
    page.get_by_test_id("revenue-row").filter(has_text="China").get_by_test_id(
        "figure-current"
    ).click()
    expect(page.get_by_test_id("documents-total")).to_have_text("750.00")
    expect(page.get_by_test_id("document-row")).to_have_count(3)
    shoot("documents", both=True)
    page.get_by_test_id("document-link").first.click()
    expect(page).to_have_url(base + reverse("receivables:invoice_detail", args=[sales.i1.pk]))
    expect(page.locator("main")).to_contain_text(sales.i1.number)
    shoot("invoice")

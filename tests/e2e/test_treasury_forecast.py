"""The cash forecast through the browser: the treasurer, with no forecast yet, runs one,
and reads the 13 weeks' balance band against the minimum, the chance of going below it,
the weeks and the customers who bring next month's cash, and finds them again on the
treasury page beside its measured accuracy; then tries a scenario.

Data (years of paid invoices by customer habit and open ones, the cash in the bank,
payroll) is made beforehand; after that, everything goes through the pages, the minimum
balance included.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.treasury.models import BudgetCategory, BudgetLine
from cashloop.treasury.tests.cash_fixtures import (  # noqa: F401 (fixture)
    bank_accounts,
    paid_by_habit,
    post,
)
from tests.e2e.test_credit_hold import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_treasurer_runs_the_forecast_and_reads_the_band_and_the_risk(
    page,
    shoot,
    live_server,
    company,
    bank_accounts,  # noqa: F811
):
    treasurer = UserFactory(username="treasurer", team=None, roles=["treasurer"])
    today = timezone.localdate()
    paid_by_habit(company, 30, seed=3, open_items=150, closed_items=900)
    post(bank_accounts["CNY"], today - timedelta(days=60), "400000.00")
    # Payroll of 2.5 million a month for four months: the cash (about 15 million, the
    # payments the history received) falls toward the 12 million minimum.
    month = today.replace(day=1)
    for _ in range(4):
        BudgetLine.objects.create(
            category=BudgetCategory.objects.get(code="payroll"),
            month=month,
            amount=Decimal("2500000"),
        )
        month = (month + timedelta(days=32)).replace(day=1)
    base = live_server.url

    sign_in(page, base, treasurer.username, "en")
    page.goto(f"{base}/treasury/")
    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Cash forecast").click()
    expect(page.get_by_test_id("forecast-none")).to_be_visible()
    settings = page.get_by_test_id("forecast-settings-form")
    settings.get_by_label("Minimum balance").fill("12000000")
    page.get_by_test_id("save-forecast-settings").click()
    expect(
        page.get_by_test_id("forecast-settings-form").get_by_label("Minimum balance")
    ).to_have_value("12000000.0000")
    page.get_by_test_id("forecast-run").click()

    expect(page.get_by_test_id("forecast-chart")).to_be_visible()
    expect(page.get_by_test_id("forecast-weeks").locator("tbody tr")).to_have_count(13)
    expect(page.get_by_test_id("forecast-months").locator("tbody tr")).to_have_count(12)
    expect(page.get_by_test_id("shortfall")).not_to_have_text("0%")
    expect(page.get_by_test_id("forecast-accuracy")).to_contain_text("Backtest from")
    expect(page.get_by_test_id("forecast-drivers").locator("tbody tr").first).to_contain_text(
        "客户"
    )
    shoot("forecast", both=True)

    # The treasury page now leads with it: the band, the risk and how accurate it has been.
    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Cash position").click()
    summary = page.get_by_test_id("forecast-summary")
    expect(summary.get_by_test_id("forecast-chart")).to_be_visible()
    expect(summary.get_by_test_id("summary-shortfall")).not_to_have_text("0%")
    expect(summary.get_by_test_id("summary-accuracy")).to_contain_text("WAPE in the backtest")
    expect(summary.get_by_test_id("summary-drivers").locator("tbody tr")).to_have_count(5)
    shoot("treasury-page", both=True)

    # What if customers pay 15 days later?
    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Scenarios").click()
    form = page.get_by_test_id("scenario-form")
    form.get_by_label("Name").fill("客户晚付 15 天 Customers pay 15 days later")
    form.get_by_label("Customers pay later by (days)").fill("15")
    page.get_by_test_id("save-scenario").click()
    expect(page.get_by_test_id("scenario-table")).to_contain_text("Customers pay 15 days later")
    page.get_by_test_id("scenario-table").get_by_role("button", name="Run and compare").click()
    expect(page.get_by_test_id("scenario-compare")).to_be_visible()
    expect(page.get_by_test_id("compare-chart")).to_be_visible()
    expect(page.get_by_test_id("compare-weeks").locator("tbody tr")).to_have_count(13)
    shoot("scenario", both=True)

    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Accuracy").click()
    expect(page.get_by_test_id("accuracy-horizons")).to_be_visible()
    expect(page.get_by_test_id("backtest-mae")).to_contain_text("days")
    shoot("accuracy", both=True)

"""Treasury through the browser: the treasurer reads the cash position (a CNY and a USD
account, the total in CNY and the chart), types a cell of this year's budget grid, reads
budget against actual, where the month's posted revenue stands beside it, and sets the
ledger accounts a category's actuals come from.

Data (bank accounts, postings, a USD rate) is made beforehand with the services; after
that, everything goes through the pages.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.treasury.models import BudgetCategory
from cashloop.treasury.selectors import fiscal_year_of
from cashloop.treasury.services import exchange_rate_set
from cashloop.treasury.tests.cash_fixtures import bank_accounts, post  # noqa: F401 (fixture)
from tests.e2e.test_credit_hold import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_treasurer_reads_the_cash_edits_the_budget_and_sees_budget_vs_actual(
    page,
    shoot,
    live_server,
    company,
    bank_accounts,  # noqa: F811
):
    treasurer = UserFactory(username="treasurer", team=None, roles=["treasurer"])
    today = timezone.localdate()
    post(bank_accounts["CNY"], today - timedelta(days=45), "250000.00")
    post(bank_accounts["CNY"], today.replace(day=1), "18500.00", other="6001")
    post(bank_accounts["USD"], today - timedelta(days=20), "12000.00", base="85200.00")
    exchange_rate_set(
        actor=treasurer, currency="USD", day=today - timedelta(days=100), rate=Decimal("7.1")
    )
    sales = BudgetCategory.objects.get(code="sales")
    month = today.replace(day=1).isoformat()
    base = live_server.url

    sign_in(page, base, treasurer.username, "en")
    page.goto(f"{base}/treasury/")
    expect(page.get_by_test_id("cash-total")).to_contain_text("353,700.00")
    expect(page.get_by_test_id("cash-chart")).to_be_visible()
    shoot("position", both=True)

    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Budget", exact=True).click()
    expect(page.get_by_test_id("fiscal-year")).to_contain_text(str(fiscal_year_of(today)))
    cell = page.get_by_test_id(f"cell-{sales.pk}-{month}")
    cell.locator("input[name=amount]").fill("20000")
    cell.locator("input[name=amount]").press("Tab")
    expect(
        page.get_by_test_id(f"cell-{sales.pk}-{month}").get_by_test_id("cell-saved")
    ).to_be_visible()
    # The month's inflow total follows the cell without a reload.
    expect(page.get_by_test_id("budget-totals").locator("tr").first).to_contain_text("20,000.00")
    shoot("budget", both=True)

    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Budget vs actual").click()
    expect(page.get_by_test_id("bva-sales-budget")).to_contain_text("20,000.00")
    expect(page.get_by_test_id("bva-sales-actual")).to_contain_text("18,500.00")
    expect(page.get_by_test_id("bva-sales-variance")).to_contain_text("1,500.00")
    shoot("budget-vs-actual", both=True)

    # Where the actuals come from: the sales category's accounts, set on the setup page.
    page.get_by_test_id("treasury-tabs").get_by_role("link", name="Budget", exact=True).click()
    page.get_by_test_id("budget-setup-link").click()
    row = page.get_by_test_id("category-sales")
    row.get_by_role("textbox").fill("6001, 9999")
    page.get_by_test_id("save-accounts-sales").click()
    expect(page.get_by_test_id("category-sales").get_by_test_id("accounts-error")).to_contain_text(
        "9999"
    )
    page.get_by_test_id("category-sales").get_by_role("textbox").fill("6001, 6051")
    page.get_by_test_id("save-accounts-sales").click()
    expect(page.get_by_test_id("category-sales").get_by_role("textbox")).to_have_value("6001, 6051")
    shoot("setup", both=True)

"""Customer value through the browser: the treasurer opens the ranking, sees who makes money
and who loses it after collecting and waiting, sorts by the slowest payers and sets the
financing rate, which changes what waiting costs.

Data (a year of invoices paid by customer habit, and a small customer dunned over and
over) is made beforehand; after that, everything goes through the pages.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.collections.models import DunningLog
from cashloop.reports.tests.helpers import invoice
from cashloop.treasury.tests.cash_fixtures import paid_by_habit
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_treasurer_sees_who_makes_money_and_what_waiting_costs(page, shoot, live_server, company):
    treasurer = UserFactory(username="treasurer", team=None, roles=["treasurer"])
    today = timezone.localdate()
    paid_by_habit(company, 12, seed=5, open_items=40, closed_items=200)
    # A small customer: 1,000 invoiced a month ago, sent a reminder on 90 days.
    small = CustomerFactory(owner=company.rep_east, currency="CNY", name="小客户 Small Co")
    invoice(company.finance, small, today - timedelta(days=30), ("1000.00", today))
    for days in range(90):
        DunningLog.objects.create(
            customer=small,
            run_date=today - timedelta(days=days),
            level_name="提醒",
            days_overdue=days,
            currency="CNY",
            overdue_total=Decimal("1000.00"),
        )
    base = live_server.url

    sign_in(page, base, treasurer.username, "en")
    page.goto(f"{base}/treasury/")
    page.get_by_test_id("tab-value").click()
    table = page.get_by_test_id("value-table")
    expect(table.get_by_test_id("value-row")).to_have_count(13)
    # Ranked by contribution: the small customer, who costs more to chase than it brings,
    # comes last and loses money.
    last = table.get_by_test_id("value-row").last
    expect(last).to_contain_text("小客户 Small Co")
    expect(last.get_by_test_id("verdict")).to_have_text("Loses money")
    expect(table.get_by_test_id("verdict").first).to_have_text("Makes money")
    shoot("ranking", both=True)

    table.get_by_test_id("sort-days_to_pay").click()
    expect(page.get_by_test_id("sort-days_to_pay")).to_have_attribute("aria-sort", "descending")
    days = [
        float(text) if text != "—" else 0.0
        for text in page.locator("[data-testid=value-row] td:nth-child(7)").all_inner_texts()
    ]
    assert days == sorted(days, reverse=True) and days[0] > 0

    before = page.get_by_test_id("value-totals").inner_text()
    settings = page.get_by_test_id("value-settings-form")
    settings.get_by_label("Financing rate (% a year)").fill("20")
    page.get_by_test_id("save-value-settings").click()
    expect(page.get_by_text("Saved: the ranking uses it.")).to_be_visible()
    expect(page.get_by_test_id("value-totals")).to_contain_text("at 20.00% a year")
    assert page.get_by_test_id("value-totals").inner_text() != before
    # A negative cost is refused by the service, shown at its field, and nothing changes.
    settings = page.get_by_test_id("value-settings-form")
    settings.get_by_label("Cost of a dunning message").fill("-5")
    page.get_by_test_id("save-value-settings").click()
    expect(page.get_by_test_id("value-settings-form")).to_contain_text("A cost cannot be negative.")
    shoot("refused")

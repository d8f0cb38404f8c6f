"""The forecast through the real browser: a manager reads the team's forecast, adjusts a
rep's commit inline, sets the rep's target and reads the attainment, then reads the funnel
and the accuracy report.

Data is made beforehand with the services; after that, everything goes through the pages.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.sales import forecast, services
from cashloop.sales.models import ForecastAdjustment
from cashloop.sales.tests.conftest import install_pipeline
from tests.e2e.test_customer_flow import sign_in
from tests.e2e.test_sales_flow import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_adjusts_a_commit_and_reads_the_funnel(
    page, shoot, live_server, company, customers
):
    base = live_server.url
    pipeline = install_pipeline()
    stages = list(pipeline.stages.order_by("position"))
    period = forecast.period_containing(timezone.localdate(), quarter=True)
    deals = [
        (company.rep_east, "青山茶业 ERP", "120000.00", 3),
        (company.rep_east, "仓储扩容 Warehouse", "80000.00", 2),
        (company.rep_east, "年度运维", "30000.00", 4),
        (company.rep_east_sub, "上海 MES", "60000.00", 1),
        (company.rep_south, "Hidden southern deal", "1.00", 0),
    ]
    for owner, name, amount, stage_index in deals:
        deal = services.opportunity_create(
            actor=owner,
            customer_id=customers[owner.username].pk,
            name=name,
            amount=Decimal(amount),
            expected_close_date=period.end,
        )
        if stage_index:
            services.opportunity_move(
                actor=owner, opportunity_id=deal.pk, stage_id=stages[stage_index].pk
            )
    services.forecast_snapshot_take(as_of=timezone.localdate())
    rep = company.rep_east

    page.goto(f"{base}/login/")
    sign_in(page, company.manager_east.username, PASSWORD)
    page.goto(f"{base}/sales/")
    page.get_by_test_id("tab-forecast").click()
    expect(page).to_have_url(f"{base}/sales/forecast/")
    table = page.get_by_test_id("forecast-table")
    expect(table).not_to_contain_text(str(company.rep_south))
    # rep_east commits 30,000 won + 120,000 at 75%; 80,000 at 50% is best case only
    expect(page.get_by_test_id(f"rep-{rep.pk}")).to_contain_text("150,000.00")
    shoot("forecast", both=True)

    row = page.get_by_test_id(f"rep-{rep.pk}")
    row.get_by_test_id(f"adjust-{rep.pk}").click()
    row.get_by_test_id("adjust-amount").fill("140000")
    row.get_by_test_id("adjust-note").fill("仓储扩容 may slip")
    shoot("adjusting")
    row.get_by_test_id("adjust-save").click()
    expect(page.get_by_test_id(f"adjusted-{rep.pk}")).to_contain_text("140,000.00")
    expect(page.get_by_test_id("company-total")).to_contain_text("140,000.00")
    shoot("adjusted")
    assert ForecastAdjustment.objects.get().created_by == company.manager_east

    # The quarter's target for rep_east: 30,000 won of 60,000 is half of it.
    page.get_by_test_id("set-targets").click()
    page.get_by_test_id(f"target-row-{rep.pk}").locator("input").fill("60000")
    page.get_by_test_id("save-targets").click()
    expect(page.get_by_test_id(f"target-row-{rep.pk}").locator("input")).to_have_value("60000.00")
    shoot("targets", both=True)
    page.goto(f"{base}/sales/forecast/?period={period.key}")
    expect(page.get_by_test_id(f"attainment-{rep.pk}")).to_have_text("50.0%")

    page.get_by_test_id("tab-funnel").click()
    expect(page.get_by_test_id("funnel-chart")).to_be_visible()
    expect(page.get_by_test_id("funnel-table")).to_contain_text(stages[0].name)
    expect(page.get_by_test_id("weakest")).to_be_visible()
    shoot("funnel", both=True)

    page.get_by_test_id("tab-accuracy").click()
    page.locator("input[name=as_of]").fill(timezone.localdate().isoformat())
    page.locator("select[name=period]").select_option(period.key)
    page.get_by_test_id("accuracy-filters").locator("button").click()
    expect(page.get_by_test_id("accuracy-table")).to_contain_text(str(rep))
    shoot("accuracy", both=True)

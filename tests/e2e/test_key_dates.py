"""Key dates and the revenue schedule through the real browser.

Finance opens a contract's revenue schedule, recognises a month with the page's button,
then walks the key-date calendar from month to month and follows a key date.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from cashloop.contracts.choices import PlanItemStatus
from cashloop.contracts.tests.recognition_data import (
    contract_make,
    line_add,
    milestone_add,
    plan_add,
)
from cashloop.cpq.choices import Recognition
from tests.e2e.test_customer_flow import sign_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Revenue-month-2026"


def test_finance_recognises_a_month_and_walks_the_key_dates(page, shoot, live_server, company):
    base = live_server.url
    clerk = UserFactory(
        username="fin_flow", display_name="李会计", roles=["finance"], password=PASSWORD
    )
    customer = CustomerFactory(owner=company.rep_east, name="杭州青山茶业 Qingshan Tea")
    contract = contract_make(customer=customer, number="HT-2026-0042", title="茶园 ERP 实施")
    line_add(
        contract,
        net="12000.00",
        description="年度运维服务 Annual support",
        service_start=date(2026, 1, 1),
        service_end=date(2026, 12, 31),
    )
    milestone = milestone_add(contract, name="上线验收 Go-live", planned=date(2026, 11, 27))
    line_add(
        contract,
        net="30000.00",
        recognition=Recognition.AT_MILESTONE,
        milestone=milestone,
        description="实施服务 Implementation",
    )
    line_add(
        contract,
        net="5000.00",
        recognition=Recognition.AT_INVOICING,
        description="软件许可 Licence",
    )
    plan_add(contract, due=date(2026, 11, 16), amount=20000, label="首付款")
    plan_add(contract, due=None, milestone=milestone, status=PlanItemStatus.WAITING)

    page.goto(f"{base}/login/")
    sign_in(page, clerk.username, PASSWORD)
    page.get_by_test_id("lang-en").click()

    # The revenue schedule: nothing recognised yet, the whole year planned.
    page.goto(f"{base}/revenue/contracts/{contract.pk}/")
    expect(page.get_by_test_id("schedule-title")).to_contain_text("HT-2026-0042")
    expect(page.get_by_test_id("schedule-recognised")).to_contain_text("0.00")
    # Recognise March: January to March of the support line are caught up at once.
    page.locator("input[name=period]").fill("2026-03")
    page.get_by_test_id("recognition-run-button").click()
    expect(page.locator(".flash")).to_contain_text("recognised for 1 contract")
    expect(page.get_by_test_id("schedule-recognised")).to_contain_text("3,000.00")
    expect(page.get_by_test_id("month-2026-03")).to_contain_text("3,000.00")
    expect(page.get_by_test_id("month-2026-11")).to_contain_text("31,000.00")
    shoot("revenue-schedule", both=True)

    # The calendar of November: the installment, the milestone; December: the renewal notice.
    page.get_by_role("link", name="Key dates").click()
    page.goto(f"{base}/revenue/key-dates/?month=2026-11")
    expect(page.get_by_test_id("day-2026-11-16")).to_contain_text("HT-2026-0042 CN¥20,000.00")
    expect(page.get_by_test_id("day-2026-11-27")).to_contain_text("上线验收 Go-live")
    expect(page.get_by_test_id("key-date-list")).to_contain_text("¥20,000.00")
    shoot("calendar-november", both=True)
    page.get_by_test_id("calendar-next").click()
    expect(page.get_by_test_id("calendar-month")).to_contain_text("December 2026")
    expect(page.get_by_test_id("day-2026-12-01").locator(".kd-renewal_notice")).to_have_attribute(
        "title", re.compile("Renewal notice for HT-2026-0042")
    )
    expect(page.get_by_test_id("day-2026-12-31")).to_contain_text("HT-2026-0042")
    shoot("calendar-december")
    page.get_by_test_id("calendar-previous").click()
    page.get_by_test_id("calendar-previous").click()
    expect(page.get_by_test_id("key-date-none")).to_be_visible()

    # The feed's address is there to copy, and the key date leads to its contract.
    page.goto(f"{base}/revenue/key-dates/?month=2026-11")
    feed = page.get_by_test_id("feed-url").input_value()
    assert "/revenue/key-dates/feed/" in feed and feed.endswith(".ics")
    page.get_by_test_id("day-2026-11-16").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/{contract.pk}/$"))

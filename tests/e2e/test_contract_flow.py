"""A contract through the real browser: drafted with a milestone plan in the plan editor
(the remainder to allocate shown as the plan is typed), activated, milestone accepted.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cashloop.contracts.models import Contract
from tests.e2e.test_customer_flow import sign_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Contract-plan-2026"


def test_a_manager_drafts_activates_and_accepts_a_milestone(page, shoot, live_server, company):
    base = live_server.url
    manager = UserFactory(
        username="mgr_contract",
        display_name="王经理",
        team=company.east,
        roles=["sales_manager"],
        password=PASSWORD,
    )
    customer = CustomerFactory(owner=manager, name="杭州青山茶业 Qingshan Tea")

    page.goto(f"{base}/login/")
    sign_in(page, manager.username, PASSWORD)
    page.get_by_test_id("lang-en").click()

    # The draft: header, one milestone, two lines.
    page.goto(f"{base}/contracts/")
    page.get_by_test_id("new-contract").click()
    page.locator("#id_customer").select_option(str(customer.pk))
    page.locator("#id_title").fill("茶园 ERP 实施 Tea garden ERP")
    page.locator("#id_signing_date").fill("2026-03-10")
    page.locator("#id_start_date").fill("2026-03-01")
    page.locator("#id_end_date").fill("2027-02-28")
    page.get_by_test_id("add-milestone").click()
    page.locator("#id_milestones-0-name").fill("上线验收 Go-live")
    page.locator("#id_milestones-0-planned_date").fill("2026-06-30")
    page.locator("#id_lines-0-description").fill("实施服务 Implementation")
    page.locator("#id_lines-0-quantity").fill("10")
    page.locator("#id_lines-0-unit_price").fill("1000.00")
    page.get_by_test_id("add-line").click()
    page.locator("#id_lines-1-description").fill("培训 Training")
    page.locator("#id_lines-1-quantity").fill("2")
    page.locator("#id_lines-1-unit_price").fill("500.00")
    page.locator("#id_lines-1-tax_rate").select_option("0.06")

    # The plan editor: 30% on signing leaves 70% to allocate ...
    page.locator("#id_plan-0-label").fill("预付款 Advance")
    page.locator("#id_plan-0-percent").fill("30")
    page.locator("#id_plan-0-due_days").fill("10")
    page.locator("#id_plan-0-due_rule").select_option("on_signing")
    expect(page.get_by_test_id("preview-total")).to_contain_text("12,360.00")
    expect(page.get_by_test_id("remainder")).to_contain_text("8,652.00")
    # ... and 70% on the milestone's acceptance covers it exactly.
    page.get_by_test_id("add-installment").click()
    page.locator("#id_plan-1-label").fill("验收款 On acceptance")
    page.locator("#id_plan-1-percent").fill("70")
    page.locator("#id_plan-1-due_rule").select_option("on_milestone")
    page.locator("#id_plan-1-due_days").fill("15")
    page.locator("#id_plan-1-milestone").fill("1")
    # Leave the field, so its "change" preview is not still running when the form is saved
    # (the live server's threads share one SQLite connection; a preview's rollback would
    # take the save with it).
    with page.expect_response(lambda response: "/contracts/preview/" in response.url):
        page.locator("#id_plan-1-milestone").press("Tab")
    expect(page.get_by_test_id("remainder")).to_contain_text("covers the total exactly")
    # (One language here: the language switch reloads the page and would drop the typing.)
    shoot("plan-editor")
    page.get_by_test_id("save-draft").click()

    # Activate: numbered, the advance dated, the acceptance installment waiting.
    expect(page.get_by_test_id("contract-total")).to_contain_text("12,360.00")
    assert Contract.objects.count() == 1  # the editor's previews saved nothing
    page.get_by_test_id("activate-contract").click()
    expect(page.get_by_test_id("contract-number")).to_have_text(re.compile(r"CON-2026-\d{6}"))
    expect(page.get_by_test_id("plan-1-due")).to_have_text("2026-03-20")
    expect(page.get_by_test_id("plan-2-due")).to_have_text("—")
    shoot("active", both=True)

    # Accept the milestone: its installment falls due 15 days later.
    page.get_by_test_id("accept-date-1").fill("2026-07-02")
    page.get_by_test_id("accept-milestone-1").click()
    expect(page.get_by_test_id("plan-2-due")).to_have_text("2026-07-17")
    expect(page.get_by_test_id("milestone-1")).to_contain_text("2026-07-02")
    shoot("milestone-accepted", both=True)

    # The customer's 360 lists the contract.
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-contracts")).to_contain_text("Tea garden ERP")
    shoot("customer-360", both=True)

    # Renewal drafts next year's contract; its plan editor shows the plan as saved.
    page.goto(f"{base}/contracts/")
    page.get_by_role("link", name="茶园 ERP 实施 Tea garden ERP").first.click()
    page.get_by_test_id("renew-contract").click()
    page.get_by_test_id("edit-contract").click()
    expect(page.get_by_test_id("remainder")).to_contain_text("covers the total exactly")
    expect(page.locator("#id_start_date")).to_have_value("2027-03-01")
    shoot("renewal-plan-editor", both=True)
    # The editor previews on load; let that finish and leave for a page that asks nothing
    # more, so no dry run is half-way when the test database is flushed.
    expect(page.get_by_test_id("remainder")).to_be_visible()
    page.goto(f"{base}/contracts/?status=draft")
    expect(page.get_by_test_id("contract-table")).to_contain_text("Tea garden ERP")

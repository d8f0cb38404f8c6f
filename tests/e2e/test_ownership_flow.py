"""A manager hands over a leaving rep's customers; a rep claims a customer from the pool."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cashloop.customers.models import Customer
from tests.e2e.test_customer_flow import sign_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Hand-over-day-2026"


def test_manager_hands_over_and_rep_claims_from_pool(page, shoot, live_server, company):
    base = live_server.url
    manager = UserFactory(
        username="mgr_flow", team=company.east, roles=["sales_manager"], password=PASSWORD
    )
    leaver = UserFactory(
        username="leaver", display_name="王离职", team=company.east, roles=["sales_rep"]
    )
    heir = UserFactory(
        username="heir",
        display_name="赵接手",
        team=company.east,
        roles=["sales_rep"],
        password=PASSWORD,
    )
    for name in ("无锡华通电子有限公司", "常州新材料科技", "南通远洋船舶"):
        CustomerFactory(owner=leaver, name=name)
    CustomerFactory(owner=None, team=None, name="公海·嘉兴纺织有限公司")

    page.goto(f"{base}/login/")
    sign_in(page, manager.username, PASSWORD)
    page.goto(f"{base}/settings/")
    page.locator("tr", has_text="王离职").get_by_test_id("hand-over-user").click()
    form = page.get_by_test_id("hand-over-form")
    form.locator("#id_to_user").select_option(str(heir.pk))
    form.locator("#id_reason").fill("王离职，客户移交给赵接手")
    form.get_by_test_id("hand-over-preview-button").click()
    preview = page.get_by_test_id("hand-over-preview")
    expect(preview).to_contain_text("3")
    shoot("hand-over-preview")  # a POST result: the language switch would lose it
    page.get_by_test_id("hand-over-confirm").click()
    expect(page.get_by_test_id("hand-over-history")).to_contain_text("王离职，客户移交给赵接手")
    shoot("hand-over-done", both=True)
    assert Customer.objects.filter(owner=heir).count() == 3
    page.locator("header form button.link-button").last.click()

    page.goto(f"{base}/login/")
    sign_in(page, heir.username, PASSWORD)
    page.locator("nav.sidebar a[href='/customers/pool/']").click()
    rows = page.get_by_test_id("pool-row")
    expect(rows).to_have_count(1)
    shoot("pool", both=True)
    rows.first.get_by_test_id("claim").click()
    expect(rows.first.get_by_test_id("claimed")).to_be_visible()
    shoot("claimed")
    rows.first.get_by_role("link").click()
    expect(page.get_by_test_id("customer-name")).to_have_text("公海·嘉兴纺织有限公司")
    expect(page.get_by_test_id("ownership")).to_contain_text("赵接手")
    shoot("customer-ownership", both=True)

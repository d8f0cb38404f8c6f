"""An after-sales agent opens a ticket for a customer who owes money and is warned.

The warning appears on the new-ticket form as soon as the customer is chosen (HTMX),
then on the ticket; the agent's reply carries a payment reminder.  Both languages are
photographed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cashloop.receivables.tests.test_services import issued, line
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Service-desk-2026"


def test_agent_sees_the_overdue_warning_and_reminds_the_customer(page, shoot, live_server, company):
    base = live_server.url
    UserFactory(
        username="chen.jing",
        display_name="陈静",
        team=None,
        roles=["service_agent"],
        password=PASSWORD,
    )
    owing = CustomerFactory(owner=company.rep_east, name="杭州青山茶业 Qingshan Tea")
    issued(company, owing, lines=[line("1000.00")])  # 1,130.00 due 2026-04-09
    CustomerFactory(owner=company.rep_south, name="苏州河运 Suzhou River Freight")

    page.goto(f"{base}/login/")
    page.locator("#id_username").fill("chen.jing")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")

    # The ticket list from the navigation, then a new ticket.
    page.locator("nav.sidebar a[href='/service/']").click()
    expect(page).to_have_url(f"{base}/service/")
    page.get_by_test_id("new-ticket").click()
    expect(page.get_by_test_id("overdue-warning")).to_have_count(0)

    # Choosing the customer brings its warning (and its contacts) without leaving the page.
    page.locator("#id_subject").fill("茶叶包装机异响 Packing machine noise")
    with page.expect_response(lambda r: "/service/new/?" in r.url):
        page.get_by_test_id("ticket-customer").select_option(label=str(owing))
    warning = page.get_by_test_id("overdue-warning")
    expect(warning).to_contain_text("CN¥1,130.00")
    expect(warning).to_contain_text("Rep_East")
    expect(page.locator("#id_subject")).to_have_value("茶叶包装机异响 Packing machine noise")
    # The address now carries the choice, so a reload (or the language switch) keeps it.
    page.reload()
    expect(page.get_by_test_id("overdue-warning")).to_contain_text("CN¥1,130.00")
    expect(page.locator("#id_subject")).to_have_value("茶叶包装机异响 Packing machine noise")
    shoot("new-ticket-warning", both=True)

    page.locator("#id_priority").select_option("high")
    page.get_by_test_id("save-ticket").click()
    expect(page.get_by_test_id("ticket-number")).to_contain_text("TKT-")
    expect(page.get_by_test_id("overdue-warning")).to_contain_text("CN¥1,130.00")
    shoot("ticket-warning", both=True)

    # The reply with a payment reminder, in the conversation.
    page.locator("#id_body").fill("We will send an engineer tomorrow morning.")
    page.locator("#id_payment_reminder").check()
    page.get_by_test_id("send-reply").click()
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text("We will send an engineer tomorrow morning.")
    expect(conversation).to_contain_text("CN¥1,130.00")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")
    shoot("ticket-replied", both=True)

    # The list: the ticket, its customer, priority and status.
    page.locator("nav.sidebar a[href='/service/']").click()
    expect(page.get_by_test_id("ticket-table")).to_contain_text("TKT-")
    expect(page.get_by_test_id("ticket-table")).to_contain_text(owing.name)
    shoot("ticket-list", both=True)

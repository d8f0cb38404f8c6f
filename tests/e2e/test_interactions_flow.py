"""A rep's follow-up day in the browser: log a call with a next step from the customer page,
find it in the to-do list, tick it off; then find a customer by a contact's phone number."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_customer_flow import sign_in
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Follow-up-day-2026"


def test_rep_logs_a_call_sees_it_in_todo_marks_done_and_searches_by_phone(
    page, shoot, live_server, company
):
    base = live_server.url
    rep = UserFactory(
        username="rep_flow",
        display_name="李销售",
        team=company.east,
        roles=["sales_rep"],
        password=PASSWORD,
    )
    customer = CustomerFactory(owner=rep, name="宁波嘉禾包装有限公司")
    ContactFactory(customer=customer, name="张敏", phone="138 0013 8000", phone_key="13800138000")
    CustomerFactory(owner=company.rep_south, name="厦门远航物流")

    page.goto(f"{base}/login/")
    sign_in(page, rep.username, PASSWORD)
    expect(page).to_have_url(f"{base}/")

    # Log a call with a next step on the customer page; HTMX puts it on the timeline.
    page.goto(f"{base}/customers/{customer.pk}/")
    form = page.get_by_test_id("interaction-form")
    form.locator("#id_kind").select_option("call")
    form.locator("#id_summary").fill("电话沟通续约，客户需要新报价")
    form.get_by_label("张敏").check()
    form.locator("#id_next_step").fill("发送新报价单")
    form.locator("#id_next_step_date").fill("2020-01-01")  # already overdue
    form.locator("button[type=submit]").click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("电话沟通续约，客户需要新报价")
    expect(timeline).to_contain_text("发送新报价单")
    expect(timeline.locator(".timeline-step.overdue")).to_have_count(1)
    shoot("timeline", both=True)

    # The step is in my to-do list, overdue; ticking it off removes the row in place.
    page.locator("nav.sidebar a[href='/customers/todo/']").click()
    rows = page.get_by_test_id("todo-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("发送新报价单")
    expect(rows.first).to_contain_text("宁波嘉禾包装有限公司")
    shoot("todo", both=True)
    rows.first.get_by_test_id("mark-done").click()
    expect(rows).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("todo-row")).to_have_count(0)
    shoot("todo-empty")

    # The top-bar search finds the customer by the contact's phone, written another way,
    # and not the customer of another rep.
    search = page.get_by_test_id("topbar-search")
    search.fill("+86 138-0013-8000")
    search.press("Enter")
    expect(page.get_by_test_id("search-customers")).to_contain_text("宁波嘉禾包装有限公司")
    expect(page.get_by_test_id("search-contacts")).to_contain_text("张敏")
    shoot("search", both=True)
    search = page.get_by_test_id("topbar-search")
    search.fill("远航")
    search.press("Enter")
    expect(page.get_by_test_id("search-empty")).to_be_visible()

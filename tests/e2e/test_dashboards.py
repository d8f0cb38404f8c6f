"""Role dashboards and scheduled reports through the browser, once in each language
(decision 064): a rep, a sales manager and finance each sign in and see their own board
(screenshots of each), follow a card to its report, and finance schedules the weekly AR
summary for the manager on the page and sends it at once; a treasurer sees the CFO's board.

Data is made beforehand with the services; after that, everything goes through the pages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from cashloop.collections.models import CollectionTask
from cashloop.reports.models import ReportSchedule
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from cashloop.sales import services as sales_services
from cashloop.sales.tests.conftest import install_pipeline
from tests.e2e.test_approval_flow import sign_out
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def book(company) -> None:
    """Overdue invoices for two reps' customers, a part paid, a deal, a task and a target."""
    install_pipeline()
    today = timezone.localdate()
    fin = company.finance
    east = CustomerFactory(owner=company.rep_east, code="E-1", name="杭州青山茶业 Qingshan Tea")
    south = CustomerFactory(owner=company.rep_south, code="S-1", name="广州南风电子 Nanfeng")
    issued = [
        invoice(fin, east, day, (amount, day + timedelta(days=30)))
        for day, amount in (
            (today - timedelta(days=150), "12000.00"),
            (today - timedelta(days=90), "8000.00"),
            (today - timedelta(days=40), "5000.00"),
        )
    ]
    paid = pay(fin, east, "4000.00", today - timedelta(days=60))
    apply(fin, paid, items(issued[0])[0], "4000.00", today - timedelta(days=60))
    invoice(fin, south, today - timedelta(days=100), ("3000.00", today - timedelta(days=70)))
    sales_services.opportunity_create(
        actor=company.rep_east,
        customer_id=east.pk,
        name="茶园 ERP Tea garden ERP",
        amount=Decimal("60000.00"),
        expected_close_date=today + timedelta(days=20),
    )
    sales_services.sales_targets_set(
        actor=company.manager_east,
        period=today.strftime("%Y-%m"),
        targets={company.rep_east.pk: Decimal("100000.00")},
    )
    CollectionTask.objects.create(
        customer=east,
        assignee=company.rep_east,
        title="打电话催收 Call about the May invoice",
        due_date=today,
    )


def board(page: Page, base: str, key: str) -> None:
    page.goto(f"{base}/")
    expect(page.get_by_test_id(f"board-{key}")).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_each_role_sees_its_board_and_finance_schedules_a_report(
    page, shoot, live_server, company, lang
):
    base = live_server.url
    book(company)

    # The rep: their pipeline against target, their overdue customer, their task.
    sign_in(page, base, company.rep_east.username, lang)
    board(page, base, "rep")
    expect(page.get_by_test_id("card-my-overdue")).to_contain_text("Qingshan Tea")
    expect(page.get_by_test_id("card-my-overdue")).not_to_contain_text("Nanfeng")
    expect(page.get_by_test_id("card-my-tasks")).to_contain_text("Call about the May invoice")
    expect(page.get_by_test_id("target-attainment")).to_contain_text("100,000.00")
    shoot("rep")
    page.get_by_test_id("card-my-overdue").locator(".small-links").click()
    expect(page).to_have_url(f"{base}/reports/aging/?owner_id={company.rep_east.pk}")
    sign_out(page)

    # The manager: the team's forecast against target, the funnel, overdue by rep.
    sign_in(page, base, company.manager_east.username, lang)
    board(page, base, "manager")
    expect(page.get_by_test_id("team-attainment")).to_have_text("0.0%")
    expect(page.get_by_test_id("card-overdue-by-rep")).to_contain_text("Rep_East")
    expect(page.get_by_test_id("card-overdue-by-rep")).not_to_contain_text("Rep_South")
    shoot("manager")
    page.get_by_test_id("card-funnel").locator(".small-links").click()
    expect(page).to_have_url(re.compile(r"/sales/funnel/\?pipeline=\d+$"))
    sign_out(page)

    # Finance: AR, the DSO trend drawn on the server, the aging, bank lines and dunning.
    sign_in(page, base, company.finance.username, lang)
    board(page, base, "finance")
    expect(page.get_by_test_id("card-dso-trend").locator("svg circle")).to_have_count(6)
    expect(page.get_by_test_id("unmatched-count")).to_have_text("0")
    shoot("finance", both=True)

    # From the AR card to the aging, then to the schedules, and a new weekly schedule.
    page.get_by_test_id("ar-card").click()
    page.get_by_test_id("tab-schedules").click()
    form = page.get_by_test_id("schedule-form")
    form.locator("#id_name").fill("周一应收 Monday AR")
    form.locator("#id_report").select_option("ar_summary")
    form.locator("#id_frequency").select_option("weekly")
    form.locator("#id_weekday").select_option("0")
    form.locator("input[name=formats][value=pdf]").check()
    form.locator("input[name=formats][value=xlsx]").check()
    form.locator(f"input[name=recipients][value='{company.manager_east.pk}']").check()
    form.locator("#id_language").select_option(lang)
    page.get_by_test_id("save-schedule").click()
    schedule = ReportSchedule.objects.get()
    row = page.get_by_test_id(f"schedule-{schedule.pk}")
    expect(row).to_contain_text("周一应收 Monday AR")
    expect(row).to_contain_text("PDF, XLSX")
    shoot("schedules", both=True)
    page.get_by_test_id(f"send-{schedule.pk}").click()
    expect(page.locator(".flash")).to_be_visible()
    (message,) = mail.outbox
    assert message.to == [company.manager_east.email]
    assert [name.split(".")[-1] for name, _content, _type in message.attachments] == [
        "pdf",
        "xlsx",
    ]
    shoot("sent")
    sign_out(page)

    # The treasurer: the cash forecast (none yet), the largest overdue, budget, revenue.
    treasurer = UserFactory(username="treasurer", roles=["treasurer"])
    sign_in(page, base, treasurer.username, lang)
    board(page, base, "cfo")
    expect(page.get_by_test_id("card-risks")).to_contain_text("Qingshan Tea")
    shoot("cfo")
    page.get_by_test_id("card-revenue").click()
    expect(page).to_have_url(f"{base}/reports/revenue/")

"""Dunning through the browser: finance makes a policy with two levels on its page, looks
at the preview of today's run, runs it, and reads the log and the letter; and an invoice
walks up the levels over simulated days, read in the log and on the customer's page.

Data (an overdue invoice of a customer with a contact) is made beforehand with the
services; after that, everything goes through the pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.collections.models import DunningLog
from cashloop.collections.services import LevelInput, dunning_policy_save, dunning_run
from cashloop.collections.tests.conftest import issue
from cashloop.customers.models import Contact
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_sets_up_dunning_previews_and_runs_it(
    page, shoot, live_server, company, monkeypatch
):
    base = live_server.url
    customer = CustomerFactory(owner=company.rep_east, code="LATE01", name="迟付科技")
    Contact.objects.create(customer=customer, name="李会计", email="ap@late.example")
    invoice = issue(company, customer, issue_date=timezone.localdate() - timedelta(days=50))
    # A second customer the preview counts but, a screenful being one row here, omits.
    monkeypatch.setattr("cashloop.collections.views.PREVIEW_ROWS", 1)
    later = CustomerFactory(owner=company.rep_east, code="LATE02", name="晚付贸易")
    issue(company, later, issue_date=timezone.localdate() - timedelta(days=40))

    sign_in(page, base, company.finance.username, "en")
    page.goto(f"{base}/dunning/policies/")
    page.get_by_test_id("new-policy").click()
    shoot("policy-new", both=True)
    page.locator("#id_name").fill("Standard")
    page.locator("#id_is_default").check()
    page.locator("#id_level-0-name").fill("First reminder")
    page.locator("#id_level-0-days_overdue").fill("1")
    page.get_by_test_id("add-level").click()
    page.locator("#id_level-1-name").fill("Final notice")
    page.locator("#id_level-1-days_overdue").fill("15")
    page.locator("#id_level-1-letter").check()
    page.locator("#id_level-1-create_task").check()
    shoot("policy-filled")  # one language: switching reloads the page and its typing
    page.get_by_test_id("save-policy").click()
    expect(page.get_by_test_id("policy-table")).to_contain_text("Final notice")
    shoot("policies", both=True)

    page.goto(f"{base}/dunning/")
    row = page.get_by_test_id("preview-row-LATE01")
    expect(row).to_contain_text("Final notice")
    expect(row).to_contain_text(invoice.number)
    expect(page.get_by_test_id("preview-summary")).to_contain_text("remind 2 customers")
    expect(page.get_by_test_id("preview-shown")).to_contain_text("The first 1 customer by code")
    expect(page.get_by_test_id("preview-row-LATE02")).to_have_count(0)
    shoot("preview", both=True)
    page.get_by_test_id("run-now").click()
    expect(page.get_by_test_id("log-table")).to_contain_text("LATE02")
    log = DunningLog.objects.get(customer=customer)
    expect(page.get_by_test_id(f"log-row-{log.pk}")).to_contain_text("ap@late.example")
    shoot("log", both=True)
    page.get_by_test_id(f"log-row-{log.pk}").locator("a").first.click()
    expect(page.get_by_test_id("log-message")).to_contain_text(invoice.number)
    expect(page.get_by_test_id("letter")).to_be_visible()
    shoot("log-detail", both=True)
    # The same day again: nothing left to do, and no button to do it.
    page.goto(f"{base}/dunning/")
    expect(page.get_by_test_id("preview-summary")).to_be_visible()
    expect(page.get_by_test_id("run-now")).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_an_overdue_invoice_walks_up_the_levels_day_by_day(page, shoot, live_server, company, lang):
    """The daily run, called for each simulated day of five weeks, dunns the invoice once at
    each level on its day; finance reads the walk in the log and on the customer's page."""
    base = live_server.url
    today = timezone.localdate()
    dunning_policy_save(
        actor=company.finance,
        name="Standard",
        is_default=True,
        auto_send=True,
        levels=[
            LevelInput(name="First reminder", days_overdue=1),
            LevelInput(name="Second reminder", days_overdue=15, create_task=True),
            LevelInput(name="Formal demand", days_overdue=30, letter=True),
        ],
    )
    customer = CustomerFactory(owner=company.rep_east, code="WALK01", name="逐级科技")
    Contact.objects.create(customer=customer, name="王会计", email="ap@walk.example")
    # Issued 65 days ago, due 30 days later: 35 days overdue today.
    due = today - timedelta(days=35)
    invoice = issue(company, customer, issue_date=due - timedelta(days=30))
    for days_ago in range(40, -1, -1):
        dunning_run(actor=None, today=today - timedelta(days=days_ago), send=True, auto_only=True)
    logs = list(DunningLog.objects.filter(customer=customer).order_by("run_date"))
    assert [(log.run_date - due).days for log in logs] == [1, 15, 30]

    sign_in(page, base, company.finance.username, lang)
    page.goto(f"{base}/dunning/log/")
    for log in logs:
        expect(page.get_by_test_id(f"log-row-{log.pk}")).to_contain_text(log.level_name)
        expect(page.get_by_test_id(f"log-row-{log.pk}")).to_contain_text(log.run_date.isoformat())
    shoot("walked-log")
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("panel-dunning-level")).to_contain_text("Formal demand")
    expect(page.get_by_test_id("panel-collection-tasks")).to_contain_text("Second reminder")
    shoot("customer-panel")
    # Today has nothing left to do: every level reached was done on its day.
    page.goto(f"{base}/dunning/")
    expect(page.get_by_test_id("run-now")).to_have_count(0)
    assert invoice.number in logs[-1].body

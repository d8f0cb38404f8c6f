"""Dunning through the browser: finance makes a policy with two levels on its page, looks
at the preview of today's run, runs it, and reads the log and the letter.

Data (an overdue invoice of a customer with a contact) is made beforehand with the
services; after that, everything goes through the pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.collections.models import DunningLog
from cashloop.collections.tests.conftest import issue
from cashloop.customers.models import Contact
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_sets_up_dunning_previews_and_runs_it(page, shoot, live_server, company):
    base = live_server.url
    customer = CustomerFactory(owner=company.rep_east, code="LATE01", name="迟付科技")
    Contact.objects.create(customer=customer, name="李会计", email="ap@late.example")
    invoice = issue(company, customer, issue_date=timezone.localdate() - timedelta(days=50))

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
    shoot("preview", both=True)
    page.get_by_test_id("run-now").click()
    log = DunningLog.objects.get()
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

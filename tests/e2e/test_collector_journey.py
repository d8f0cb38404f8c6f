"""Issue #8's collector in the browser, in English and in Chinese: the collector opens the
worklist, opens the customer, logs a call on which the customer promises to pay, the
payment is recorded (a service call: finance's part), the daily promise check runs, and
the customer's page shows the promise kept while the worklist has nothing left for it.
Screenshots: test-results/screenshots/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.collections.models import PaymentPromise
from cashloop.collections.services import customer_dunning_set, payment_promises_check
from cashloop.collections.tests.conftest import issue
from cashloop.customers.models import Contact
from cashloop.receivables.services import payment_auto_allocate, payment_create
from tests.e2e.test_customer_flow import sign_in
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-1"


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_collector_journey(page, shoot, live_server, company, lang):
    collector = UserFactory(username="collector1", team=None, roles=["collector"])
    debtor = CustomerFactory(owner=company.rep_east, code="DEBTOR", name="欠款客户")
    Contact.objects.create(
        customer=debtor, name="张会计", email="ap@debtor.example", phone="+86 21 5555 0101"
    )
    issue(company, debtor)
    customer_dunning_set(actor=company.finance, customer_id=debtor.pk, collector_id=collector.pk)
    base = live_server.url
    today = timezone.localdate()

    page.goto(f"{base}/login/")
    if lang != "en":
        page.get_by_test_id(f"lang-{lang}").click()
    sign_in(page, "collector1", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # 1. The worklist: the debtor, with its amount overdue and why it is there.
    page.goto(f"{base}/collections/")
    row = page.get_by_test_id("worklist-row-DEBTOR")
    expect(row).to_contain_text("1,130.00")
    shoot("worklist")

    # 2. The customer's page: the contact's phone, the open item; log the call.
    row.get_by_role("link").click()
    expect(page.get_by_test_id("contact-table")).to_contain_text("+86 21 5555 0101")
    expect(page.get_by_test_id("open-items")).to_contain_text("1,130.00")
    form = page.get_by_test_id("log-form")
    form.locator("#id_kind").select_option("call")
    form.locator("#id_outcome").select_option("promised")
    form.get_by_label("张会计").check()
    form.locator("#id_summary").fill("张会计: 周五付清")
    form.locator("#id_promise_amount").fill("1130.00")
    form.locator("#id_promise_date").fill((today + timedelta(days=3)).isoformat())
    form.locator("#id_next_follow_up").fill((today + timedelta(days=4)).isoformat())
    form.get_by_test_id("log-submit").click()
    promise = PaymentPromise.objects.get(customer=debtor)
    status = page.get_by_test_id(f"promise-{promise.pk}").get_by_test_id("promise-status")
    expect(status).to_have_attribute("data-status", "open")
    expect(page.get_by_test_id("history-table")).to_contain_text("周五付清")
    shoot("promise-logged")

    # 3. Finance records the payment; the daily check finds the promise covered.
    payment = payment_create(
        actor=company.finance,
        customer_id=debtor.pk,
        amount=Decimal("1130.00"),
        payment_date=today,
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk)
    result = payment_promises_check()
    assert (result.kept, result.broken) == (1, 0)

    # 4. The page shows it kept; nothing is overdue, so the worklist no longer lists it.
    page.reload()
    expect(status).to_have_attribute("data-status", "kept")
    expect(page.get_by_test_id("overdue")).not_to_contain_text("1,130")
    shoot("promise-kept")
    page.goto(f"{base}/collections/")
    expect(page.get_by_test_id("worklist-row-DEBTOR")).to_have_count(0)
    shoot("worklist-after")
    assert_verified()

"""Disputes and dunning charges through the browser: finance disputes an installment from
the invoice page, sees it on the disputes page, resolves it by a credit note; and reads the
fees and interest a run charged, waiving one (decision 051).

Data (an overdue invoice, a policy with a fee and interest, one run) is made beforehand with
the services; after that, everything goes through the pages.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.collections.choices import ChargeBooking
from cashloop.collections.models import Dispute, DunningCharge
from cashloop.collections.services import LevelInput, dunning_policy_save, dunning_run
from cashloop.collections.tests.conftest import issue
from cashloop.customers.models import Contact
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_disputes_an_item_and_waives_a_fee(page, shoot, live_server, company):
    base = live_server.url
    today = timezone.localdate()
    dunning_policy_save(
        actor=company.finance,
        name="Fees",
        is_default=True,
        interest_rate=Decimal(8),
        charge_booking=ChargeBooking.ON_PAYMENT,
        levels=[LevelInput(name="Fee", days_overdue=10, fee=Decimal("30.00"))],
    )
    late = CustomerFactory(owner=company.rep_east, code="LATE02", name="拖欠贸易")
    Contact.objects.create(customer=late, name="王会计", email="ap@late2.example")
    issue(company, late, issue_date=today - timedelta(days=60))
    with TestCase.captureOnCommitCallbacks(execute=True):
        dunning_run(actor=None, today=today, send=True)
    disputed = CustomerFactory(owner=company.rep_east, code="DISP01", name="争议电子")
    invoice = issue(company, disputed, issue_date=today - timedelta(days=45))

    sign_in(page, base, company.finance.username, "en")
    page.goto(f"{base}/invoices/{invoice.pk}/")
    page.get_by_test_id("dispute-1").click()
    shoot("dispute-form", both=True)
    page.locator("#id_reason").select_option("quality")
    page.locator("#id_note").fill("Two units arrived broken")
    page.get_by_test_id("open-dispute").click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("Open")
    shoot("dispute-open", both=True)
    page.locator("#id_outcome").select_option("credit")
    page.locator("#id_credit_amount").fill("226.00")
    page.locator("#id_note").fill("Credit for two units")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("Resolved by a credit note")
    shoot("dispute-credited", both=True)
    assert Dispute.objects.get().credit_note is not None
    page.goto(f"{base}/dunning/disputes/")
    expect(page.get_by_test_id("dispute-table")).to_contain_text("争议电子")
    shoot("disputes", both=True)

    page.goto(f"{base}/dunning/charges/")
    fee = DunningCharge.objects.get(kind="fee")
    expect(page.get_by_test_id(f"charge-row-{fee.pk}")).to_contain_text("30.00")
    shoot("charges", both=True)
    page.get_by_test_id(f"waive-{fee.pk}").click()
    expect(page.get_by_test_id(f"charge-row-{fee.pk}")).to_contain_text("Waived")
    shoot("charge-waived")

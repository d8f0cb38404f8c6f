"""Webhooks through the browser: the admin subscribes a receiver on loopback to issued
invoices, finance issues one, the receiver answers 500 the first time, the admin reads the
failed attempt on the webhook's page and sends it again, and the receiver gets it signed.

The draft invoice is made beforehand with the services; after that, everything goes
through the pages.
"""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.receivables.services import invoice_create
from cashloop.receivables.tests.test_services import line
from cashloop.webhooks import signing
from cashloop.webhooks.models import WebhookSubscription
from cashloop.webhooks.tests.receiver import receiver
from tests.e2e.test_approval_flow import sign_out
from tests.e2e.test_credit_hold import sign_in
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_subscribes_and_a_failed_delivery_is_sent_again(page, shoot, live_server, company):
    customer = CustomerFactory(owner=company.rep_east, name="华东机械")
    draft = invoice_create(
        actor=company.finance,
        customer_id=customer.pk,
        issue_date=timezone.localdate(),
        lines=[line("5000.00")],
    )
    base = live_server.url
    with receiver(script=[500]) as hook:
        sign_in(page, base, company.admin.username, "en")
        page.goto(f"{base}/settings/")
        page.get_by_test_id("manage-webhooks").click()
        form = page.get_by_test_id("webhook-form")
        form.get_by_label("Name").fill("ERP 财务系统")
        form.get_by_label("URL").fill(hook.url)
        form.get_by_label("invoice.issued", exact=False).check()
        page.get_by_test_id("save-webhook").click()
        expect(page.get_by_test_id("webhook-secret")).to_contain_text("whsec_")

        sign_out(page)
        sign_in(page, base, company.finance.username, "en")
        page.goto(f"{base}/invoices/{draft.pk}/")
        page.get_by_test_id("issue-invoice").click()
        expect(page.get_by_test_id("invoice-number")).to_contain_text("INV-")
        assert len(hook.requests) == 1

        sign_out(page)
        sign_in(page, base, company.admin.username, "en")
        subscription = WebhookSubscription.objects.get()
        page.goto(f"{base}/settings/webhooks/{subscription.pk}/")
        row = page.get_by_test_id("delivery-table").locator("tbody tr").first
        expect(row.get_by_test_id("delivery-status")).to_have_text("Pending")
        expect(row).to_contain_text("500")
        row.get_by_role("button", name="Send again").click()
        expect(
            page.get_by_test_id("delivery-table").get_by_test_id("delivery-status").first
        ).to_have_text("Delivered")
        shoot("webhook", both=True)

    assert len(hook.requests) == 2
    last = hook.requests[-1]
    assert signing.verify(subscription.secret, last.headers["X-Cashloop-Signature"], last.body)
    assert json.loads(last.body)["data"]["customer"]["id"] == customer.pk

"""Contract billing and the three-way reconciliation through the real browser.

Finance sees the installments due, bills them with "Bill now", finds the invoice that
appeared (origin: contract), records the payment, and the reconciliation ties; a free
invoice (a non-contract sale) waits for approval instead of being issued.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cashloop.approvals.services import approval_flow_create
from cashloop.contracts.tests.recognition_data import contract_make, line_add, plan_add
from cashloop.cpq.choices import Recognition
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import (
    LineIn,
    invoice_create,
    payment_auto_allocate,
    payment_create,
)
from tests.e2e.test_customer_flow import sign_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Billing-day-2026"


def test_finance_bills_the_plan_and_the_contract_ties(page, shoot, live_server, company):
    base = live_server.url
    today = timezone.localdate()
    clerk = UserFactory(
        username="fin_bill", display_name="李会计", roles=["finance"], password=PASSWORD
    )
    customer = CustomerFactory(owner=company.rep_east, name="杭州青山茶业 Qingshan Tea")
    contract = contract_make(
        customer=customer,
        number="HT-2026-0077",
        title="茶园 ERP 实施",
        start=today - timedelta(days=40),
        end=today + timedelta(days=300),
    )
    line_add(
        contract,
        net="30000.00",
        recognition=Recognition.AT_INVOICING,
        description="实施服务 Implementation",
    )
    plan_add(contract, due=today - timedelta(days=2), amount=Decimal("10170.00"), label="首付款")
    plan_add(contract, due=today + timedelta(days=60), label="尾款")

    page.goto(f"{base}/login/")
    sign_in(page, clerk.username, PASSWORD)
    page.get_by_test_id("lang-en").click()

    # The installments due: the down payment, ready to bill.
    page.goto(f"{base}/billing/")
    expect(page.get_by_test_id("due-items")).to_contain_text("HT-2026-0077")
    expect(page.get_by_test_id("due-items")).to_contain_text("10,170.00")
    shoot("due", both=True)
    page.get_by_test_id("bill-all").click()
    expect(page.locator(".flash")).to_contain_text("1 invoice issued")
    expect(page.get_by_test_id("nothing-due")).to_be_visible()

    # The invoice appeared by itself, from the contract.
    invoice = Invoice.objects.get()
    page.goto(f"{base}/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("invoice-origin")).to_contain_text("Contract")
    expect(page.get_by_test_id("invoice-total")).to_contain_text("10,170.00")
    shoot("invoice", both=True)

    # Paid: the reconciliation ties, with 30% collected and the rest not yet invoiced.
    payment = payment_create(
        actor=clerk, customer_id=customer.pk, amount=Decimal("10170.00"), payment_date=today
    )
    payment_auto_allocate(actor=clerk, payment_id=payment.pk, allocation_date=today)
    page.goto(f"{base}/billing/reconciliation/")
    row = page.get_by_test_id(f"reconciliation-row-{contract.pk}")
    expect(row).to_contain_text("33,900.00")
    expect(row).to_contain_text("23,730.00")
    expect(page.get_by_test_id(f"ties-{contract.pk}")).to_contain_text("Ties")
    expect(page.get_by_test_id("reconciliation-total-CNY")).to_contain_text("10,170.00")
    shoot("reconciliation", both=True)
    page.get_by_test_id("off-only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("no-contracts")).to_contain_text("Every contract ties")

    # A free invoice is a non-contract sale: with the flow, it waits for approval.
    approval_flow_create(
        actor=company.admin,
        document_type="receivables.noncontract",
        name="Non-contract sales",
        steps=[{"approvers": [{"kind": "role", "value": "admin"}], "rule": "any"}],
    )
    draft = invoice_create(
        actor=clerk,
        customer_id=customer.pk,
        issue_date=today,
        lines=[LineIn("咨询 Consulting", Decimal(1), Decimal("800.00"), Decimal("0.06"))],
    )
    page.goto(f"{base}/invoices/{draft.pk}/")
    page.get_by_test_id("issue-invoice").click()
    expect(page.get_by_test_id("held-postings")).to_contain_text("Non-contract sale")
    expect(page.get_by_test_id("issue-invoice")).to_have_count(0)
    shoot("sale-waiting", both=True)

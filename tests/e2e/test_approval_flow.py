"""Approval flows through the browser: an admin builds a two-step conditional flow for
bad-debt write-offs in Settings; a finance clerk's large write-off waits, the approvers
approve it in turn from their inbox, and it posts; a small one posts at once.

Data is made beforehand with the factories; after that, everything goes through the pages.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from cashloop.approvals.models import ApprovalFlow
from cashloop.approvals.services import approval_flow_create
from cashloop.receivables.models import Allocation, HeldPosting
from cashloop.receivables.tests.test_services import issued, line
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Approve-2026-flow"


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator("header form[action='/logout/'] button").click()
    expect(page.locator("#id_username")).to_be_visible()


def test_a_large_write_off_waits_for_two_approvers(page, shoot, live_server, company):
    base = live_server.url
    admin = UserFactory(username="boss", team=company.sales, roles=["admin"], password=PASSWORD)
    clerk = UserFactory(
        username="clerk",
        display_name="张会计",
        team=company.sales,
        roles=["finance"],
        password=PASSWORD,
    )
    checker = UserFactory(
        username="checker",
        display_name="李复核",
        team=company.sales,
        roles=["finance"],
        password=PASSWORD,
    )
    controller = UserFactory(
        username="cfo",
        display_name="王总监",
        team=company.sales,
        roles=["viewer"],
        password=PASSWORD,
    )
    customer = CustomerFactory(owner=company.rep_east, name="杭州破产 Hangzhou Bankrupt")
    large = issued(company, customer, lines=[line("20000.00")])  # 22,600.00
    small = issued(company, customer)  # 1,130.00

    # The admin builds the flow in Settings.
    sign_in(page, base, admin.username)
    page.goto(f"{base}/settings/")
    page.get_by_test_id("manage-approval-flows").click()
    expect(page).to_have_url(f"{base}/approvals/flows/")
    shoot("flow-list", both=True)
    page.get_by_test_id("new-flow").click()
    page.locator("#id_type").select_option("receivables.writeoff")
    page.get_by_test_id("pick-type-next").click()
    page.locator("#id_name").fill("大额坏账核销 Large bad debts")
    page.get_by_test_id("add-condition").click()
    page.locator("[name='cond-0-field']").select_option("amount")
    page.locator("[name='cond-0-op']").select_option("gt")
    page.locator("[name='cond-0-value']").fill("10000")
    page.locator("[name='steps-0-kind']").select_option("role")
    page.locator("[name='steps-0-role']").select_option("finance")
    page.locator("[name='steps-0-deadline_hours']").fill("24")
    page.get_by_test_id("add-approver").click()
    page.locator("[name='steps-1-step']").fill("2")
    page.locator("[name='steps-1-kind']").select_option("user")
    page.locator("[name='steps-1-user']").select_option(str(controller.pk))
    shoot("flow-editor-filled")
    page.get_by_test_id("save-flow").click()
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    shoot("flow-saved", both=True)
    flow = ApprovalFlow.objects.get()
    assert [s["approvers"][0]["kind"] for s in flow.current_version.steps] == ["role", "user"]
    sign_out(page)

    # The clerk writes off the large bad debt: it waits.
    sign_in(page, base, clerk.username)
    page.goto(f"{base}/invoices/{large.pk}/")
    page.get_by_test_id("write-off-1").click()
    page.locator("input[name=kind][value=bad_debt]").check()
    page.locator("#id_reason").fill("客户破产清算 customer in liquidation")
    page.get_by_test_id("save-write-off").click()
    expect(page.get_by_test_id("held-postings")).to_be_visible()
    shoot("invoice-waiting", both=True)
    assert HeldPosting.objects.get().status == "pending"
    assert not Allocation.objects.exists()
    assert_verified()
    # A small one below the condition posts at once.
    page.goto(f"{base}/invoices/{small.pk}/")
    page.get_by_test_id("write-off-1").click()
    page.locator("input[name=kind][value=bad_debt]").check()
    page.locator("#id_reason").fill("小额坏账")
    page.get_by_test_id("save-write-off").click()
    expect(page.get_by_test_id("held-postings")).to_have_count(0)
    assert Allocation.objects.filter(installment__invoice=small).count() == 1
    page.goto(f"{base}/approvals/")
    expect(page.get_by_test_id("mine")).to_contain_text("22,600.00")
    shoot("my-requests", both=True)
    sign_out(page)

    # The approvers approve in turn from their inbox.
    for approver, step in ((checker, "step-1"), (controller, "step-2")):
        sign_in(page, base, approver.username)
        expect(page.get_by_test_id("approvals-waiting")).to_have_text("1")
        page.locator("nav.sidebar a[href='/approvals/']").click()
        expect(page.get_by_test_id("waiting-count")).to_have_text("1")
        shoot(f"inbox-{step}", both=True)
        page.get_by_test_id("waiting").locator("a").first.click()
        shoot(f"request-{step}", both=True)
        page.locator("#id_comment").fill("同意 agreed")
        page.get_by_test_id("approve").click()
        expect(page.get_by_test_id("timeline")).to_contain_text("agreed")
        sign_out(page)

    hold = HeldPosting.objects.get()
    assert hold.status == "posted"
    assert hold.allocation.amount == Decimal("22600.00")
    assert_verified()
    sign_in(page, base, clerk.username)
    page.goto(f"{base}/approvals/")
    expect(page.get_by_test_id("mine")).to_contain_text("Approved")
    page.get_by_test_id("mine").locator("a").first.click()
    shoot("request-approved", both=True)
    page.goto(f"{base}/invoices/{large.pk}/")
    expect(page.get_by_test_id("held-postings")).to_have_count(0)
    shoot("invoice-written-off")


def test_an_expense_claim_and_a_delegation(page, shoot, live_server, company):
    base = live_server.url
    company.east.manager = company.manager_east
    company.east.save()
    rep = UserFactory(
        username="rep_claims",
        display_name="陈销售",
        team=company.east,
        roles=["sales_rep"],
        password=PASSWORD,
    )
    UserFactory(username="stand_in", display_name="周代理", team=company.east, password=PASSWORD)
    approval_flow_create(
        actor=company.admin,
        document_type="approvals.expenseclaim",
        name="报销 Claims",
        steps=[{"approvers": [{"kind": "manager"}], "rule": "any", "deadline_hours": 48}],
    )

    sign_in(page, base, rep.username)
    page.goto(f"{base}/approvals/expenses/new/")
    shoot("claim-new", both=True)
    page.locator("#id_date").fill("2026-11-20")
    page.locator("#id_category").select_option("travel")
    page.locator("#id_amount").fill("1280.50")
    page.locator("#id_description").fill("上海客户拜访 visit to a Shanghai customer")
    page.get_by_test_id("save-document").click()
    page.get_by_test_id("submit-document").click()
    expect(page.get_by_test_id("approval-link")).to_be_visible()
    shoot("claim-submitted", both=True)
    page.goto(f"{base}/approvals/expenses/")
    expect(page.get_by_test_id("documents")).to_contain_text("1,280.50")
    shoot("claim-list", both=True)
    page.goto(f"{base}/approvals/delegation/")
    page.locator("#id_delegate").select_option(label="周代理")
    page.locator("#id_start").fill("2026-12-01")
    page.locator("#id_end").fill("2026-12-07")
    page.get_by_test_id("save-delegation").click()
    expect(page.get_by_test_id("delegations")).to_contain_text("周代理")
    shoot("delegation", both=True)

"""Credit control through the browser, once in each language: finance sets a customer's
limit (an administrator approves it in the inbox), the sales manager cannot activate a
contract that passes it and reads why, the rep asks a release on the credit page, finance
approves it, and the manager activates the contract.  The customer 360 and the dashboard
show the hold while it stands.

Data is made beforehand with the factories; after that, everything goes through the pages.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from cashloop.contracts.choices import MilestoneKind
from cashloop.contracts.models import Contract
from cashloop.contracts.services import MilestoneIn, contract_create
from cashloop.contracts.tests.conftest import lines_in, milestone_plan
from cashloop.credit.approval_types import default_flows_install
from cashloop.credit.models import CreditHold, CreditProfile
from tests.e2e.test_approval_flow import sign_out
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-1"  # the factories' password


def sign_in(page: Page, base: str, username: str, lang: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.get_by_test_id(f"lang-{lang}").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def approve_first_waiting(page: Page, comment: str) -> None:
    page.locator("nav.sidebar a[href='/approvals/']").click()
    expect(page.get_by_test_id("waiting-count")).to_have_text("1")
    page.get_by_test_id("waiting").locator("a").first.click()
    page.locator("#id_comment").fill(comment)
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("timeline")).to_contain_text(comment)


def draft_of(company) -> Contract:
    """rep_east's draft of 12,360.00 for a new customer, and the credit approval flows."""
    default_flows_install()
    customer = CustomerFactory(owner=company.rep_east, name="杭州青山茶业 Qingshan Tea")
    return contract_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        title="茶园 ERP 实施 Tea garden ERP",
        start_date=date(2026, 3, 1),
        end_date=date(2027, 2, 28),
        signing_date=date(2026, 3, 10),
        lines=lines_in(),
        plan=milestone_plan(),
        milestones=[MilestoneIn("上线验收", MilestoneKind.ACCEPTANCE, date(2026, 6, 30))],
    )


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_over_the_limit_a_contract_waits_for_finance_to_release(
    page, shoot, live_server, company, lang
):
    base = live_server.url
    draft = draft_of(company)
    customer = draft.customer
    credit_url = f"{base}/credit/customers/{customer.pk}/"

    # Finance asks a limit of 5,000.00 below the 12,360.00 draft; an administrator approves.
    sign_in(page, base, company.finance.username, lang)
    page.goto(credit_url)
    expect(page.get_by_test_id("credit-limit")).to_contain_text(re.compile("No limit|不限"))
    page.locator("#id_limit").fill("5000")
    page.locator("#id_reason").fill("新客户 new customer")
    page.get_by_test_id("limit-form").locator("button").click()
    expect(page.locator(".flash li")).to_be_visible()
    shoot("limit-asked")
    sign_out(page)
    sign_in(page, base, company.admin.username, lang)
    approve_first_waiting(page, "同意 agreed")
    sign_out(page)
    assert CreditProfile.objects.get(customer=customer).limit == 5000

    # The manager cannot activate: the refusal names the reason and the way out.
    sign_in(page, base, company.manager_east.username, lang)
    page.goto(f"{base}/contracts/{draft.pk}/")
    page.get_by_test_id("activate-contract").click()
    refusal = page.locator(".flash li.flash-error")
    expect(refusal).to_contain_text("credit.on_hold")
    expect(refusal).to_contain_text("5,000.00")
    shoot("activation-refused")
    assert Contract.objects.get(pk=draft.pk).status == "draft"
    sign_out(page)

    # The rep asks the release on the credit page (within the limit, the sale passes it).
    sign_in(page, base, company.rep_east.username, lang)
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("panel-limit")).to_contain_text("5,000.00")
    page.get_by_test_id("credit-page-link").click()
    expect(page.get_by_test_id("release-form")).to_be_visible()
    shoot("credit-page-rep")
    page.locator("#id_reason").fill("战略客户，首单 key account, first deal")
    page.get_by_test_id("release-form").locator("button").click()
    expect(page.get_by_test_id("on-hold")).to_be_visible()
    expect(page.get_by_test_id("release-pending")).to_be_visible()
    shoot("release-asked")
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("credit-hold")).to_be_visible()
    shoot("customer-360-held")
    sign_out(page)

    # Finance sees the hold on the dashboard and approves the release.
    sign_in(page, base, company.finance.username, lang)
    expect(page.get_by_test_id("holds-count")).to_have_text("1")
    shoot("dashboard-on-hold")
    approve_first_waiting(page, "同意放行 released")
    assert not CreditHold.objects.filter(released_at__isnull=True).exists()
    page.goto(credit_url)
    expect(page.get_by_test_id("on-hold")).to_have_count(0)
    shoot("released")
    sign_out(page)

    # The manager activates the contract now.
    sign_in(page, base, company.manager_east.username, lang)
    page.goto(f"{base}/contracts/{draft.pk}/")
    page.get_by_test_id("activate-contract").click()
    expect(page.get_by_test_id("contract-number")).to_have_text(re.compile(r"CON-\d{4}-\d{6}"))
    shoot("activated")

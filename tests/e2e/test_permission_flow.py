"""Permission schemes through the browser: an admin hides and masks fields in Settings only,
and the rep, finance and a service agent see the result on pages, in the export and the API.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-1"
TAX_ID = "91310000MA1FL8XQ7K"
PHONE = "13812345678"


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    if page.get_by_test_id("whoami").count():  # signed in as someone else: sign out first
        page.locator("header form[action='/logout/'] button").click()
        expect(page).to_have_url(re.compile(r"/login/"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def set_rule(page: Page, base: str, role: str, object_type: str, field: str, rule: str) -> None:
    page.goto(f"{base}/settings/roles/")
    page.get_by_test_id(f"role-{role}").click()
    page.locator(f"select[name='rule:{object_type}:{field}']").select_option(rule)
    page.get_by_test_id("role-save").click()
    expect(page).to_have_url(f"{base}/settings/roles/")
    expect(page.locator(".flash")).to_be_visible()


def test_admin_hides_tax_id_from_reps_and_masks_phones_for_agents(
    page, shoot, live_server, company
):
    base = live_server.url
    agent = UserFactory(username="agent", team=None, roles=["service_agent"])
    customer = CustomerFactory(
        owner=company.rep_east, name="杭州青山茶业 Qingshan Tea", tax_id=TAX_ID
    )
    ContactFactory(customer=customer, name="李娜", phone=PHONE)

    # The admin finds roles under Settings and edits the built-in sales rep role.
    sign_in(page, base, company.admin.username)
    page.goto(f"{base}/settings/")
    page.get_by_test_id("manage-roles").click()
    expect(page).to_have_url(f"{base}/settings/roles/")
    expect(page.get_by_test_id("role-table")).to_contain_text("sales_rep")
    shoot("roles", both=True)
    page.get_by_test_id("role-sales_rep").click()
    expect(page.get_by_test_id("grant-matrix")).to_be_visible()
    expect(page.locator("input[name='grant:customers.customer:claim']")).to_be_checked()
    shoot("role-editor", both=True)
    set_rule(page, base, "sales_rep", "customers.customer", "tax_id", "hide")
    set_rule(page, base, "service_agent", "customers.contact", "phone", "mask")
    page.get_by_test_id("user-roles-link").click()
    expect(page.get_by_test_id("user-roles")).to_contain_text("rep_east")
    shoot("user-roles", both=True)

    # The rep: no tax ID row on the customer page, none in the export, blank in the API.
    sign_in(page, base, company.rep_east.username)
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-name")).to_have_text(customer.name)
    expect(page.get_by_test_id("tax-id")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(TAX_ID)
    shoot("rep-customer", both=True)
    page.get_by_test_id("edit-customer").click()
    expect(page.locator("input[name=tax_id]")).to_have_count(0)
    export = page.request.get(f"{base}/customers/export.csv").text()
    assert customer.code in export and TAX_ID not in export
    assert "Tax ID" not in export and "税号" not in export
    api = page.request.get(f"{base}/api/v1/customers/{customer.pk}").json()
    assert api["tax_id"] == ""

    # Finance still sees it everywhere.
    sign_in(page, base, company.finance.username)
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("tax-id")).to_have_text(TAX_ID)
    assert TAX_ID in page.request.get(f"{base}/customers/export.csv").text()
    shoot("finance-customer")

    # The service agent sees the contact's phone masked.
    sign_in(page, base, agent.username)
    page.goto(f"{base}/customers/{customer.pk}/")
    phone = page.get_by_test_id("contacts").get_by_test_id("contact-phone")
    expect(phone).to_have_text("****5678")
    expect(page.locator("body")).not_to_contain_text(PHONE)
    expect(page.get_by_test_id("tax-id")).to_have_text(TAX_ID)
    shoot("agent-customer", both=True)


def test_owner_shares_a_customer_from_its_page(page, shoot, live_server, company):
    base = live_server.url
    customer = CustomerFactory(owner=company.rep_east, name="苏州河运 Suzhou River Freight")
    sign_in(page, base, company.rep_south.username)
    assert page.goto(f"{base}/customers/{customer.pk}/").status == 404

    sign_in(page, base, company.rep_east.username)
    page.goto(f"{base}/customers/{customer.pk}/")
    page.get_by_test_id("share-link").click()
    shoot("share-form", both=True)  # switching language reloads the form: choose after
    form = page.get_by_test_id("share-form")
    form.locator("select[name=user]").select_option(str(company.rep_south.pk))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("shares")).to_contain_text(str(company.rep_south))
    shoot("shared", both=True)

    sign_in(page, base, company.rep_south.username)
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-name")).to_have_text(customer.name)
    expect(page.get_by_test_id("edit-customer")).to_have_count(0)  # a read share
    expect(page.locator("body")).not_to_contain_text(re.compile("Share…"))

"""A customer's life through the real browser: sign in, Chinese, search, edit, history.

Data is made beforehand with the factories; after that, everything goes through the
pages exactly as a person would use them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.factories import CustomerFactory, UserFactory

# Transactional: the live server reads the database from its own thread, so what the test
# makes must be committed.  (The built-in roles come from the `builtin_roles` fixture.)
pytestmark = pytest.mark.django_db(transaction=True)

ZH_PO = Path(settings.BASE_DIR) / "cashloop" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MANAGER_PASSWORD = "Qingshan-tea-2026"


def zh_translation(msgid: str) -> str | None:
    """The Simplified Chinese of `msgid` in the .po, or None while it is not translated."""
    if not ZH_PO.exists():
        return None
    with ZH_PO.open("rb") as po:
        message = read_po(po).get(msgid)
    if message is None or message.fuzzy or not message.string:
        return None
    return str(message.string)


def sign_in(page: Page, username: str, password: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_password) button[type=submit]").click()


def test_manager_finds_and_renames_a_customer_in_chinese(page, shoot, live_server, company):
    base = live_server.url
    manager = UserFactory(
        username="mgr_flow",
        display_name="王经理",
        team=company.east,
        roles=["sales_manager"],
        password=MANAGER_PASSWORD,
    )
    old_name, new_name = "杭州青山茶业 Qingshan Tea", "杭州青山茶业集团 Qingshan Tea Group"
    customer = CustomerFactory(
        owner=company.rep_east, name=old_name, legal_name="杭州青山茶业有限公司"
    )
    other_east = CustomerFactory(owner=company.rep_east_sub, name="苏州河运 Suzhou River Freight")
    hidden_south = CustomerFactory(owner=company.rep_south, name="广州南方 Guangzhou South")

    # Sign in.
    page.goto(f"{base}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot("login", both=True)
    sign_in(page, manager.username, MANAGER_PASSWORD)

    # The dashboard, in English, then in Chinese through the switch in the top bar.
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_test_id("whoami")).to_have_text("王经理")
    expect(page.get_by_test_id("customer-count")).to_have_text("2")  # East and its sub-team
    expect(page.get_by_test_id("lang-en")).to_have_class(re.compile(r"\bactive\b"))
    shoot("dashboard")
    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_test_id("lang-zh-hans")).to_have_class(re.compile(r"\bactive\b"))
    customers_label = zh_translation("Customers")
    customers_link = page.locator("nav.sidebar a[href='/customers/']")
    if customers_label is not None:
        expect(
            customers_link,
            "the .po translates 'Customers'; is the .mo compiled (scripts/setup.sh)?",
        ).to_have_text(customers_label)
    shoot("dashboard")

    # The customer list, then a search that HTMX answers in place.
    customers_link.click()
    expect(page).to_have_url(f"{base}/customers/")
    expect(customers_link).to_have_class(re.compile(r"\bactive\b"))
    rows = page.locator("#customer-rows")
    expect(rows).to_contain_text(old_name)
    expect(rows).to_contain_text(other_east.name)
    expect(rows).not_to_contain_text(hidden_south.name)
    shoot("customer-list", both=True)
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(
        lambda r: "/customers/?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.get_by_test_id("customer-search").fill("青山")
    expect(rows.locator("tbody tr")).to_have_count(1)
    expect(rows).to_contain_text(old_name)
    expect(rows).not_to_contain_text(other_east.name)
    expect(page).to_have_url(re.compile(r"/customers/\?q=%E9%9D%92%E5%B1%B1"))
    assert page.evaluate("window.__sameDocument") is True, "the search reloaded the page"
    shoot("customer-search")

    # The customer, its edit form, and the saved change.
    rows.get_by_role("link", name=old_name).click()
    expect(page).to_have_url(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-name")).to_have_text(old_name)
    shoot("customer-detail", both=True)
    page.get_by_test_id("edit-customer").click()
    expect(page).to_have_url(f"{base}/customers/{customer.pk}/edit/")
    name_input = page.get_by_test_id("customer-form").locator("input[name=name]")
    expect(name_input).to_have_value(old_name)
    shoot("customer-edit", both=True)
    name_input.fill(new_name)
    page.get_by_test_id("customer-form").locator("button[type=submit]").click()

    expect(page).to_have_url(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-name")).to_have_text(new_name)
    expect(page.locator(".flash")).to_be_visible()
    change = page.get_by_test_id("history").locator("tbody tr", has_text=new_name)
    expect(change).to_have_count(1)
    expect(change).to_contain_text("王经理")
    expect(change.locator("del")).to_have_text(old_name)
    expect(change.locator("ins")).to_have_text(new_name)
    shoot("customer-saved", both=True)
    customer.refresh_from_db()
    assert customer.name == new_name


def test_rep_gets_a_friendly_404_and_a_lockout(page, shoot, live_server, company, customers):
    base = live_server.url
    rep = company.rep_east
    others = customers["rep_south"]

    # Another rep's customer is "not found", not "forbidden", and shows nothing of it.
    page.goto(f"{base}/login/")
    sign_in(page, rep.username, "pw-for-tests-1")
    expect(page).to_have_url(f"{base}/")
    response = page.goto(f"{base}/customers/{others.pk}/")
    assert response is not None and response.status == 404
    error = page.locator(".error-page")
    expect(error.locator("h1")).to_have_text("404")
    expect(error.get_by_role("link")).to_have_attribute("href", "/")
    expect(page.locator("body")).not_to_contain_text(others.name)
    expect(page.locator("nav.sidebar")).to_be_visible()  # still inside the app's shell
    shoot("not-found", both=True)

    # Sign out, and sign in in Chinese with the wrong password: the limit locks this user
    # name from this address (axes counts per user name and address).
    page.locator("header form[action='/logout/'] button").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for attempt in range(1, limit + 1):
        sign_in(page, rep.username, f"wrong-{attempt}")
        if attempt < limit:
            expect(page.locator(".form-errors")).to_be_visible()
            expect(page.get_by_test_id("locked-out")).to_have_count(0)
            if attempt == 1:
                shoot("login-failed")
    locked = page.get_by_test_id("locked-out")
    expect(locked).to_be_visible()
    shoot("locked-out")

    # While locked, even the right password is refused (in English this time).
    locked.get_by_role("link").click()
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_in(page, rep.username, "pw-for-tests-1")
    expect(locked).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    shoot("locked-out")

    # Someone else at the same address is not locked out.
    locked.get_by_role("link").click()
    sign_in(page, company.rep_south.username, "pw-for-tests-1")
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_test_id("whoami")).to_have_text(str(company.rep_south))

"""Custom fields through the browser: an admin adds two fields in Settings; a rep fills
them in the customer form, sees them on the page, as a list column and filter, in the
CSV export and in the API (and its OpenAPI schema)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_customer_flow import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-1"


def sign_out(page: Page) -> None:
    page.locator("form[action='/logout/'] button[type=submit]").click()


def add_field(page: Page, base: str, **values: str) -> None:
    page.goto(f"{base}/settings/custom-fields/?type=customers.customer")
    page.get_by_test_id("add-field").click()
    form = page.get_by_test_id("custom-field-form")
    for name, value in values.items():
        if name == "kind":
            form.locator("select[name=kind]").select_option(value)
        elif name == "required":
            form.locator("input[name=required]").check()
        else:
            form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id(f"field-{values['key']}")).to_be_visible()


def test_admin_adds_fields_and_a_rep_uses_them(page, shoot, live_server, company):
    base = live_server.url

    # The admin: Settings -> Custom fields -> two new fields on customers.
    page.goto(f"{base}/login/")
    sign_in(page, company.admin.username, PASSWORD)
    page.goto(f"{base}/settings/")
    page.get_by_test_id("manage-custom-fields").click()
    expect(page.get_by_test_id("field-table")).to_be_visible()
    page.get_by_test_id("add-field").click()
    shoot("field-form", both=True)
    add_field(
        page,
        base,
        key="industry",
        label="行业",
        label_en="Industry",
        kind="choice",
        required="on",
        choices_text="mfg|制造业\nretail|零售",
        section="Profile",
    )
    # A bad pattern is refused in the form, nothing saved.
    page.get_by_test_id("add-field").click()
    form = page.get_by_test_id("custom-field-form")
    form.locator("[name=key]").fill("ref")
    form.locator("[name=label]").fill("编号")
    form.locator("[name=pattern]").fill("[a-")
    form.locator("button[type=submit]").click()
    expect(page.locator(".field-error")).to_be_visible()
    shoot("field-form-error")
    add_field(
        page,
        base,
        key="revenue_share",
        label="收入占比",
        label_en="Revenue share",
        kind="decimal",
        min_value="0",
        max_value="100",
        section="Profile",
    )
    shoot("field-list", both=True)
    # A layout for reps: the share first, then the industry.
    page.get_by_test_id("edit-layouts").click()
    layout = page.get_by_test_id("layout-form")
    # Picking a role reloads the form with that role's saved keys (none yet).
    with page.expect_response(lambda r: "role=" in r.url):
        layout.locator("select[name=role]").select_option(label="Sales rep")
    expect(layout.locator("[name=keys]")).to_have_value("")
    layout.locator("[name=keys]").fill("revenue_share\nindustry")
    layout.locator("button[type=submit]").click()
    expect(page.get_by_test_id("field-table")).to_be_visible()
    page.get_by_test_id("edit-layouts").click()
    with page.expect_response(lambda r: "role=" in r.url):
        layout.locator("select[name=role]").select_option(label="Sales rep")
    expect(layout.locator("[name=keys]")).to_have_value("revenue_share\nindustry")
    shoot("layouts", both=True)
    sign_out(page)

    # The rep: a new customer, refused first, then saved.
    page.goto(f"{base}/login/")
    sign_in(page, company.rep_east.username, PASSWORD)
    page.goto(f"{base}/customers/new/")
    form = page.get_by_test_id("customer-form")
    form.locator("[name=code]").fill("E2E1")
    form.locator("[name=name]").fill("东方制造 Eastern Manufacturing")
    form.locator("[name=cf_revenue_share]").fill("120")
    form.locator("button[type=submit]").click()
    expect(page.locator(".field-error")).to_have_count(2)  # industry missing, share too big
    shoot("customer-form-errors", both=True)  # switching language reloads an empty form
    form = page.get_by_test_id("customer-form")
    form.locator("[name=code]").fill("E2E1")
    form.locator("[name=name]").fill("东方制造 Eastern Manufacturing")
    form.locator("[name=cf_industry]").select_option("mfg")
    form.locator("[name=cf_revenue_share]").fill("42.5")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("customer-name")).to_have_text("东方制造 Eastern Manufacturing")
    panel = page.get_by_test_id("custom-fields-panel")
    expect(panel.get_by_test_id("cf-industry")).to_have_text("制造业")
    expect(panel.get_by_test_id("cf-revenue_share")).to_have_text("42.5")
    expect(panel).to_contain_text("Industry")
    labels = panel.locator("dt")
    expect(labels.first).to_have_text("Revenue share")  # the reps' layout order
    shoot("customer-detail", both=True)
    customer_url = page.url

    # The list: pick the industry column, then filter by it.
    page.goto(f"{base}/customers/")
    page.get_by_test_id("columns-picker").locator("summary").click()
    page.get_by_test_id("columns-picker").locator("input[value=industry]").check()
    page.get_by_test_id("columns-picker").locator("button[type=submit]").click()
    expect(page.get_by_test_id("col-industry")).to_be_visible()
    rows = page.locator("#customer-rows tbody tr")
    expect(rows.filter(has_text="东方制造")).to_contain_text("制造业")
    with page.expect_response(lambda r: "cf_industry=retail" in r.url):
        page.get_by_test_id("filter-industry").select_option("retail")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("No customers match")
    with page.expect_response(lambda r: "cf_industry=mfg" in r.url):
        page.get_by_test_id("filter-industry").select_option("mfg")
    expect(rows.filter(has_text="东方制造")).to_have_count(1)
    shoot("customer-list", both=True)

    # The export carries the values (the link keeps the filter).
    page.goto(f"{base}/customers/?cf_industry=mfg")
    with page.expect_download() as download:
        page.get_by_test_id("customer-export").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Industry" in text.splitlines()[0] and "Revenue share" in text.splitlines()[0]
    assert "制造业" in text and "42.5" in text

    # Importing is the import wizard's, with its own grant that reps lack (decision 069).
    page.goto(f"{base}/customers/")
    expect(page.get_by_test_id("customer-import")).to_have_count(0)

    # The API shows the values; its OpenAPI schema lists the fields.
    customer_id = customer_url.rstrip("/").rsplit("/", 1)[1]
    body = json.loads(page.goto(f"{base}/api/v1/customers/{customer_id}").text())
    assert body["custom"] == {"industry": "mfg", "revenue_share": "42.5"}
    schema = json.loads(page.goto(f"{base}/api/v1/openapi.json").text())
    custom = schema["components"]["schemas"]["CustomerIn"]["properties"]["custom"]
    assert set(custom["properties"]) == {"industry", "revenue_share"}


def test_contacts_list_with_a_custom_column(page, shoot, live_server, company, customers):
    from cashloop.customers.services import contact_create
    from cashloop.customfields.services import custom_field_create

    custom_field_create(
        actor=company.admin,
        object_type="customers.contact",
        key="role_in_deal",
        label="决策角色",
        label_en="Role in the deal",
        kind="choice",
        choices=[{"value": "buyer", "label": "采购"}, {"value": "user", "label": "使用者"}],
    )
    for owner, name, role in (
        ("rep_east", "王采购 Wang", "buyer"),
        ("rep_east", "李工 Li", "user"),
        ("rep_south", "南方联系人 South", "buyer"),
    ):
        contact_create(
            actor=company.admin,
            customer_id=customers[owner].pk,
            name=name,
            email=f"{role}@example.com",
            custom={"role_in_deal": role},
        )
    base = live_server.url
    page.goto(f"{base}/login/")
    sign_in(page, company.rep_east.username, PASSWORD)
    page.goto(f"{base}/customers/")
    page.get_by_test_id("tab-contacts").click()
    rows = page.locator("#contact-rows tbody tr")
    expect(rows).to_have_count(2)  # the other team's contact is not listed
    picker = page.get_by_test_id("columns-picker")
    picker.locator("summary").click()
    picker.locator("input[value=role_in_deal]").check()
    picker.locator("button[type=submit]").click()
    expect(page.get_by_test_id("col-role_in_deal")).to_be_visible()
    with page.expect_response(lambda r: "cf_role_in_deal=buyer" in r.url):
        page.get_by_test_id("filter-role_in_deal").select_option("buyer")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("采购")
    page.reload()  # the address keeps the filter, and so does the export link
    expect(page.get_by_test_id("contact-export")).to_have_attribute(
        "href", "/customers/contacts/export/?cf_role_in_deal=buyer"
    )
    shoot("contact-list", both=True)

"""Custom fields in the invoice draft form, on the contacts list, and in role layouts."""

from __future__ import annotations

import pytest
from django.utils import translation

from cashloop.customers import services as customer_services
from cashloop.customfields import services
from cashloop.customfields.models import ListColumns
from cashloop.identity.models import Role
from cashloop.receivables.models import Invoice
from cashloop.receivables.tests.test_pages import draft_data
from tests.factories import CustomerFactory


def define(actor, object_type: str, **kw):  # type: ignore[no-untyped-def]
    data = {
        "key": "priority",
        "label": "优先级",
        "label_en": "Priority",
        "kind": "number",
        "min_value": "1",
        "max_value": "5",
    }
    return services.custom_field_create(actor=actor, object_type=object_type, **(data | kw))


def english(client, method: str, path: str, data=None):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        return getattr(client, method)(path, data, HTTP_ACCEPT_LANGUAGE="en")


# --- the invoice draft form ---------------------------------------------------------------


def test_invoice_draft_form_fills_and_checks_custom_fields(client, company):
    define(company.admin, "receivables.invoice", required=True)
    define(
        company.admin, "receivables.invoice", key="budget", kind="money", min_value="", max_value=""
    )
    customer = CustomerFactory(owner=company.rep_east)
    client.force_login(company.rep_east)
    assert 'name="cf_priority"' in client.get("/invoices/new/").content.decode()

    # Out of bounds, or left out while required: the error sits on the field, nothing saved.
    response = english(client, "post", "/invoices/new/", draft_data(customer, cf_priority="9"))
    assert response.status_code == 200
    assert response.context["form"].errors["cf_priority"] == ["Must be at most 5."]
    assert "Must be at most 5." in response.content.decode()
    response = client.post("/invoices/new/", draft_data(customer, cf_priority=""))
    assert "cf_priority" in response.context["form"].errors
    assert not Invoice.objects.exists()

    # A money field left with only the currency its box shows is no value, not an error.
    blank_money = {"cf_budget_0": "", "cf_budget_1": "CNY"}
    response = client.post("/invoices/new/", draft_data(customer, cf_priority="3", **blank_money))
    assert response.status_code == 302, response.context["form"].errors
    invoice = Invoice.objects.get()
    assert invoice.custom == {"priority": 3}

    # The edit page starts from the stored value; a bad change keeps the draft as it was.
    edit = client.get(f"/invoices/{invoice.pk}/edit/")
    assert edit.context["form"]["cf_priority"].value() == 3
    data = draft_data(customer, cf_priority="0", memo="改过")
    del data["customer"]
    response = english(client, "post", f"/invoices/{invoice.pk}/edit/", data)
    assert response.context["form"].errors["cf_priority"] == ["Must be at least 1."]
    invoice.refresh_from_db()
    assert (invoice.custom, invoice.memo) == ({"priority": 3}, "三月服务")
    response = client.post(f"/invoices/{invoice.pk}/edit/", {**data, "cf_priority": "4"})
    assert response.status_code == 302, response.context["form"].errors
    invoice.refresh_from_db()
    assert (invoice.custom, invoice.memo) == ({"priority": 4}, "改过")


# --- the contacts list --------------------------------------------------------------------


@pytest.fixture
def contacts(company, customers):  # type: ignore[no-untyped-def]
    define(company.admin, "customers.contact")
    made = {}
    for owner, name, phone, priority in (
        ("rep_east", "东方联系人", "13800138000", 4),
        ("rep_sub", "上海联系人", "13900139000", 1),
        ("rep_south", "南方联系人", "13700137000", 5),
    ):
        made[owner] = customer_services.contact_create(
            actor=company.admin,
            customer_id=customers[owner].pk,
            name=name,
            phone=phone,
            custom={"priority": priority},
        )
    return made


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.name for c in response.context["page"].object_list]


def test_contacts_list_is_scoped_and_searchable(client, company, customers, contacts):
    client.force_login(company.rep_east)
    response = client.get("/customers/contacts/")
    assert response.status_code == 200
    assert names(response) == ["东方联系人"]  # not the other team's contacts
    page = response.content.decode()
    assert f'href="/customers/{customers["rep_east"].pk}/"' in page
    assert "南方联系人" not in page

    client.force_login(company.manager_east)
    assert names(client.get("/customers/contacts/")) == ["上海联系人", "东方联系人"]
    assert names(client.get("/customers/contacts/?q=139%200013%209000")) == ["上海联系人"]
    # The customer list links to it.
    assert 'href="/customers/contacts/"' in client.get("/customers/").content.decode()
    client.force_login(company.admin)
    assert len(names(client.get("/customers/contacts/"))) == 3


def test_contacts_list_columns_filter_and_export_link(client, company, customers, contacts):
    client.force_login(company.manager_east)
    response = client.post(
        "/settings/custom-fields/columns/",
        {"object_type": "customers.contact", "keys": ["priority"], "next": "/customers/contacts/"},
    )
    assert response["Location"] == "/customers/contacts/"
    assert ListColumns.objects.get(user=company.manager_east).keys == ["priority"]

    response = english(client, "get", "/customers/contacts/?cf_priority__gte=3")
    assert names(response) == ["东方联系人"]
    assert response.context["page"].object_list[0].custom_cells == ["4"]
    page = response.content.decode()
    assert 'data-testid="col-priority">Priority<' in page
    assert 'data-testid="filter-priority"' in page
    assert "/customers/contacts/export/?cf_priority__gte=3" in page
    # htmx asks for the rows only.
    rows = client.get("/customers/contacts/?cf_priority__lte=2", HTTP_HX_REQUEST="true")
    assert names(rows) == ["上海联系人"] and "<form" not in rows.content.decode()


# --- layouts by role ----------------------------------------------------------------------


def test_layout_page_shows_the_saved_keys_of_the_role_picked(client, company):
    for key in ("industry", "region", "size"):
        define(company.admin, "customers.customer", key=key, label=key, min_value="", max_value="")
    rep = Role.objects.get(code="sales_rep")
    services.field_layout_set(
        actor=company.admin,
        object_type="customers.customer",
        role_id=rep.pk,
        keys=["size", "industry"],
    )
    services.field_layout_set(
        actor=company.admin, object_type="customers.customer", role_id=None, keys=["region"]
    )
    client.force_login(company.admin)
    url = "/settings/custom-fields/layouts/?type=customers.customer"
    form = client.get(f"{url}&role={rep.pk}").context["form"]
    assert (form["role"].value(), form["keys"].value()) == (rep.pk, "size\nindustry")
    page = client.get(f"{url}&role={rep.pk}").content.decode()
    assert "size\nindustry</textarea>" in page and f'<option value="{rep.pk}" selected' in page
    assert client.get(url).context["form"]["keys"].value() == "region"  # everyone's
    other = Role.objects.get(code="finance")
    assert client.get(f"{url}&role={other.pk}").context["form"]["keys"].value() == ""

"""Custom fields through the pages: settings, the customer form, detail, list, export."""

from __future__ import annotations

from django.utils import translation

from cashloop.customers.models import Customer
from cashloop.customfields.models import CustomField, ListColumns


def customer_form(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "code": "P001",
        "name": "页面客户",
        "currency": "CNY",
        "payment_terms_days": "30",
        "status": "active",
        "tags": "",
    }
    return data | overrides


def test_admin_adds_fields_through_the_settings_pages(client, company):
    client.force_login(company.admin)
    assert "manage-custom-fields" in client.get("/settings/").content.decode()
    response = client.post(
        "/settings/custom-fields/new/?type=customers.customer",
        {
            "key": "industry",
            "label": "行业",
            "label_en": "Industry",
            "kind": "choice",
            "required": "on",
            "choices_text": "mfg|制造业\nretail|零售",
        },
    )
    assert response.status_code == 302, response.content.decode()
    field = CustomField.objects.get(key="industry")
    assert field.choices == [
        {"value": "mfg", "label": "制造业"},
        {"value": "retail", "label": "零售"},
    ]
    listing = client.get("/settings/custom-fields/?type=customers.customer").content.decode()
    assert "field-industry" in listing
    # Edit keeps the key; retire, retire again (refused), reinstate.
    response = client.post(
        f"/settings/custom-fields/{field.pk}/",
        {"key": "other", "label": "所属行业", "kind": "text", "choices_text": "mfg|制造业"},
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.kind, field.label) == ("industry", "choice", "所属行业")
    client.post(f"/settings/custom-fields/{field.pk}/retire/")
    response = client.post(f"/settings/custom-fields/{field.pk}/retire/", follow=True)
    assert "custom_field.already_retired" in response.content.decode()
    client.post(f"/settings/custom-fields/{field.pk}/reinstate/")
    field.refresh_from_db()
    assert field.retired_at is None


def test_bad_definitions_are_shown_in_the_form(client, company):
    client.force_login(company.admin)
    response = client.post(
        "/settings/custom-fields/new/?type=customers.customer",
        {"key": "name", "label": "名称", "kind": "text"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["key"]
    response = client.post(
        "/settings/custom-fields/new/?type=customers.customer",
        {"key": "code2", "label": "编码", "kind": "text", "pattern": "[a-"},
    )
    assert response.context["form"].errors["pattern"]
    assert not CustomField.objects.exists()


def test_settings_pages_are_for_admins_only(client, company):
    client.force_login(company.rep_east)
    assert client.get("/settings/custom-fields/").status_code == 403
    assert client.get("/settings/custom-fields/new/").status_code == 403
    assert "manage-custom-fields" not in client.get("/settings/").content.decode()


def test_rep_fills_the_fields_in_the_customer_form(client, company, industry, employees):
    client.force_login(company.rep_east)
    page = client.get("/customers/new/").content.decode()
    assert 'name="cf_industry"' in page and 'name="cf_revenue_share"' in page
    # Bad values stay in the form, nothing saved.
    response = client.post("/customers/new/", customer_form(cf_revenue_share="150"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "cf_industry" in errors and "cf_revenue_share" in errors
    assert not Customer.objects.filter(code="P001").exists()
    response = client.post(
        "/customers/new/", customer_form(cf_industry="mfg", cf_revenue_share="12.5")
    )
    assert response.status_code == 302
    customer = Customer.objects.get(code="P001")
    assert customer.custom == {"industry": "mfg", "revenue_share": "12.5"}
    # The detail page shows the values by their labels.
    with translation.override("en"):
        detail = client.get(
            f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert 'data-testid="cf-industry">制造业<' in detail
    # Editing changes only what changed.
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        customer_form(cf_industry="retail", cf_revenue_share="12.5", owner=company.rep_east.pk),
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.custom == {"industry": "retail", "revenue_share": "12.5"}


def test_list_columns_filters_and_export(client, company, customers, industry, employees):
    from cashloop.customers import services

    east = customers["rep_east"]
    services.customer_update(
        actor=company.rep_east,
        customer_id=east.pk,
        changes={"custom": {"industry": "mfg", "revenue_share": "40"}},
    )
    client.force_login(company.manager_east)
    client.post(
        "/settings/custom-fields/columns/",
        {"object_type": "customers.customer", "keys": ["industry"], "next": "/customers/"},
    )
    assert ListColumns.objects.get(user=company.manager_east).keys == ["industry"]
    page = client.get("/customers/?cf_industry=mfg")
    assert [c.pk for c in page.context["page"].object_list] == [east.pk]
    assert page.context["page"].object_list[0].custom_cells == ["制造业"]
    assert 'data-testid="col-industry"' in page.content.decode()
    ranged = client.get("/customers/?cf_revenue_share__gte=50")
    assert list(ranged.context["page"].object_list) == []
    export = b"".join(client.get("/customers/export.csv?cf_industry=mfg").streaming_content)
    lines = export.decode("utf-8-sig").splitlines()
    assert lines[0].endswith("行业,收入占比")
    assert len(lines) == 2 and lines[1].endswith("制造业,40")

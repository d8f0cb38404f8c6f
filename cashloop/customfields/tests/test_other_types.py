"""Contacts, leads, opportunities and invoices carry custom fields through the same paths."""

from __future__ import annotations

from datetime import date

import pytest

from cashloop.customfields import services
from cashloop.receivables.models import Invoice
from cashloop.sales.models import Lead, Opportunity


def define(actor, object_type: str, **kw):  # type: ignore[no-untyped-def]
    data = {
        "key": "priority",
        "label": "优先级",
        "kind": "number",
        "min_value": "1",
        "max_value": "5",
    }
    return services.custom_field_create(actor=actor, object_type=object_type, **(data | kw))


def post(client, path, payload):  # type: ignore[no-untyped-def]
    return client.post(path, payload, content_type="application/json")


@pytest.fixture
def fields(company):  # type: ignore[no-untyped-def]
    for object_type in (
        "customers.contact",
        "sales.lead",
        "sales.opportunity",
        "receivables.invoice",
    ):
        define(company.admin, object_type)


def test_each_type_validates_stores_and_filters(client, company, customers, fields):
    client.force_login(company.rep_east)
    customer = customers["rep_east"]
    cases = [
        ("/api/v1/contacts", {"customer_id": customer.pk, "name": "王五"}, None),
        ("/api/v1/leads", {"source": "website", "company_name": "线索公司"}, Lead),
        (
            "/api/v1/opportunities",
            {
                "customer_id": customer.pk,
                "name": "大单",
                "amount": "1000",
                "expected_close_date": "2099-01-31",
            },
            Opportunity,
        ),
        (
            "/api/v1/receivables/invoices",
            {
                "customer_id": customer.pk,
                "issue_date": "2026-03-01",
                "lines": [
                    {
                        "description": "服务",
                        "quantity": "1",
                        "unit_price": "100",
                        "tax_rate": "0.06",
                    }
                ],
            },
            Invoice,
        ),
    ]
    for path, payload, model in cases:
        before = model.objects.count() if model else None
        bad = post(client, path, payload | {"custom": {"priority": 9}})
        assert bad.status_code == 422, (path, bad.content)
        assert bad.json()["error"]["code"] == "custom_field.invalid"
        if model:
            assert model.objects.count() == before
        good = post(client, path, payload | {"custom": {"priority": 3}})
        assert good.status_code == 201, (path, good.content)
        assert good.json()["custom"] == {"priority": 3}
        listed = client.get(f"{path}?cf_priority__gte=3").json()["items"]
        assert [row["id"] for row in listed] == [good.json()["id"]]
        assert client.get(f"{path}?cf_priority__gte=4").json()["items"] == []
        changed = client.patch(
            f"{path}/{good.json()['id']}",
            {"custom": {"priority": 4}},
            content_type="application/json",
        )
        assert changed.status_code == 200, (path, changed.content)
        assert changed.json()["custom"] == {"priority": 4}


def test_opportunity_export_has_the_custom_columns(client, company, customers, fields):
    from cashloop.sales import services as sales_services

    opportunity = sales_services.opportunity_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        name="出口单",
        amount="100",
        expected_close_date=date(2099, 1, 31),
        custom={"priority": 2},
    )
    client.force_login(company.manager_east)
    export = b"".join(client.get("/sales/opportunities/export.csv").streaming_content).decode(
        "utf-8-sig"
    )
    header, row = export.splitlines()[:2]
    assert header.endswith(",优先级") and row.endswith(",2") and opportunity.name in row


def test_list_pages_filter_and_show_chosen_columns(client, company, customers, fields):
    from cashloop.customfields.services import list_columns_set
    from cashloop.receivables import services as ar_services
    from cashloop.sales import services as sales_services

    customer = customers["rep_east"]
    rep = company.rep_east
    made = {
        "sales.lead": [
            sales_services.lead_create(
                actor=rep, source="website", company_name=f"L{p}", custom={"priority": p}
            )
            for p in (1, 4)
        ],
        "sales.opportunity": [
            sales_services.opportunity_create(
                actor=rep,
                customer_id=customer.pk,
                name=f"O{p}",
                amount="10",
                expected_close_date=date(2099, 1, 31),
                custom={"priority": p},
            )
            for p in (1, 4)
        ],
        "receivables.invoice": [
            ar_services.invoice_create(
                actor=rep,
                customer_id=customer.pk,
                issue_date=date(2026, 3, 1),
                lines=[
                    ar_services.LineIn(description="x", quantity=1, unit_price=10, tax_rate="0.06")
                ],
                custom={"priority": p},
            )
            for p in (1, 4)
        ],
    }
    client.force_login(rep)
    for object_type, path in (
        ("sales.lead", "/sales/leads/?status="),
        ("sales.opportunity", "/sales/opportunities/?"),
        ("receivables.invoice", "/invoices/?"),
    ):
        list_columns_set(actor=rep, object_type=object_type, keys=["priority"])
        page = client.get(f"{path}&cf_priority__gte=3")
        assert page.status_code == 200, path
        rows = list(page.context["page"].object_list)
        assert [r.pk for r in rows] == [made[object_type][1].pk], path
        assert rows[0].custom_cells == ["4"]
        assert 'data-testid="col-priority"' in page.content.decode()


def test_lead_invoice_and_contact_exports_carry_custom_columns(client, company, customers, fields):
    import io

    from openpyxl import load_workbook

    from cashloop.customers import services as customer_services
    from cashloop.receivables import services as ar_services
    from cashloop.sales import services as sales_services

    rep, customer = company.rep_east, customers["rep_east"]
    sales_services.lead_create(
        actor=rep, source="website", company_name="导出线索", custom={"priority": 2}
    )
    customer_services.contact_create(
        actor=rep, customer_id=customer.pk, name="导出人", custom={"priority": 5}
    )
    ar_services.invoice_create(
        actor=rep,
        customer_id=customer.pk,
        issue_date=date(2026, 3, 1),
        lines=[ar_services.LineIn(description="x", quantity=1, unit_price=10, tax_rate="0.06")],
        custom={"priority": 3},
    )
    client.force_login(company.manager_east)

    def csv_lines(path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200, path
        return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

    leads = csv_lines("/sales/leads/export/")
    assert leads[0].endswith(",优先级") and "导出线索" in leads[1] and leads[1].endswith(",2")
    contacts = csv_lines("/customers/contacts/export/")
    assert contacts[0].endswith(",优先级") and contacts[1].endswith("导出人,,,,5")
    assert len(csv_lines("/invoices/export/?cf_priority__gte=4")) == 1  # the header only
    book = load_workbook(io.BytesIO(client.get("/invoices/export/?format=xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][-1] == "优先级" and rows[1][-1] == "3"
    client.force_login(company.viewer)
    assert client.get("/sales/leads/export/").status_code == 403

"""A field hidden (or masked) for a role is gone for that role on every path (issue #5).

Sales reps get a hidden customer tax ID, a masked contact phone, a hidden opportunity
source and a hidden lead phone; each path (pages, exports, search, API) is then read as a
rep, who must see neither the label of a hidden field nor any of the values, and as
finance (no rule), who must see them all, so that no assertion here could pass by accident.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from cashloop.identity import services as identity_services
from cashloop.identity.models import Role
from cashloop.receivables.services import payment_create
from cashloop.sales import services as sales_services
from cashloop.web.search import search
from tests.factories import ContactFactory, CustomerFactory

TAX = "ZZTAX98765432"
PHONE = "13877776666"
MASKED_PHONE = "****6666"
LEAD_PHONE = "13955554444"
BANK_REF = "ZZBANKREF777"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world(company) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    identity_services.role_update(
        actor=company.admin,
        role_id=Role.objects.get(code="sales_rep").pk,
        changes={
            "field_rules": {
                "customers.customer": {"tax_id": "hide"},
                "customers.contact": {"phone": "mask"},
                "sales.opportunity": {"source": "hide"},
                "sales.lead": {"phone": "hide", "region": "hide"},
                "receivables.payment": {"bank_reference": "hide"},
            }
        },
    )
    customer = CustomerFactory(owner=company.rep_east, name="Ruled Co", tax_id=TAX)
    ContactFactory(customer=customer, name="Ruled Contact", phone=PHONE)
    opportunity = sales_services.opportunity_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        name="Ruled deal",
        amount=Decimal("1000.00"),
        expected_close_date=date.today() + timedelta(days=30),
        source="referral",
    )
    lead = sales_services.lead_create(
        actor=company.rep_east,
        source="website",
        company_name="Ruled lead",
        phone=LEAD_PHONE,
        region="ZZ-REGION",
    )
    payment = payment_create(
        actor=company.finance,
        customer_id=customer.pk,
        amount=Decimal("50.00"),
        payment_date=date.today(),
        bank_reference=BANK_REF,
    )
    return {"customer": customer, "opportunity": opportunity, "lead": lead, "payment": payment}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def _pages(world: dict[str, Any]) -> dict[str, str]:
    return {
        "customer": f"/customers/{world['customer'].pk}/",
        "customers": "/customers/",
        "opportunity": f"/sales/opportunities/{world['opportunity'].pk}/",
        "lead": f"/sales/leads/{world['lead'].pk}/",
        "leads": "/sales/leads/",
        "payment": f"/payments/{world['payment'].pk}/",
        "payments": "/payments/",
    }


def test_pages_drop_the_label_and_value_of_a_hidden_field(company, world):
    rep, fin = _client(company.rep_east), _client(company.finance)
    pages = _pages(world)

    customer = _text(rep.get(pages["customer"], **EN))
    assert "Tax ID" not in customer and TAX not in customer
    assert PHONE not in customer and MASKED_PHONE in customer
    shown = _text(fin.get(pages["customer"], **EN))
    assert "Tax ID" in shown and TAX in shown and PHONE in shown

    opportunity = _text(rep.get(pages["opportunity"], **EN))
    assert ">Source<" not in opportunity and "Referral" not in opportunity
    shown = _text(fin.get(pages["opportunity"], **EN))
    assert ">Source<" in shown and "Referral" in shown

    lead = _text(rep.get(pages["lead"], **EN))
    assert ">Phone<" not in lead and LEAD_PHONE not in lead
    shown = _text(fin.get(pages["lead"], **EN))
    assert ">Phone<" in shown and LEAD_PHONE in shown

    # List columns: the header goes with the cells.
    leads = _text(rep.get(pages["leads"], **EN))
    assert "Ruled lead" in leads
    assert ">Region<" not in leads and "ZZ-REGION" not in leads and LEAD_PHONE not in leads
    shown = _text(fin.get(pages["leads"], **EN))
    assert ">Region<" in shown and "ZZ-REGION" in shown and LEAD_PHONE in shown

    for page in ("payment", "payments"):
        hidden = _text(rep.get(pages[page], **EN))
        assert ">Bank reference<" not in hidden and BANK_REF not in hidden
        shown = _text(fin.get(pages[page], **EN))
        assert ">Bank reference<" in shown and BANK_REF in shown
    assert TAX not in _text(rep.get(pages["customers"], **EN))


def test_exports_drop_hidden_columns_and_mask_masked_values(company, world):
    rep, fin = _client(company.rep_east), _client(company.finance)

    customers = _text(rep.get("/customers/export.csv", **EN))
    assert "Ruled Co" in customers
    assert "Tax ID" not in customers and TAX not in customers
    shown = _text(fin.get("/customers/export.csv", **EN))
    assert "Tax ID" in shown and TAX in shown

    contacts = _text(rep.get("/customers/contacts/export/", **EN))
    assert PHONE not in contacts and MASKED_PHONE in contacts
    assert PHONE in _text(fin.get("/customers/contacts/export/", **EN))

    opportunities = _text(rep.get("/sales/opportunities/export.csv", **EN))
    assert "Ruled deal" in opportunities
    assert "Source" not in opportunities and "Referral" not in opportunities
    shown = _text(fin.get("/sales/opportunities/export.csv", **EN))
    assert "Source" in shown and "Referral" in shown

    leads = _text(rep.get("/sales/leads/export/", **EN))
    assert "Ruled lead" in leads
    assert "Phone" not in leads and LEAD_PHONE not in leads
    assert LEAD_PHONE in _text(fin.get("/sales/leads/export/", **EN))

    book = load_workbook(BytesIO(rep.get("/customers/export.csv?format=xlsx", **EN).content))
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row]
    assert "Ruled Co" in cells and "Tax ID" not in cells and TAX not in cells


def test_search_does_not_find_records_by_a_hidden_or_masked_field(company, world):
    for query in (TAX, PHONE, LEAD_PHONE):
        assert search(user=company.rep_east, query=query) == []
        assert search(user=company.finance, query=query) != []
    # Fields the rep sees whole still find the records.
    found = {g.key for g in search(user=company.rep_east, query="Ruled")}
    assert {"customers", "contacts", "opportunities", "leads"} <= found

    rep = _client(company.rep_east)
    assert (
        rep.get("/api/v1/search", {"q": TAX}).json()
        == _client(company.rep_east).get("/api/v1/search", {"q": "no-such-record-zz"}).json()
    )
    assert "Ruled Co" not in _text(rep.get("/customers/", {"q": TAX}))
    assert "Ruled Contact" not in _text(rep.get("/customers/", {"q": PHONE}))
    assert "Ruled lead" not in _text(rep.get("/sales/leads/", {"q": LEAD_PHONE}))
    assert "Ruled lead" in _text(_client(company.finance).get("/sales/leads/", {"q": LEAD_PHONE}))


def test_api_answers_hidden_fields_blank_and_masked_ones_masked(company, world):
    rep, fin = _client(company.rep_east), _client(company.finance)
    paths = [
        f"/api/v1/customers/{world['customer'].pk}",
        "/api/v1/contacts",
        f"/api/v1/opportunities/{world['opportunity'].pk}",
        f"/api/v1/leads/{world['lead'].pk}",
    ]
    hidden = _text(rep.get(paths[0]))
    assert TAX not in hidden and rep.get(paths[0]).json()["tax_id"] == ""
    contacts = _text(rep.get(paths[1]))
    assert PHONE not in contacts and MASKED_PHONE in contacts
    assert rep.get(paths[2]).json()["source"] == ""
    lead = _text(rep.get(paths[3]))
    assert LEAD_PHONE not in lead and rep.get(paths[3]).json()["phone"] == ""

    assert fin.get(paths[0]).json()["tax_id"] == TAX
    assert PHONE in _text(fin.get(paths[1]))
    assert fin.get(paths[2]).json()["source"] == "referral"
    assert fin.get(paths[3]).json()["phone"] == LEAD_PHONE

"""List exports of payments, credit notes and contracts (issue #10): CSV and Excel of the
list's filters, within the user's export scope, with the custom fields where the record
has them."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from cashloop.contracts.tests.recognition_data import contract_make
from cashloop.receivables.services import LineIn, credit_note_create
from cashloop.receivables.tests.test_services import issued, pay
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def money(company):
    east = CustomerFactory(owner=company.rep_east, name="华东客户")
    south = CustomerFactory(owner=company.rep_south, name="华南客户")
    invoice = issued(company, east)
    pay(company, east, "500.00", bank_reference="CMB-001")
    pay(company, south, "700.00", bank_reference="ICBC-002", payment_date=date(2026, 2, 1))
    credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[
            LineIn(description="折让", quantity=D(1), unit_price=D("100.00"), tax_rate=D("0.13"))
        ],
        reason="价格折让",
        credit_date=invoice.issue_date,
    )
    contract_make(customer=east, number="HT-EAST-01")
    contract_make(customer=south, number="HT-SOUTH-01")
    return east, south


def test_finance_exports_payments_and_credit_notes_with_the_list_s_filters(client, company, money):
    client.force_login(company.finance)
    payments = rows(client.get("/payments/export/", HTTP_ACCEPT_LANGUAGE="en"))
    assert {p["Bank reference"] for p in payments} == {"CMB-001", "ICBC-002"}
    assert {p["Amount"] for p in payments} == {"500.00", "700.00"}
    filtered = rows(client.get("/payments/export/?q=ICBC", HTTP_ACCEPT_LANGUAGE="en"))
    assert [p["Customer"] for p in filtered] == ["华南客户"]
    notes = rows(client.get("/credit-notes/export/", HTTP_ACCEPT_LANGUAGE="en"))
    assert [(n["Reason"], n["Total"]) for n in notes] == [("价格折让", "113.00")]
    book = load_workbook(io.BytesIO(client.get("/payments/export/?format=xlsx").content))
    assert book.active.max_row == 3  # the header and two payments


def test_a_rep_exports_the_contracts_of_their_scope_and_a_viewer_none(client, company, money):
    client.force_login(company.rep_east)
    contracts = rows(client.get("/contracts/export/", HTTP_ACCEPT_LANGUAGE="en"))
    assert [c["Number"] for c in contracts] == ["HT-EAST-01"]
    assert contracts[0]["Customer"] == "华东客户"
    page = client.get("/contracts/")
    assert 'data-testid="contract-export"' in page.content.decode()
    client.force_login(company.viewer)
    assert client.get("/contracts/export/").status_code == 403
    assert client.get("/payments/export/").status_code == 403

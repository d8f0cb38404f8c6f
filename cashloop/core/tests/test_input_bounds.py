"""Input the API fuzzing (decision 065) found answered with a 500: each is now a 422 with a
code, and the refused request changed nothing."""

from __future__ import annotations

import pytest
from django.db import DataError

from cashloop.approvals.models import ExpenseClaim
from cashloop.core.errors import CoreError
from cashloop.cpq.errors import CatalogError
from cashloop.customers.models import Contact
from cashloop.receivables.models import Invoice
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import BudgetLine
from tests.factories import ContactFactory, CustomerFactory


def send(client, method, path, body):
    return getattr(client, method)(
        path, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def code_of(response):
    return response.status_code, response.json()["error"]["code"]


def test_ids_beyond_64_bits_are_refused_before_the_database(client, company):
    client.force_login(company.admin)
    response = send(client, "post", "/api/v1/receivables/invoices/issue", {"invoice_ids": [2**70]})
    assert code_of(response) == (422, CoreError.REQUEST_INVALID.code)
    (field,) = response.json()["error"]["details"]["fields"]
    assert (field["field"], field["type"]) == ("invoice_ids", "int_out_of_range")
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("field", ["title", "phone", "name", "custom"])
def test_null_cannot_empty_a_contact_field_that_is_never_empty(client, company, field):
    contact = ContactFactory(customer=CustomerFactory(owner=company.rep_east), title="CFO")
    before = Contact.objects.values().get(pk=contact.pk)
    client.force_login(company.admin)
    response = send(client, "patch", f"/api/v1/contacts/{contact.pk}", {field: None})
    assert code_of(response) == (422, CoreError.REQUEST_INVALID.code)
    assert response.json()["error"]["details"]["fields"][0]["type"] == "null_not_allowed"
    assert Contact.objects.values().get(pk=contact.pk) == before


def test_null_still_clears_what_may_be_empty(client, company):
    # given an interaction with a next step date
    customer = CustomerFactory(owner=company.rep_east)
    client.force_login(company.rep_east)
    made = send(
        client,
        "post",
        "/api/v1/interactions",
        {
            "customer_id": customer.pk,
            "kind": "call",
            "summary": "Called",
            "next_step": "Send the quote",
            "next_step_date": "2026-12-01",
        },
    )
    assert made.status_code == 201, made.content
    # when it is cleared with null, then it is empty, while null for the date it happened is not
    url = f"/api/v1/interactions/{made.json()['id']}"
    cleared = send(client, "patch", url, {"next_step_date": None})
    assert cleared.status_code == 200 and cleared.json()["next_step_date"] is None
    assert code_of(send(client, "patch", url, {"occurred_at": None}))[0] == 422


def test_a_product_cannot_name_an_account_that_does_not_exist(client, company):
    client.force_login(company.admin)
    body = {"code": "P-1", "name": "Widget", "tax_rate": "0.13", "revenue_account_id": 999_999}
    response = send(client, "post", "/api/v1/products", body)
    assert code_of(response) == (422, CatalogError.REVENUE_ACCOUNT_NOT_FOUND.code)
    assert client.get("/api/v1/products").json()["count"] == 0


def test_an_expense_claim_amount_beyond_any_money_field_is_refused(client, company):
    client.force_login(company.rep_east)
    body = {"date": "2026-11-02", "category": "travel", "amount": "1e20"}
    response = send(client, "post", "/api/v1/approvals/expense-claims", body)
    assert code_of(response) == (422, CoreError.REQUEST_INVALID.code)
    assert not ExpenseClaim.objects.exists()


@pytest.mark.parametrize("year", [0, 11192, -274877906944])
def test_a_fiscal_year_that_is_no_year_is_refused(client, company, year):
    client.force_login(company.admin)
    assert code_of(client.get(f"/api/v1/treasury/budgets/{year}")) == (
        422,
        TreasuryError.FISCAL_YEAR_INVALID.code,
    )
    line = {"fiscal_year": year, "category_id": 1, "month": "2026-01-01", "amount": "1"}
    answer = send(client, "put", "/api/v1/treasury/budget-lines", line)
    assert code_of(answer) == (422, TreasuryError.FISCAL_YEAR_INVALID.code)
    assert not BudgetLine.objects.exists()


def test_a_forecast_seed_must_fit_its_column(client, company):
    client.force_login(company.admin)
    response = send(client, "post", "/api/v1/treasury/forecasts", {"paths": 100, "seed": -1})
    assert code_of(response) == (422, CoreError.REQUEST_INVALID.code)


def test_text_with_nul_is_refused_in_the_address_and_in_bodies(client, company):
    """PostgreSQL cannot hold NUL in text; it is refused before any query on both databases."""
    client.force_login(company.admin)
    searched = client.get("/api/v1/customers", {"q": "a\x00b"})
    assert code_of(searched) == (400, CoreError.BAD_REQUEST.code)
    assert client.get("/customers/?q=%00").status_code == 400
    body = {"code": "N\x00L", "name": "Nul Ltd", "currency": "CNY"}
    created = send(client, "post", "/api/v1/customers", body)
    assert code_of(created) == (422, CoreError.REQUEST_INVALID.code)
    assert created.json()["error"]["details"]["fields"][0]["type"] == "nul_character"
    assert client.get("/api/v1/customers").json()["count"] == 0


def test_a_value_the_database_refuses_is_a_422_not_a_500(client, company, monkeypatch):
    """PostgreSQL refuses text too long for its column where SQLite stores it; whatever
    slips past validation so is answered as bad input."""

    def refused(**kwargs):
        raise DataError("value too long for type character varying(3)")

    monkeypatch.setattr("cashloop.customers.api.selectors.customer_list", refused)
    client.force_login(company.admin)
    response = client.get("/api/v1/customers", HTTP_ACCEPT_LANGUAGE="en")
    assert code_of(response) == (422, CoreError.VALUE_REJECTED.code)

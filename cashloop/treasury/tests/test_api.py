"""Treasury through /api/v1/treasury: rates, the cash position and its history, budgets,
the Excel import and planned items, with their error codes and who may call them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from cashloop.treasury.models import BudgetCategory, BudgetLine, ExchangeRate, PlannedItem
from cashloop.treasury.tests.cash_fixtures import post as post_entry
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
API = "/api/v1/treasury"


def send(client, method, path, payload=None):
    return getattr(client, method)(f"{API}{path}", payload or {}, content_type="application/json")


def test_rates_are_set_and_listed(client, treasurer):
    client.force_login(treasurer)
    made = send(client, "post", "/rates", {"currency": "USD", "date": "2026-03-01", "rate": "7.1"})
    assert made.status_code == 201, made.json()
    bad = send(client, "post", "/rates", {"currency": "USD", "date": "2026-03-01", "rate": "0"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "treasury.rate_not_positive"
    listed = client.get(f"{API}/rates?currency=usd").json()["items"]
    assert [(r["currency"], r["rate"]) for r in listed] == [("USD", "7.10000000")]


def test_the_cash_position_in_base_currency_and_its_history(client, treasurer, bank_accounts):
    post_entry(bank_accounts["USD"], date(2026, 3, 2), "1000.00", base="7100.00")
    client.force_login(treasurer)
    missing = client.get(f"{API}/cash-position?as_of=2026-03-31")
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "treasury.rate_missing"
    assert missing.json()["error"]["details"] == {"currency": "USD", "date": "2026-03-31"}
    send(client, "post", "/rates", {"currency": "USD", "date": "2026-03-01", "rate": "7.2"})
    position = client.get(f"{API}/cash-position?as_of=2026-03-31").json()
    assert position["currency"] == "CNY" and position["total"] == "7200.00"
    usd = next(a for a in position["accounts"] if a["currency"] == "USD")
    assert (usd["book"], usd["bank"], usd["rate"]) == ("1000.00", None, "7.20000000")
    history = client.get(f"{API}/cash-position/history?start=2026-03-01&end=2026-03-03").json()
    assert [p["total"] for p in history] == ["0.00", "7200.00", "7200.00"]
    bad = client.get(f"{API}/cash-position/history?start=2026-03-03&end=2026-03-01")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "treasury.range_invalid"
    assert_verified()


def test_a_budget_cell_the_budget_and_budget_vs_actual(client, treasurer):
    client.force_login(treasurer)
    rent = BudgetCategory.objects.get(code="rent")
    cell = {"fiscal_year": 2026, "category_id": rent.pk, "month": "2026-05-01", "amount": "9000"}
    assert send(client, "put", "/budget-lines", cell).status_code == 200
    outside = send(client, "put", "/budget-lines", {**cell, "month": "2027-01-01"})
    assert outside.status_code == 422
    assert outside.json()["error"]["code"] == "treasury.month_outside_fiscal_year"
    negative = send(client, "put", "/budget-lines", {**cell, "amount": "-1"})
    assert negative.json()["error"]["code"] == "treasury.amount_negative"
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [9000]
    budget = client.get(f"{API}/budgets/2026").json()
    row = next(r for r in budget["rows"] if r["category"]["code"] == "rent")
    may = row["months"][4]
    assert (may["month"], may["budget"], may["actual"]) == ("2026-05-01", "9000.0000", None)
    sales = next(r for r in budget["rows"] if r["category"]["code"] == "sales")
    assert sales["category"]["account_codes"] == ["6001"] and sales["actual_total"] == "0"


def test_the_excel_import_answers_every_bad_cell(client, treasurer):
    client.force_login(treasurer)
    book = Workbook()
    book.active.append(["Category", "2026-01"])
    book.active.append(["nobody", 1])
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = "budget.xlsx"
    answer = client.post(f"{API}/budgets/2026/import", {"file": content})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["errors"][0]["code"] == "treasury.category_unknown"
    assert not BudgetLine.objects.exists()


def test_planned_items_are_made_changed_and_deleted(client, treasurer):
    client.force_login(treasurer)
    rent = BudgetCategory.objects.get(code="rent")
    item = {
        "category_id": rent.pk,
        "description": "Rent",
        "amount": "8000",
        "first_date": "2026-01-05",
        "frequency": "monthly",
    }
    made = send(client, "post", "/planned-items", item)
    assert made.status_code == 201
    item_id = made.json()["id"]
    changed = send(client, "put", f"/planned-items/{item_id}", {**item, "amount": "8500"})
    assert changed.json()["amount"] == "8500.00"
    bad = send(client, "put", f"/planned-items/{item_id}", {**item, "frequency": "daily"})
    assert bad.json()["error"]["code"] == "treasury.planned_item_frequency"
    assert send(client, "delete", f"/planned-items/{item_id}").status_code == 204
    assert not PlannedItem.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "rep_east"])
@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "/cash-position", None),
        ("get", "/budgets/2026", None),
        ("get", "/rates", None),
        ("post", "/rates", {"currency": "USD", "date": "2026-03-01", "rate": "7"}),
        ("put", "/fiscal-year", {"fiscal_year_start_month": 4}),
    ],
)
def test_viewer_and_rep_are_refused(client, company, role, method, path, payload):
    client.force_login(getattr(company, role))
    answer = send(client, method, path, payload)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "permission.denied"
    assert not ExchangeRate.objects.exists()


def test_the_fiscal_year_setting(client, company):
    client.force_login(company.finance)
    assert client.get(f"{API}/fiscal-year").json() == {"fiscal_year_start_month": 1}
    saved = send(client, "put", "/fiscal-year", {"fiscal_year_start_month": 4})
    assert saved.json() == {"fiscal_year_start_month": 4}
    budget = client.get(f"{API}/budgets/2026").json()
    assert budget["months"][0] == "2026-04-01" and budget["months"][-1] == "2027-03-01"


def test_finance_maps_a_category_to_ledger_accounts(client, company):
    client.force_login(company.finance)
    rent = BudgetCategory.objects.get(code="rent")
    path = f"/budget-categories/{rent.pk}/accounts"
    unknown = send(client, "put", path, {"account_codes": ["6603", "9999"]})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == {"account_codes": ["9999"]}
    assert not rent.accounts.exists()
    mapped = send(client, "put", path, {"account_codes": ["6603"]})
    assert mapped.json()["account_codes"] == ["6603"]
    client.force_login(company.viewer)
    assert send(client, "put", path, {"account_codes": []}).status_code == 403
    assert rent.accounts.count() == 1

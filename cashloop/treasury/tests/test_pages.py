"""The treasury pages: cash position with its chart, rates, the budget grid and its cells,
the Excel import, budget vs actual and planned items; in both languages, within a query
budget, refused to who may not see treasury."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from cashloop.treasury.models import (
    BudgetCategory,
    BudgetLine,
    ExchangeRate,
    PlannedItem,
    TreasurySettings,
)
from cashloop.treasury.services import exchange_rate_set
from cashloop.treasury.tests.cash_fixtures import post
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def cash(treasurer, bank_accounts):
    today = timezone.localdate()
    post(bank_accounts["CNY"], today - timedelta(days=30), "25000.00")
    post(bank_accounts["USD"], today - timedelta(days=10), "1000.00", base="7100.00")
    exchange_rate_set(
        actor=treasurer, currency="USD", day=today - timedelta(days=200), rate=Decimal("7.1")
    )


def test_the_treasury_page_shows_each_account_the_total_and_the_chart(
    client, treasurer, cash, django_assert_max_num_queries
):
    client.force_login(treasurer)
    with django_assert_max_num_queries(25):
        page = client.get("/treasury/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="cash-chart"' in html and "<polyline" in html
    assert "32,100.00" in html  # 25,000 + 1,000 USD at 7.1
    assert "USD account" in html and "7.1" in html
    assert_verified()


def test_the_treasury_page_in_chinese(client, treasurer, cash):
    client.force_login(treasurer)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/treasury/")
    assert page.status_code == 200 and 'lang="zh-hans"' in page.content.decode().lower()


def test_a_missing_rate_is_shown_on_the_page_not_a_crash(client, treasurer, bank_accounts):
    post(bank_accounts["USD"], timezone.localdate(), "5.00", base="35.00")
    client.force_login(treasurer)
    page = client.get("/treasury/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "treasury.rate_missing" in page.content.decode()
    assert_verified()


@pytest.mark.parametrize(
    "path",
    [
        "/treasury/",
        "/treasury/budget/",
        "/treasury/rates/",
        "/treasury/planned/",
        "/treasury/budget/actual/",
    ],
)
def test_viewer_gets_403(client, company, path):
    client.force_login(company.viewer)
    assert client.get(path).status_code == 403


def test_a_rate_is_added_on_the_rates_page(client, treasurer):
    client.force_login(treasurer)
    done = client.post(
        "/treasury/rates/", {"currency": "USD", "date": "2026-03-01", "rate": "7.15"}
    )
    assert done.status_code == 302
    refused = client.post(
        "/treasury/rates/", {"currency": "CNY", "date": "2026-03-01", "rate": "1"}
    )
    assert "treasury.rate_base_currency" in refused.content.decode()
    assert ExchangeRate.objects.count() == 1


def test_the_budget_grid_saves_a_cell_through_htmx_and_shows_a_refusal(
    client, treasurer, django_assert_max_num_queries
):
    client.force_login(treasurer)
    year = timezone.localdate().year
    rent = BudgetCategory.objects.get(code="rent")
    with django_assert_max_num_queries(20):
        grid = client.get(f"/treasury/budget/?year={year}", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        grid.status_code == 200
        and f'data-testid="cell-{rent.pk}-{year}-01-01"' in grid.content.decode()
    )
    cell = {"year": year, "category_id": rent.pk, "month": f"{year}-01-01", "amount": "8000"}
    saved = client.post("/treasury/budget/cell/", cell, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and 'data-testid="cell-saved"' in saved.content.decode()
    # The totals come along, swapped out of band: January's outflows are the rent.
    assert (
        'id="budget-totals" data-testid="budget-totals" hx-swap-oob="true"'
        in saved.content.decode()
    )
    assert "8,000.00" in saved.content.decode().split("hx-swap-oob")[1]
    outside = client.post(
        "/treasury/budget/cell/", {**cell, "month": f"{year + 1}-01-01"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="cell-error"' in outside.content.decode()
    assert "budget-totals" not in outside.content.decode()
    plain = client.post("/treasury/budget/cell/", {**cell, "amount": "-5"})
    assert plain.status_code == 302
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [Decimal("8000")]


def test_the_import_on_the_page_lists_the_bad_cells(client, treasurer):
    client.force_login(treasurer)
    book = Workbook()
    book.active.append(["Category", "2026-01"])
    book.active.append(["rent", -1])
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = "budget.xlsx"
    page = client.post(
        "/treasury/budget/import/", {"year": 2026, "file": content}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="import-errors"' in html and "treasury.amount_negative" in html
    assert not BudgetLine.objects.exists()


def test_budget_vs_actual_page(client, treasurer, bank_accounts, django_assert_max_num_queries):
    post(bank_accounts["CNY"], date(2026, 2, 3), "1234.00", other="6001")
    client.force_login(treasurer)
    with django_assert_max_num_queries(20):
        page = client.get("/treasury/budget/actual/?year=2026", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'data-testid="bva-sales-actual"' in html and "1,234.00" in html
    assert_verified()


def test_a_planned_item_is_added_changed_and_deleted_on_its_page(client, treasurer):
    client.force_login(treasurer)
    rent = BudgetCategory.objects.get(code="rent")
    form = {
        "category_id": rent.pk,
        "description": "Office",
        "amount": "8000",
        "frequency": "monthly",
        "first_date": "2026-01-05",
        "end_date": "",
    }
    assert client.post("/treasury/planned/", form).status_code == 302
    item = PlannedItem.objects.get()
    assert client.get(f"/treasury/planned/{item.pk}/").status_code == 200
    bad = client.post(f"/treasury/planned/{item.pk}/", {**form, "end_date": "2025-01-01"})
    assert bad.status_code == 200 and "treasury.planned_item_dates" in bad.content.decode()
    assert client.post(f"/treasury/planned/{item.pk}/delete/").status_code == 302
    assert not PlannedItem.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_fiscal_year_and_a_category_s_accounts_are_set_on_the_setup_page(
    client, treasurer, language
):
    client.force_login(treasurer)
    page = client.get("/treasury/budget/setup/", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="category-rent"' in html
    assert ("Fiscal year and categories" if language == "en" else "财年与类别") in html
    moved = client.post("/treasury/budget/setup/", {"fiscal_year_start_month": "4"})
    assert moved.status_code == 302
    assert TreasurySettings.objects.get().fiscal_year_start_month == 4
    bad = client.post("/treasury/budget/setup/", {"fiscal_year_start_month": "13"})
    assert bad.status_code == 200 and TreasurySettings.objects.get().fiscal_year_start_month == 4
    rent = BudgetCategory.objects.get(code="rent")
    saved = client.post(
        f"/treasury/budget/categories/{rent.pk}/accounts/",
        {f"c{rent.pk}-account_codes": "6702, 6603"},
    )
    assert saved.status_code == 302
    assert sorted(rent.accounts.values_list("code", flat=True)) == ["6603", "6702"]
    unknown = client.post(
        f"/treasury/budget/categories/{rent.pk}/accounts/",
        {f"c{rent.pk}-account_codes": "6702 9999"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert unknown.status_code == 200 and 'data-testid="accounts-error"' in unknown.content.decode()
    assert "9999" in unknown.content.decode().split('data-testid="accounts-error"')[1]
    assert sorted(rent.accounts.values_list("code", flat=True)) == ["6603", "6702"]


def test_a_rep_may_not_open_the_setup_page(client, company):
    client.force_login(company.rep_east)
    assert client.get("/treasury/budget/setup/").status_code == 403

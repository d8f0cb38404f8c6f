"""Budgets: lines per category and month of the fiscal year, the Excel import (all or
nothing), planned items expanded into months, and budget against actual from the ledger."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.treasury.models import BudgetCategory, BudgetLine, PlannedItem
from cashloop.treasury.selectors import budget_get, fiscal_months, fiscal_year_of, occurrences
from cashloop.treasury.services import (
    budget_import,
    budget_line_set,
    planned_item_delete,
    planned_item_save,
    treasury_settings_update,
)
from cashloop.treasury.tests.cash_fixtures import post
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def category(code: str) -> BudgetCategory:
    return BudgetCategory.objects.get(code=code)


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_default_categories_are_installed_with_their_accounts():
    codes = set(BudgetCategory.objects.values_list("code", flat=True))
    assert {"payroll", "suppliers", "rent", "tax", "loans", "capex", "other_income"} <= codes
    assert [a.code for a in category("sales").accounts.all()] == ["6001"]


def test_a_fiscal_year_starting_in_april_runs_to_march(treasurer):
    treasury_settings_update(actor=treasurer, fiscal_year_start_month=4)
    months = fiscal_months(2026)
    assert (months[0], months[-1]) == (date(2026, 4, 1), date(2027, 3, 1))
    assert fiscal_year_of(date(2027, 2, 10)) == 2026
    error = refused(lambda: treasury_settings_update(actor=treasurer, fiscal_year_start_month=13))
    assert error.code.code == "treasury.fiscal_start_invalid"


def test_setting_a_cell_twice_keeps_one_line_and_audits_both(treasurer):
    rent = category("rent")
    budget_line_set(
        actor=treasurer,
        fiscal_year=2026,
        category_id=rent.pk,
        month=date(2026, 2, 14),
        amount=D("8000"),
    )
    line = budget_line_set(
        actor=treasurer,
        fiscal_year=2026,
        category_id=rent.pk,
        month=date(2026, 2, 1),
        amount="8500.5",
    )
    assert line.month == date(2026, 2, 1) and line.amount == D("8500.50")
    assert BudgetLine.objects.count() == 1
    assert AuditEntry.objects.filter(object_id=str(line.pk)).count() == 2


@pytest.mark.parametrize(
    ("month", "amount", "category_code", "code"),
    [
        (date(2027, 1, 1), "1", "rent", "treasury.month_outside_fiscal_year"),
        (date(2026, 1, 1), "-1", "rent", "treasury.amount_negative"),
        (date(2026, 1, 1), "1", None, "treasury.category_unknown"),
    ],
)
def test_a_bad_cell_is_refused_and_nothing_changes(treasurer, month, amount, category_code, code):
    rent = category("rent")
    budget_line_set(
        actor=treasurer, fiscal_year=2026, category_id=rent.pk, month=date(2026, 1, 1), amount="100"
    )
    target = category(category_code).pk if category_code else 999_999
    error = refused(
        lambda: budget_line_set(
            actor=treasurer, fiscal_year=2026, category_id=target, month=month, amount=amount
        )
    )
    assert error.code.code == code and error.status == 422
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [D("100")]


@pytest.mark.parametrize("role", ["viewer", "rep_east"])
def test_viewer_and_rep_may_neither_read_nor_set_a_budget(company, role):
    user = getattr(company, role)
    assert refused(lambda: budget_get(user=user, year=2026)).code.code == "permission.denied"
    error = refused(
        lambda: budget_line_set(
            actor=user,
            fiscal_year=2026,
            category_id=category("rent").pk,
            month=date(2026, 1, 1),
            amount="1",
        )
    )
    assert error.code.code == "permission.denied"
    assert not BudgetLine.objects.exists()


def test_an_excel_budget_is_imported_by_code_and_by_chinese_or_english_name(treasurer):
    content = workbook(
        ("Category", date(2026, 1, 1), "2026-02", "2026年3月"),
        ("payroll", 120000, 120000.5, None),
        ("房租", 8000, 8000, 8000),
        ("Other income", None, "1,500", None),
        (None, None, None, None),
    )
    lines = budget_import(actor=treasurer, fiscal_year=2026, content=content)
    assert len(lines) == 6
    got = {(b.category.code, b.month.month): b.amount for b in BudgetLine.objects.all()}
    assert got[("payroll", 2)] == D("120000.50")
    assert got[("rent", 3)] == D("8000")
    assert got[("other_income", 2)] == D("1500")


def test_a_bad_workbook_reports_every_bad_cell_and_imports_nothing(treasurer):
    content = workbook(
        ("Category", "2026-01", "2027-01"),
        ("payroll", 100, 5),
        ("no such", 1, None),
        ("rent", -5, None),
        ("tax", "lots", None),
    )
    error = refused(lambda: budget_import(actor=treasurer, fiscal_year=2026, content=content))
    assert error.code.code == "treasury.import_invalid"
    found = [(e["line"], e["column"], e["code"]) for e in error.details["errors"]]
    assert found == [
        (1, "C", "treasury.month_outside_fiscal_year"),
        (3, "A", "treasury.category_unknown"),
        (4, "B", "treasury.amount_negative"),
        (5, "B", "treasury.amount_invalid"),
    ]
    assert not BudgetLine.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(treasurer):
    error = refused(lambda: budget_import(actor=treasurer, fiscal_year=2026, content=b"a,b\n1,2"))
    assert error.code.code == "treasury.import_unreadable" and error.status == 400
    assert not BudgetLine.objects.exists()


def test_planned_items_recur_from_their_first_date():
    item = PlannedItem(first_date=date(2026, 1, 31), frequency="monthly", end_date=None)
    assert occurrences(item, date(2026, 1, 1), date(2026, 4, 30)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    item = PlannedItem(
        first_date=date(2025, 11, 15), frequency="quarterly", end_date=date(2026, 6, 1)
    )
    assert occurrences(item, date(2026, 1, 1), date(2026, 12, 31)) == [
        date(2026, 2, 15),
        date(2026, 5, 15),
    ]
    item = PlannedItem(first_date=date(2026, 7, 1), frequency="once", end_date=None)
    assert occurrences(item, date(2026, 1, 1), date(2026, 6, 30)) == []


def test_planned_items_are_saved_changed_and_deleted_with_bad_input_refused(treasurer):
    rent = category("rent")
    item = planned_item_save(
        actor=treasurer,
        category_id=rent.pk,
        description="Office rent",
        amount=D("8000"),
        first_date=date(2026, 1, 5),
        frequency="monthly",
    )
    item = planned_item_save(
        actor=treasurer,
        item_id=item.pk,
        category_id=rent.pk,
        description="Office rent, new lease",
        amount=D("9000"),
        first_date=date(2026, 1, 5),
        end_date=date(2026, 12, 31),
        frequency="monthly",
    )
    assert PlannedItem.objects.get().amount == D("9000")
    for bad, code in [
        ({"amount": D("-1")}, "treasury.amount_negative"),
        ({"end_date": date(2025, 1, 1)}, "treasury.planned_item_dates"),
        ({"description": " "}, "treasury.description_required"),
        ({"frequency": "daily"}, "treasury.planned_item_frequency"),
        ({"category_id": 999_999}, "treasury.category_unknown"),
    ]:
        values = {
            "category_id": rent.pk,
            "description": "x",
            "amount": D("1"),
            "first_date": date(2026, 1, 5),
            "frequency": "once",
            **bad,
        }
        assert refused(lambda v=values: planned_item_save(actor=treasurer, **v)).code.code == code
    assert PlannedItem.objects.get().description == "Office rent, new lease"
    planned_item_delete(actor=treasurer, item_id=item.pk)
    assert not PlannedItem.objects.exists()
    missing = refused(lambda: planned_item_delete(actor=treasurer, item_id=item.pk))
    assert missing.code.code == "treasury.planned_item_not_found"


def test_budget_vs_actual_per_category_and_month(treasurer, bank_accounts):
    # given: sales budgeted at 50,000 in January; 42,000 of revenue posted in January
    sales, rent = category("sales"), category("rent")
    budget_line_set(
        actor=treasurer,
        fiscal_year=2026,
        category_id=sales.pk,
        month=date(2026, 1, 1),
        amount="50000",
    )
    post(bank_accounts["CNY"], date(2026, 1, 20), "42000.00", other="6001")
    planned_item_save(
        actor=treasurer,
        category_id=rent.pk,
        description="Rent",
        amount=D("8000"),
        first_date=date(2026, 1, 1),
        frequency="quarterly",
    )
    # when
    budget = budget_get(user=treasurer, year=2026)
    rows = {row.category.code: row for row in budget.rows}
    # then: revenue credits count as a positive inflow actual
    assert rows["sales"].budget[0] == D("50000")
    assert rows["sales"].actual[0] == D("42000.00")
    assert rows["sales"].variance[0] == D("-8000.00")
    # rent has no account: planned quarterly, no actual
    assert rows["rent"].planned[:4] == [D("8000"), 0, 0, D("8000")]
    assert rows["rent"].actual[0] is None and rows["rent"].variance_total is None
    assert budget.totals("outflow")[0] == D("8000")
    assert_verified()

"""A migration through the browser: the admin, in Chinese, checks and imports customers
(Chinese headers); in English, open invoices (English headers) where one row names an
unknown customer, fixes nothing but imports the valid rows only, then the payments
(Chinese headers, GBK) and the contracts with their payment plans (Chinese headers), whose
installments billed in the old system show so on the contract and in the reconciliation;
the ledger's verify page is clean afterwards."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cashloop.contracts.choices import ContractStatus
from cashloop.contracts.models import Contract
from cashloop.customers.models import Customer
from cashloop.imports.tests.files import CONTRACTS_ZH, CUSTOMERS_ZH, INVOICES_EN, PAYMENTS_ZH
from cashloop.receivables.models import Invoice
from tests.e2e.test_approval_flow import sign_out
from tests.e2e.test_credit_hold import sign_in
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)


def _check(page: Page, base: str, kind: str, name: str, content: bytes) -> None:
    page.goto(f"{base}/settings/imports/")
    page.get_by_test_id("import-kind").select_option(kind)
    page.get_by_test_id("import-file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_test_id("import-check").click()
    expect(page.get_by_test_id("import-facts")).to_be_visible()


def test_a_spreadsheet_migration_lands_with_a_clean_verify(page, shoot, live_server, company):
    base = live_server.url
    sign_in(page, base, company.admin.username, "zh-hans")
    page.goto(f"{base}/settings/")
    page.get_by_test_id("manage-imports").click()
    shoot("imports", both=True)
    _check(page, base, "customers", "客户.csv", CUSTOMERS_ZH.encode())
    expect(page.get_by_test_id("total-rows")).to_have_text("3")
    expect(page.get_by_test_id("map-code")).to_have_value("客户编码")
    shoot("customers-checked", both=True)
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("imported-rows")).to_have_text("3")
    assert Customer.objects.filter(code__in=["M001", "M002", "M003"]).count() == 3

    sign_out(page)
    sign_in(page, base, company.admin.username, "en")
    bad = INVOICES_EN + "OLD-1004,NOPE,2026-10-01,2026-11-01,10.00,CNY,\n"
    _check(page, base, "invoices", "open-invoices.csv", bad.encode())
    expect(page.get_by_test_id("error-rows")).to_have_text("1")
    expect(page.get_by_test_id("import-errors")).to_contain_text("No customer NOPE in Cashloop.")
    shoot("invoices-with-an-error", both=True)
    page.get_by_test_id("import-valid-only").click()
    expect(page.get_by_test_id("imported-rows")).to_have_text("4")
    assert Invoice.objects.count() == 3

    _check(page, base, "payments", "收款.csv", PAYMENTS_ZH.encode("gb18030"))
    expect(page.get_by_test_id("error-rows")).to_have_text("0")
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("imported-rows")).to_have_text("2")
    shoot("payments-imported", both=True)
    assert Invoice.objects.get(memo="OLD-1001").residual == 300

    _check(page, base, "contracts", "合同.csv", CONTRACTS_ZH.encode())
    expect(page.get_by_test_id("total-rows")).to_have_text("8")
    expect(page.get_by_test_id("error-rows")).to_have_text("0")
    expect(page.get_by_test_id("map-number")).to_have_value("合同编号")
    expect(page.get_by_test_id("map-state")).to_have_value("状态")
    shoot("contracts-checked", both=True)
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("imported-rows")).to_have_text("8")
    contract = Contract.objects.get(number="HT-2026-01")
    assert contract.status == ContractStatus.ACTIVE
    page.goto(f"{base}/contracts/{contract.pk}/")
    expect(page.get_by_test_id("plan-1")).to_contain_text("Billed before migration")
    expect(page.get_by_test_id("plan-2")).to_contain_text(
        Invoice.objects.get(memo="OLD-1001").number
    )
    shoot("contract-migrated", both=True)
    page.goto(f"{base}/billing/reconciliation/")
    expect(page.get_by_test_id(f"ties-{contract.pk}")).to_contain_text("Ties")
    shoot("contracts-reconciled", both=True)

    page.goto(f"{base}/ledger/verify/")
    expect(page.get_by_test_id("verdict")).to_have_class("panel verdict verdict-ok")
    shoot("verify")
    assert_verified()

"""Bank statements through the browser: finance adds a bank account, imports a camt.053
and a Chinese bank's CSV (GBK, the ICBC profile), sees the preview with its balance check
and duplicates, imports, and finds the lines; then re-imports the same file: nothing twice.

Screenshots: /tmp/shots/statement_<NN>_<step>.<lang>.png and test-results/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cashloop.banking.models import ImportProfile, StatementImport, StatementLine
from cashloop.banking.profiles import install_builtin_profiles
from tests.e2e.test_customer_flow import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[2] / "cashloop" / "banking" / "tests" / "fixtures"
SHOTS = Path("/tmp/shots")
PASSWORD = "pw-for-tests-1"


def upload(page: Page, base: str, account: str, name: str | Path, profile: str = "") -> None:
    page.goto(f"{base}/banking/imports/new/")
    page.locator("#id_bank_account").select_option(label=account)
    if profile:
        page.locator("#id_profile").select_option(label=profile)
    page.locator("#id_file").set_input_files(str(FIXTURES / name))
    if name == "camt053_v02.xml":
        page.screenshot(path=SHOTS / "statement_02a_upload.png", full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("preview-statement").click()
    expect(page.get_by_test_id("import-status")).to_be_visible()


def test_finance_imports_camt_and_a_chinese_csv(
    page, shoot, live_server, company, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    install_builtin_profiles(ImportProfile)
    base = live_server.url
    SHOTS.mkdir(exist_ok=True)

    def snap(step: str) -> None:
        lang = page.locator("html").get_attribute("lang")
        page.screenshot(path=SHOTS / f"statement_{step}.{lang}.png", full_page=True)

    page.goto(f"{base}/banking/lines/")
    sign_in(page, "fin", PASSWORD)
    page.goto(f"{base}/banking/accounts/new/")
    page.locator("#id_name").fill("工行基本户")
    page.locator("#id_bank").fill("工商银行")
    page.locator("#id_account_number").fill("CN12CASH0000000000000001")
    page.locator("#id_currency").fill("CNY")
    page.locator("#id_ledger_account").select_option(index=1)
    page.locator("#id_profile").select_option(label="工商银行 ICBC")
    snap("01_account_form")
    page.get_by_test_id("save-account").click()
    expect(page.get_by_test_id("account-table")).to_contain_text("CN12CASH0000000000000001")
    shoot("accounts", both=True)
    snap("02_accounts")

    # camt.053: two lines, balances that add up.
    upload(page, base, "工行基本户 (0001)", "camt053_v02.xml")
    expect(page.get_by_test_id("found")).to_have_text("2")
    expect(page.get_by_test_id("balance-check").locator(".verdict-ok")).to_be_visible()
    expect(page.get_by_test_id("preview-lines")).to_contain_text("上海星河科技有限公司")
    shoot("camt_preview", both=True)
    snap("03_camt_preview")
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("imported")).to_have_text("2")
    snap("04_camt_imported")

    # The ICBC export in GBK, read with the account's profile: a preamble, tab-padded
    # cells and a totals row.  Its payment of 15 January has no bank id, so it is a new
    # line next to the camt one (another bank's id): three lines, no errors.
    upload(page, base, "工行基本户 (0001)", "icbc_gbk.csv")
    expect(page.get_by_test_id("found")).to_have_text("3")
    expect(page.get_by_test_id("preview-lines")).to_contain_text("杭州明远贸易有限公司")
    shoot("csv_preview", both=True)
    snap("05_csv_preview")
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("imported")).to_have_text("3")
    assert StatementLine.objects.count() == 5

    # The same camt file again: every line a duplicate, nothing imported twice.
    upload(page, base, "工行基本户 (0001)", "camt053_v02.xml")
    expect(page.get_by_test_id("duplicates")).to_have_text("2")
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("imported")).to_have_text("0")
    assert StatementLine.objects.count() == 5

    # A CSV with a negative amount in the money-in column: the preview names the line,
    # only "Import valid lines only" is offered, and takes the good one.
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        (
            "交易日期,记账金额(收入),记账金额(支出),记账币种,对方户名,对方账户,摘要,交易详情,余额\n"
            "2026-02-01,-5.00,,人民币,乙,2,冲正,,\n"
            "2026-02-02,300.00,,人民币,杭州明远贸易有限公司,6222029999000011,INV-2026-000126,,\n"
        ).encode("gb18030")
    )
    upload(page, base, "工行基本户 (0001)", bad)
    expect(page.get_by_test_id("import-errors")).to_contain_text("2")
    expect(page.get_by_test_id("commit")).to_have_count(0)
    shoot("errors", both=True)
    snap("06a_preview_errors")
    page.get_by_test_id("commit-valid-only").click()
    expect(page.get_by_test_id("imported")).to_have_text("1")
    assert StatementLine.objects.count() == 6

    page.goto(f"{base}/banking/lines/")
    expect(page.get_by_test_id("statement-table").locator("tbody tr")).to_have_count(6)
    page.get_by_test_id("line-filters").locator("input[name=q]").fill("明远")
    expect(page.get_by_test_id("statement-table").locator("tbody tr")).to_have_count(2)
    shoot("lines", both=True)
    snap("06_lines_filtered")
    page.goto(f"{base}/banking/imports/")
    expect(page.get_by_test_id("import-table").locator("tbody tr")).to_have_count(4)
    shoot("history", both=True)
    snap("07_history")
    page.goto(f"{base}/banking/profiles/{ImportProfile.objects.get(code='icbc').pk}/")
    expect(page.get_by_test_id("column-mapping")).to_be_visible()
    shoot("profile", both=True)
    snap("08_profile")
    assert StatementImport.objects.filter(status="imported").count() == 4

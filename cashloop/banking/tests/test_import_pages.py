"""Pages of bank statements: accounts, upload and preview, commit, history, lines, profiles."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cashloop.banking.choices import ImportStatus
from cashloop.banking.models import BankAccount, ImportProfile, StatementImport, StatementLine
from cashloop.banking.tests.conftest import fixture


def test_pages_render_for_finance_and_are_refused_to_reps(company, bank_account, client):
    client.force_login(company.rep_east)
    assert client.get(reverse("banking:statement_lines")).status_code == 403
    assert client.get(reverse("banking:import_upload")).status_code == 403
    client.force_login(company.finance)
    for name in (
        "statement_lines",
        "accounts",
        "account_create",
        "imports",
        "import_upload",
        "profiles",
        "profile_create",
    ):
        assert client.get(reverse(f"banking:{name}")).status_code == 200, name


def test_account_form_creates_and_edits(company, bank_ledger, client):
    client.force_login(company.finance)
    response = client.post(
        reverse("banking:account_create"),
        {
            "name": "中行基本户",
            "bank": "中国银行",
            "account_number": "4520 1924",
            "currency": "CNY",
            "ledger_account": bank_ledger.pk,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = BankAccount.objects.get(account_number="4520 1924")
    again = client.post(
        reverse("banking:account_create"),
        {
            "name": "x",
            "bank": "y",
            "account_number": "4520 1924",
            "currency": "CNY",
            "ledger_account": bank_ledger.pk,
        },
    )
    assert again.status_code == 200 and "has-error" in again.content.decode()
    assert BankAccount.objects.count() == 1
    edit = client.post(
        reverse("banking:account_edit", args=[account.pk]),
        {
            "name": "中行",
            "bank": "中国银行",
            "account_number": "4520 1924",
            "currency": "CNY",
            "ledger_account": bank_ledger.pk,
            "open_from": "2026-01-01",
        },
    )
    assert edit.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.active, str(account.open_from)) == ("中行", False, "2026-01-01")


def test_upload_preview_then_import(company, bank_account, client):
    client.force_login(company.finance)
    response = client.post(
        reverse("banking:import_upload"),
        {
            "bank_account": bank_account.pk,
            "encoding": "",
            "file": SimpleUploadedFile("icbc_gbk.csv", fixture("icbc_gbk.csv")),
        },
    )
    statement_import = StatementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("banking:import_detail", args=[statement_import.pk])
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "上海星河科技有限公司" in page and "Opening" in page and 'data-testid="commit"' in page
    client.post(reverse("banking:import_commit", args=[statement_import.pk]))
    statement_import.refresh_from_db()
    assert statement_import.status == ImportStatus.IMPORTED
    assert StatementLine.objects.count() == 3
    lines = client.get(reverse("banking:statement_lines"), {"q": "星河"}).content.decode()
    assert "INV-2026-000123" in lines and "杭州明远" not in lines
    rows = client.get(
        reverse("banking:statement_lines"), {"status": "outgoing"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in rows and "工商银行" in rows


def test_upload_through_htmx_redirects_and_shows_errors(company, bank_account, client):
    client.force_login(company.finance)
    ok = client.post(
        reverse("banking:import_upload"),
        {
            "bank_account": bank_account.pk,
            "file": SimpleUploadedFile("s.sta", fixture("mt940.sta")),
        },
        headers={"HX-Request": "true"},
    )
    assert ok.status_code == 204 and ok["HX-Redirect"].startswith("/banking/imports/")
    with translation.override("en"):
        bad = client.post(
            reverse("banking:import_upload"),
            {
                "bank_account": bank_account.pk,
                "file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
            },
            headers={"HX-Request": "true"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    body = bad.content.decode()
    assert bad.status_code == 200 and "statement.unknown_format" in body and "<html" not in body


def test_preview_with_errors_offers_valid_lines_only(company, bank_account, client):
    client.force_login(company.finance)
    data = (
        "交易日期,记账金额(收入),记账金额(支出),记账币种,对方户名,对方账户,摘要,交易详情,余额\n"
        "2026-02-01,100.00,,人民币,甲,1,货款,,\n2026-02-02,-5.00,,人民币,乙,2,冲正,,\n"
    ).encode()
    client.post(
        reverse("banking:import_upload"),
        {
            "bank_account": bank_account.pk,
            "file": SimpleUploadedFile("e.csv", data),
        },
    )
    statement_import = StatementImport.objects.get()
    page = client.get(reverse("banking:import_detail", args=[statement_import.pk])).content.decode()
    assert (
        "statement.negative_in_credit_column" in page and 'data-testid="commit-valid-only"' in page
    )
    client.post(reverse("banking:import_commit", args=[statement_import.pk]))
    assert StatementLine.objects.count() == 0  # refused: the file has errors
    client.post(reverse("banking:import_commit", args=[statement_import.pk]), {"valid_only": "1"})
    assert StatementLine.objects.count() == 1


def test_discard_from_the_page(company, bank_account, client):
    client.force_login(company.finance)
    client.post(
        reverse("banking:import_upload"),
        {
            "bank_account": bank_account.pk,
            "file": SimpleUploadedFile("s.sta", fixture("mt940.sta")),
        },
    )
    statement_import = StatementImport.objects.get()
    client.post(reverse("banking:import_discard", args=[statement_import.pk]))
    statement_import.refresh_from_db()
    assert statement_import.status == ImportStatus.DISCARDED


def test_profile_copy_and_edit_pages(company, bank_account, client):
    client.force_login(company.finance)
    icbc = ImportProfile.objects.get(code="icbc")
    page = client.get(reverse("banking:profile_edit", args=[icbc.pk])).content.decode()
    assert 'data-testid="copy-form"' in page and 'data-testid="save-profile"' not in page
    response = client.post(
        reverse("banking:profile_copy", args=[icbc.pk]), {"code": "icbc-2", "name": "工行（新版）"}
    )
    copy = ImportProfile.objects.get(code="icbc-2")
    assert response["Location"] == reverse("banking:profile_edit", args=[copy.pk])
    form = {
        "code": "ignored",
        "name": "工行（新版）",
        "file_kind": "csv",
        "header_contains": "交易日期",
        "col_date": "交易日期",
        "col_credit": "收入",
        "col_debit": "支出",
        "col_reference": "摘要; 交易详情",
    }
    saved = client.post(reverse("banking:profile_edit", args=[copy.pk]), form)
    assert saved.status_code == 302
    copy.refresh_from_db()
    assert copy.code == "icbc-2"
    assert copy.columns == {
        "date": "交易日期",
        "credit": "收入",
        "debit": "支出",
        "reference": ["摘要", "交易详情"],
    }
    broken = client.post(reverse("banking:profile_edit", args=[copy.pk]), form | {"col_debit": ""})
    assert "import_profile.columns_invalid" in broken.content.decode()

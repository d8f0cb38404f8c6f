"""Statement import: preview, commit, discard, idempotency, and lines posted by the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cashloop.banking import selectors, services
from cashloop.banking.choices import ImportStatus, LineStatus
from cashloop.banking.models import ImportProfile, StatementImport, StatementLine
from cashloop.banking.parsers import ParsedLine
from cashloop.banking.tests.conftest import fixture
from cashloop.core.errors import DomainError
from tests.factories import UserFactory

API = "/api/v1"


def preview(user, account, name, data=None, **kwargs):  # type: ignore[no-untyped-def]
    return services.statement_import_preview(
        actor=user,
        bank_account_id=account.pk,
        file_name=name,
        data=data if data is not None else fixture(name),
        **kwargs,
    )


def code_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code.code


def test_preview_commit_and_reimport_nothing_twice(company, bank_account):
    first = preview(company.finance, bank_account, "camt053_v02.xml")
    assert first.status == ImportStatus.PREVIEW and first.format == "camt053"
    assert (first.found, first.duplicates, first.errors) == (2, 0, [])
    assert first.balance_difference == 0 and first.file_sha256
    assert StatementLine.objects.count() == 0  # a preview imports nothing
    services.statement_import_commit(actor=company.finance, import_id=first.pk)
    first.refresh_from_db()
    assert (first.status, first.imported) == (ImportStatus.IMPORTED, 2)
    lines = list(StatementLine.objects.order_by("booking_date"))
    assert [line.status for line in lines] == [LineStatus.UNMATCHED, LineStatus.OUTGOING]
    assert lines[0].amount == Decimal("11300.00") and lines[0].statement_import == first
    assert lines[0].payer_name == "上海星河科技有限公司" and lines[0].sequence == 12
    # A second commit of the same import changes nothing.
    services.statement_import_commit(actor=company.finance, import_id=first.pk)
    assert StatementLine.objects.count() == 2
    # The same file again: every line is a duplicate, the import creates nothing.
    again = preview(company.finance, bank_account, "camt053_v02.xml")
    assert (again.found, again.duplicates) == (2, 2)
    services.statement_import_commit(actor=company.finance, import_id=again.pk)
    again.refresh_from_db()
    assert (again.imported, again.duplicates) == (0, 2)
    assert StatementLine.objects.count() == 2


def test_identical_lines_in_one_file_both_import_and_overlaps_do_not(company, bank_account):
    header = (
        "交易日期,记账金额(收入),记账金额(支出),记账币种,对方户名,对方账户,摘要,交易详情,余额\n"
    )
    line = "2026-02-01,100.00,,人民币,上海星河科技有限公司,6222,货款,,\n"
    later = "2026-02-02,50.00,,人民币,杭州明远,6333,货款,,\n"
    one = preview(company.finance, bank_account, "a.csv", (header + line + line).encode())
    services.statement_import_commit(actor=company.finance, import_id=one.pk)
    assert StatementLine.objects.count() == 2
    overlapping = preview(
        company.finance, bank_account, "b.csv", (header + line + line + later).encode()
    )
    assert (overlapping.found, overlapping.duplicates) == (3, 2)
    services.statement_import_commit(actor=company.finance, import_id=overlapping.pk)
    assert StatementLine.objects.count() == 3


def test_icbc_gbk_with_the_account_profile(company, bank_account):
    result = preview(company.finance, bank_account, "icbc_gbk.csv")
    assert (result.format, result.found, result.errors) == ("csv", 3, [])
    assert result.profile.code == "icbc" and result.balance_difference == 0
    shown = selectors.statement_import_preview_lines(statement_import=result)
    assert shown.total == 3 and shown.lines[0].line.payer_name == "上海星河科技有限公司"


def test_errors_refuse_the_file_unless_valid_lines_only(company, bank_account):
    bank_account.open_from = date(2026, 1, 16)
    bank_account.save()
    # camt: the payment of 15 Jan is before the account opened; the fee is fine.
    result = preview(company.finance, bank_account, "camt053_v02.xml")
    assert [(e["line"], e["code"]) for e in result.errors] == [(12, "statement.before_open_from")]
    assert (
        code_of(
            lambda: services.statement_import_commit(actor=company.finance, import_id=result.pk)
        )
        == "statement_import.has_errors"
    )
    assert StatementLine.objects.count() == 0
    services.statement_import_commit(actor=company.finance, import_id=result.pk, valid_only=True)
    assert list(StatementLine.objects.values_list("amount", flat=True)) == [Decimal("-10.00")]


def test_lines_in_another_currency_are_errors(company, bank_account):
    result = preview(company.finance, bank_account, "ofx1.ofx")
    assert {e["code"] for e in result.errors} == {"statement.other_currency"}
    assert [e["line"] for e in result.errors] == [1, 2]
    assert (
        code_of(
            lambda: services.statement_import_commit(
                actor=company.finance, import_id=result.pk, valid_only=True
            )
        )
        == "statement_import.nothing_valid"
    )


def test_unreadable_files_are_refused_and_not_stored(company, bank_account):
    assert (
        code_of(lambda: preview(company.finance, bank_account, "x.bin", b"\x00\x01\x02<"))
        == "statement.unknown_format"
    )
    assert (
        code_of(lambda: preview(company.finance, bank_account, "x.csv", b""))
        == "statement.empty_file"
    )
    assert (
        code_of(lambda: preview(company.finance, bank_account, "icbc_gbk.csv", encoding="utf-8"))
        == "statement.bad_encoding"
    )
    assert StatementImport.objects.count() == 0


def test_discard_and_refusals_after(company, bank_account, django_capture_on_commit_callbacks):
    result = preview(company.finance, bank_account, "mt940.sta")
    stored = result.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.statement_import_discard(actor=company.finance, import_id=result.pk)
    result.refresh_from_db()
    assert result.status == ImportStatus.DISCARDED and not result.file
    assert not result.file.storage.exists(stored)
    assert (
        code_of(
            lambda: services.statement_import_commit(actor=company.finance, import_id=result.pk)
        )
        == "statement_import.not_preview"
    )


def test_inactive_account_and_scope(company, bank_account):
    assert (
        code_of(lambda: preview(company.rep_east, bank_account, "mt940.sta")) == "permission.denied"
    )
    bank_account.active = False
    bank_account.save()
    assert (
        code_of(lambda: preview(company.finance, bank_account, "mt940.sta"))
        == "bank_account.inactive"
    )


def test_fingerprint_is_stable_and_ignores_spelling():
    base = ParsedLine(
        line=1,
        booking_date=date(2026, 1, 5),
        amount=Decimal("100"),
        currency="CNY",
        reference="INV-2026-000001",
        payer_name="A Co",
    )
    same = ParsedLine(
        line=9,
        booking_date=date(2026, 1, 5),
        amount=Decimal("100.00"),
        currency="CNY",
        reference="inv 2026 000001",
        payer_name="a co",
    )
    other = ParsedLine(
        line=2,
        booking_date=date(2026, 1, 5),
        amount=Decimal("100"),
        currency="CNY",
        reference="INV-2026-000002",
        payer_name="A Co",
    )
    (a,) = services.line_fingerprints(1, [base])
    (b,) = services.line_fingerprints(1, [same])
    c, d = services.line_fingerprints(1, [other, other])
    assert a == b and len({a, c, d}) == 3 and len(a) == 64
    assert services.line_fingerprints(2, [base])[0] != a  # per bank account


# --- API -----------------------------------------------------------------------------------


def upload(client, account, name, data=None, **form):  # type: ignore[no-untyped-def]
    payload = {
        "bank_account_id": account.pk,
        **form,
        "file": SimpleUploadedFile(name, data if data is not None else fixture(name)),
    }
    return client.post(f"{API}/statement-imports", payload)


def test_api_preview_commit_and_list(company, bank_account, client):
    client.force_login(company.finance)
    response = upload(client, bank_account, "mt940.sta")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["format"], body["found"], body["balance_difference"]) == ("mt940", 2, "0.00")
    committed = client.post(
        f"{API}/statement-imports/{body['id']}/commit", {}, content_type="application/json"
    )
    assert committed.json()["status"] == "imported" and committed.json()["imported"] == 2
    lines = client.get(f"{API}/statement-lines", {"status": "unmatched"}).json()
    assert lines["count"] == 1 and lines["items"][0]["amount"] == "11300.00"
    assert client.get(f"{API}/statement-lines", {"q": "bank fee"}).json()["count"] == 1
    assert client.get(f"{API}/statement-imports").json()["count"] == 1


@pytest.mark.parametrize(
    ("name", "data", "form", "status", "error"),
    [
        ("x.png", b"\x89PNG\r\n\x1a\n\x00\x00", {}, 422, "statement.unknown_format"),
        (
            "c.xml",
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><a>',
            {},
            422,
            "statement.corrupt",
        ),
        ("icbc_gbk.csv", None, {"encoding": "utf-8"}, 422, "statement.bad_encoding"),
        ("m.csv", "日期,金额\n2026-01-01,1\n".encode(), {}, 422, "statement.missing_columns"),
        ("e.csv", b"", {}, 400, "statement.empty_file"),
        ("icbc_gbk.csv", None, {"encoding": "klingon"}, 422, "statement.unknown_encoding"),
        ("ccb.xls", None, {}, 422, "statement.profile_kind_mismatch"),
    ],
)
def test_api_bad_files_answer_a_code_and_import_nothing(
    company, bank_account, client, name, data, form, status, error
):  # type: ignore[no-untyped-def]
    client.force_login(company.finance)
    response = upload(client, bank_account, name, data, **form)
    assert (response.status_code, response.json()["error"]["code"]) == (status, error)
    assert StatementImport.objects.count() == 0 and StatementLine.objects.count() == 0


def test_api_line_errors_refuse_the_commit(company, bank_account, client):
    client.force_login(company.finance)
    data = (
        "交易日期,记账金额(收入),记账金额(支出),记账币种,对方户名,对方账户,摘要,交易详情,余额\n"
        '2026-02-01,"1,000.00",,人民币,甲,1,货款,,\n'
        "2026-02-02,-5.00,,人民币,乙,2,冲正,,\n"
        "2026-02-03,abc,,人民币,丙,3,货款,,\n"
        "2026-02-04,1.00,,美元,丁,4,货款,,\n"
    ).encode("gb18030")
    body = upload(client, bank_account, "bad.csv", data).json()
    assert [(e["line"], e["code"]) for e in body["errors"]] == [
        (3, "statement.negative_in_credit_column"),
        (4, "statement.bad_amount"),
        (5, "statement.other_currency"),
    ]
    refused = client.post(
        f"{API}/statement-imports/{body['id']}/commit", {}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        422,
        "statement_import.has_errors",
    )
    assert StatementLine.objects.count() == 0
    ok = client.post(
        f"{API}/statement-imports/{body['id']}/commit",
        {"valid_only": True},
        content_type="application/json",
    )
    assert ok.json()["imported"] == 1
    assert StatementLine.objects.get().amount == Decimal("1000.00")


def test_api_post_lines_idempotent(company, bank_account, client):
    client.force_login(company.finance)
    lines = [
        {"booking_date": "2026-03-01", "amount": "500.00", "payer_name": "甲", "bank_ref": "B1"},
        {"booking_date": "2026-03-01", "amount": "-2", "reference": "fee"},
    ]
    body = {"bank_account_id": bank_account.pk, "lines": lines}
    first = client.post(f"{API}/statement-lines", body, content_type="application/json")
    assert first.status_code == 201, first.json()
    assert (first.json()["created"], first.json()["duplicates"]) == (2, 0)
    second = client.post(
        f"{API}/statement-lines",
        {**body, "lines": [*lines, {"booking_date": "2026-03-02", "amount": 7, "bank_ref": "B2"}]},
        content_type="application/json",
    )
    assert second.status_code == 201
    assert [(x["index"], x["created"]) for x in second.json()["lines"]] == [
        (0, False),
        (1, False),
        (2, True),
    ]
    assert second.json()["lines"][0]["line"]["id"] == first.json()["lines"][0]["line"]["id"]
    replay = client.post(f"{API}/statement-lines", body, content_type="application/json")
    assert (replay.status_code, replay.json()["created"]) == (200, 0)
    assert StatementLine.objects.count() == 3
    imported = StatementImport.objects.filter(format="api")
    assert imported.count() == 2


def test_api_post_lines_refuses_bad_lines_whole(company, bank_account, client):
    client.force_login(company.finance)
    bank_account.open_from = date(2026, 1, 1)
    bank_account.save()
    body = {
        "bank_account_id": bank_account.pk,
        "lines": [
            {"booking_date": "2026-03-01", "amount": "1"},
            {"booking_date": "2025-12-31", "amount": "1"},
            {"booking_date": "2026-03-01", "amount": "1", "currency": "USD"},
        ],
    }
    response = client.post(f"{API}/statement-lines", body, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "statement_line.invalid"
    assert [(x["line"], x["code"]) for x in error["details"]["lines"]] == [
        (1, "statement.before_open_from"),
        (2, "statement.other_currency"),
    ]
    assert StatementLine.objects.count() == 0
    empty = client.post(
        f"{API}/statement-lines",
        {"bank_account_id": bank_account.pk, "lines": []},
        content_type="application/json",
    )
    assert empty.status_code == 422


def test_api_preview_with_another_profile_and_the_treasurer_only_reads(
    company, bank_account, client
):  # type: ignore[no-untyped-def]
    client.force_login(company.finance)
    ccb = ImportProfile.objects.get(code="ccb")
    response = upload(client, bank_account, "ccb.xls", profile_id=ccb.pk)
    assert response.status_code == 201, response.json()
    assert (response.json()["format"], response.json()["found"]) == ("excel", 2)
    assert response.json()["profile_id"] == ccb.pk
    treasurer = UserFactory(username="treasurer1", team=None, roles=["treasurer"])
    client.force_login(treasurer)
    assert client.get(f"{API}/statement-imports").json()["count"] == 1
    refused = client.post(
        f"{API}/statement-imports/{response.json()['id']}/commit",
        {},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "permission.denied")
    assert upload(client, bank_account, "mt940.sta").status_code == 403
    assert StatementLine.objects.count() == 0

"""Statement parsers: every format, the project's fixtures and the shared real files."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest

from cashloop.banking.parsers import LineCode, detect_format, parse_statement
from cashloop.banking.parsers.base import parse_amount, parse_date
from cashloop.banking.profiles import _DEFAULTS, BUILTIN_PROFILES
from cashloop.core.errors import DomainError

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "bank"
BUILTIN = {spec["code"]: spec for spec in BUILTIN_PROFILES}


def profile(code: str = "", **changes: Any) -> SimpleNamespace:
    spec = _DEFAULTS | {"name": code or "test", "file_kind": "csv", "columns": {}}
    spec |= BUILTIN.get(code, {})
    return SimpleNamespace(**(spec | changes))


def parse(name: str, prof: SimpleNamespace | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    data = (FIXTURES / name).read_bytes()
    return parse_statement(data, file_name=name, profile=prof, **kwargs)


def refused(code: str, data: bytes, prof: SimpleNamespace | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        parse_statement(data, file_name="x", profile=prof, **kwargs)
    assert caught.value.code.code == code
    return caught.value


CZ = profile(
    decimal_comma=True,
    columns={
        "date": "Datum",
        "amount": "Částka",
        "currency": "Měna",
        "payer_name": "Protistrana",
        "payer_account": "Účet protistrany",
        "reference": "Zpráva",
    },
)


def test_camt053_reads_lines_balances_and_the_payer():
    statement = parse("camt053_v02.xml")
    assert statement.format == "camt053"
    assert statement.account == "CN12CASH0000000000000001"
    assert (statement.opening_balance, statement.closing_balance) == (Decimal(1000), Decimal(12290))
    assert statement.balance_difference == 0
    assert (statement.period_start, statement.period_end) == (date(2026, 1, 1), date(2026, 1, 31))
    first, fee = statement.lines
    assert first.amount == Decimal("11300.00") and first.currency == "CNY"
    assert first.booking_date == date(2026, 1, 15) and first.value_date == date(2026, 1, 16)
    assert first.payer_name == "上海星河科技有限公司"
    assert first.payer_account == "6222021234567890"
    assert first.reference == "货款 INV-2026-000123"
    assert first.bank_ref == "BANKREF-0001"
    assert fee.amount == Decimal("-10.00") and fee.reference == "手续费"
    assert first.line == 12  # the Ntry's line in the file


def test_camt054_v08_structured_remittance():
    statement = parse("camt054_v08.xml")
    assert statement.format == "camt054"
    (line,) = statement.lines
    assert line.payer_name == "杭州明远贸易有限公司"
    assert line.reference == "INV-2026-000200"
    assert statement.balance_difference is None


def test_mt940_and_mt942():
    statement = parse("mt940.sta")
    assert statement.format == "mt940" and statement.currency == "CNY"
    assert [line.amount for line in statement.lines] == [Decimal("11300.00"), Decimal("-10.00")]
    assert statement.balance_difference == 0
    assert statement.lines[0].bank_ref == "BR0001"
    assert "INV-2026-000123" in statement.lines[0].reference
    interim = parse("mt942.sta")
    assert interim.format == "mt942"
    assert interim.lines[0].amount == Decimal("5000.00") and interim.lines[0].line == 6


@pytest.mark.parametrize("name", ["ofx1.ofx", "ofx2.ofx"])
def test_ofx_sgml_and_xml(name: str):
    statement = parse(name)
    assert statement.format == "ofx" and statement.currency == "USD"
    assert statement.account == "4000123"
    assert statement.lines[0].bank_ref.startswith("F-0")
    assert statement.lines[0].amount > 0 and statement.closing_balance is not None


def test_icbc_gbk_csv_with_preamble_footer_and_padding():
    statement = parse("icbc_gbk.csv", profile("icbc"))
    assert statement.encoding == "gb18030"
    assert [line.line for line in statement.lines] == [6, 7, 8]
    assert [line.amount for line in statement.lines] == [
        Decimal("11300.00"),
        Decimal("2000.00"),
        Decimal("-10.00"),
    ]
    first = statement.lines[0]
    assert first.payer_name == "上海星河科技有限公司" and first.currency == "CNY"
    assert first.reference == "货款 INV-2026-000123"
    assert statement.lines[2].payer_account == ""  # "-" is an empty cell
    # The balance column checks the lines: 12,300 after the first, 14,290 after the last.
    assert statement.opening_balance == Decimal("1000.00")
    assert statement.balance_difference == 0


def test_cp852_detected_by_the_profile_headers_and_decimal_commas():
    statement = parse("cz_cp852.csv", CZ)
    assert statement.encoding == "cp852"
    assert statement.lines[0].payer_name == "Dvořák s.r.o."
    assert statement.lines[0].amount == Decimal("1250.50")
    assert statement.lines[1].amount == Decimal("-20.00")


def test_wrong_encoding_chosen_is_refused_with_the_line():
    error = refused(
        "statement.bad_encoding",
        (FIXTURES / "icbc_gbk.csv").read_bytes(),
        profile("icbc"),
        encoding="utf-8",
    )
    assert error.params["line"] == 1


def test_unknown_encoding_name():
    refused("statement.unknown_encoding", b"a,b\n", profile("icbc"), encoding="klingon")


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_debit_credit_columns_and_a_negative_credit():
    data = xlsx(
        [
            ["农业银行账户明细"],
            [],
            ["交易日期", "收入金额", "支出金额", "对方户名", "交易用途"],
            [date(2026, 3, 1), 800, None, "上海星河科技有限公司", "INV-2026-000501"],
            ["2026年3月2日", None, "12.5", "农业银行", "手续费"],
            ["20260303", "-5", None, "某公司", "冲正"],
            ["2026/03/04", "1,000.00", "2.00", "某公司", "两边都有"],
        ]
    )
    prof = profile(
        file_kind="excel",
        header_contains="交易日期",
        columns={
            "date": "交易日期",
            "credit": "收入金额",
            "debit": "支出金额",
            "payer_name": "对方户名",
            "reference": "交易用途",
        },
    )
    statement = parse_statement(data, file_name="abc.xlsx", profile=prof)
    assert statement.format == "excel"
    assert [(line.line, line.amount) for line in statement.lines] == [
        (4, Decimal(800)),
        (5, Decimal("-12.5")),
    ]
    assert statement.lines[1].booking_date == date(2026, 3, 2)
    assert [(e.line, e.code) for e in statement.errors] == [
        (6, LineCode.NEGATIVE_CREDIT),
        (7, LineCode.BOTH_DEBIT_CREDIT),
    ]


def test_bad_amounts_and_dates_are_line_errors():
    data = '日期,金额\n2026-01-05,12x\n2026-13-45,5\n,7\n2026-01-06,\n2026-01-07,"1,5"\n'.encode()
    prof = profile(columns={"date": "日期", "amount": "金额"})
    statement = parse_statement(data, file_name="x.csv", profile=prof)
    assert [(e.line, e.code) for e in statement.errors] == [
        (2, LineCode.BAD_AMOUNT),
        (3, LineCode.BAD_DATE),
        (4, LineCode.NO_DATE),
        (5, LineCode.NO_AMOUNT),
    ]
    # One separator alone is a thousands separator unless the profile says decimal comma.
    assert statement.lines[0].amount == Decimal(15)


def test_missing_mapped_columns_name_them_and_the_header_line():
    data = "银行流水\n日期,摘要\n2026-01-05,x\n".encode()
    error = refused(
        "statement.missing_columns",
        data,
        profile(header_contains="日期", columns={"date": "日期", "amount": "金额"}),
    )
    assert error.params == {"line": 2, "columns": "金额"}


def test_a_mapping_without_amounts_is_refused():
    refused("statement.missing_columns", b"d\n2026-01-01\n", profile(columns={"date": "d"}))


def test_wechat_neutral_rows_move_no_money(tmp_path: Path):
    data = "\n".join(
        [
            "微信支付账单明细,,,,,",
            "交易时间,交易类型,交易对方,商品,收/支,金额(元),交易单号,备注",
            "2026-01-02 10:00:00,转账,上海星河,INV-2026-000601,收入,¥1.00,W1,/",
            "2026-01-02 11:00:00,零钱提现,招商银行,/,/,¥100.00,W2,/",
            "2026-01-03 09:00:00,扫码付款,某店,/,支出,¥3.50,W3,/",
        ]
    ).encode("utf-8-sig")
    statement = parse_statement(data, file_name="w.csv", profile=profile("wechat-pay"))
    assert [(line.amount, line.bank_ref) for line in statement.lines] == [
        (Decimal("1.00"), "W1"),
        (Decimal("-3.50"), "W3"),
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "statement.unknown_format"),
        (b"<?xml version='1.0'?><invoice/>", "statement.unknown_format"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>',
            "statement.corrupt",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really a spreadsheet", "statement.corrupt"),
        (b"PK\x03\x04 truncated zip", "statement.corrupt"),
        (b"   \n", "statement.empty_file"),
    ],
)
def test_unreadable_files(data: bytes, code: str):
    refused(code, data, profile(file_kind="excel", columns={"date": "d", "amount": "a"}))


def test_csv_needs_a_profile():
    refused("statement.profile_required", b"a,b\n1,2\n", None)


def test_detect_format_ignores_the_file_name():
    assert detect_format((FIXTURES / "mt940.sta").read_bytes()) == "mt940"
    assert detect_format((FIXTURES / "ofx2.ofx").read_bytes()) == "ofx"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234.56", "1234.56"),
        ("¥1,234.56", "1234.56"),
        ("(12.00)", "-12.00"),
        ("12.00-", "-12.00"),
        ("+7", "7"),
        ("-1,000", "-1000"),
        ("1'000.5", "1000.5"),
    ],
)
def test_parse_amount(text: str, expected: str):
    assert parse_amount(text) == Decimal(expected)


def test_parse_amount_decimal_comma_and_garbage():
    assert parse_amount("1,5", decimal_comma=True) == Decimal("1.5")
    assert parse_amount("1 234,56", decimal_comma=True) == Decimal("1234.56")
    for bad in ("abc", "1.2.3,4,5", "--", "1e5"):
        with pytest.raises(ValueError):
            parse_amount(bad)


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-31",
        "2026/01/31",
        "20260131",
        "31.01.2026",
        "2026年1月31日",
        "2026-01-31 23:59:59",
        "2026-01-31T08:00:00+08:00",
    ],
)
def test_parse_date(text: str):
    assert parse_date(text) == date(2026, 1, 31)


# The real exports in shared/data/bank (not part of the repository): each must parse.
SHARED_PROFILES = {
    "icbc_debit_v2.csv": profile("icbc"),
    "cmb_debit.csv": profile("cmb"),
    "boc_debit.csv": profile("boc"),
    "ccb_debit.xls": profile("ccb"),
    "wechat.csv": profile("wechat-pay"),
    "oca_sample_statement_en.csv": profile(
        date_format="%m/%d/%Y",
        columns={
            "date": "Date",
            "amount": "Amount",
            "currency": "Currency",
            "payer_name": "Partner Name",
            "payer_account": "Bank Account",
            "reference": "Label",
        },
    ),
}
SHARED_FILES = (
    sorted(p for p in SHARED.glob("*/*") if p.is_file() and p.parent.name != "xsd")
    if SHARED.is_dir()
    else []
)


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent on this machine")
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name)
def test_every_shared_statement_parses(path: Path):
    statement = parse_statement(
        path.read_bytes(), file_name=path.name, profile=SHARED_PROFILES.get(path.name)
    )
    assert statement.lines, path
    assert not statement.errors, statement.errors
    assert all(line.booking_date and line.amount is not None for line in statement.lines)


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent on this machine")
def test_shared_files_cover_every_format():
    formats = {
        parse_statement(
            p.read_bytes(), file_name=p.name, profile=SHARED_PROFILES.get(p.name)
        ).format
        for p in SHARED_FILES
    }
    assert {"camt053", "camt054", "mt940", "ofx", "csv", "excel"} <= formats


def test_xls_with_preamble_date_cells_and_footer():
    statement = parse("ccb.xls", profile("ccb"))
    assert statement.format == "excel"
    assert [(line.line, line.booking_date, line.amount) for line in statement.lines] == [
        (5, date(2026, 1, 15), Decimal("11300.0")),
        (6, date(2026, 1, 20), Decimal("-10.0")),
    ]
    assert statement.lines[0].payer_name == "上海星河科技有限公司"
    assert statement.lines[0].reference == "转账 INV-2026-000123"
    assert statement.opening_balance == Decimal(1000) and statement.balance_difference == 0

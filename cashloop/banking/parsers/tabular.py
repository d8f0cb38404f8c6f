"""CSV and Excel statements, read through an import profile's column mapping.

Banks' exports put a preamble (account, period, who printed it) above the header row and
totals or disclaimers below the lines; they pad cells with spaces and tabs and fill empty
ones with "-" or "/".  The profile says where the header is (`header_contains`), where the
lines end (`footer_contains`), which column holds what, and how amounts are signed: one
signed column, debit and credit columns, or an unsigned amount with a direction column.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

from cashloop.banking.errors import BankingError
from cashloop.banking.parsers.base import (
    LineCode,
    ParsedLine,
    ParsedStatement,
    bad_amount,
    bad_date,
    balance_gap,
    clean,
    currency_code,
    line_error,
    parse_amount,
    parse_date,
)
from cashloop.banking.parsers.encoding import decode
from cashloop.core.errors import DomainError

# The fields a profile maps; the others of a row are kept in `raw` only.
FIELDS = (
    "date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "direction",
    "currency",
    "payer_name",
    "payer_account",
    "reference",
    "balance",
    "bank_id",
)
TEXT_FIELDS = ("payer_name", "payer_account", "reference", "bank_id")


class Profile(Protocol):
    """What the reader needs of an ImportProfile (tests pass plain objects)."""

    name: str
    encoding: str
    delimiter: str
    header_contains: str
    footer_contains: str
    direction_in: str
    direction_out: str
    columns: dict[str, Any]
    date_format: str
    decimal_comma: bool


Row = Sequence[Any]


def header_key(text: Any) -> str:
    """Headers compare without padding, spaces or full-width forms: "金额（元）" = "金额(元)"."""
    return "".join(unicodedata.normalize("NFKC", clean(text)).split()).lower()


def mapped_headers(columns: dict[str, Any], field: str) -> list[str]:
    value = columns.get(field) or []
    return [value] if isinstance(value, str) else [v for v in value if v]


def mapping_problems(columns: dict[str, Any]) -> list[str]:
    """Why a column mapping cannot read a statement; empty when it can."""
    problems = [_("unknown field %(field)s") % {"field": f} for f in columns if f not in FIELDS]
    if not columns.get("date"):
        problems.append(_("no date column"))
    has_amount = bool(columns.get("amount"))
    has_pair = bool(columns.get("debit")) and bool(columns.get("credit"))
    if has_amount == has_pair:
        problems.append(_("map either an amount column or both debit and credit columns"))
    return problems


def read_csv(
    data: bytes, profile: Profile, encoding: str | None
) -> tuple[list[tuple[int, Row]], str]:
    """The file's rows with their line numbers, and the encoding it was read in."""
    expect = [profile.header_contains] + [
        h for f in FIELDS for h in mapped_headers(profile.columns or {}, f)
    ]
    text, used = decode(data, encoding or profile.encoding or None, expect)
    lines = text.splitlines()
    delimiter = profile.delimiter or _guess_delimiter(lines, profile.header_contains)
    rows: list[tuple[int, Row]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DomainError(
            BankingError.CORRUPT, format="CSV", reason=str(exc), line=reader.line_num
        ) from exc
    return rows, used


def _guess_delimiter(lines: list[str], header_contains: str) -> str:
    header = next((line for line in lines if header_contains and header_contains in line), None)
    sample = header or max(
        lines[:30], key=lambda line: sum(line.count(d) for d in ",;\t|"), default=""
    )
    return max(",;\t|", key=sample.count)


def read_excel(data: bytes, file_name: str) -> list[tuple[int, Row]]:
    """The first sheet's rows with their row numbers (.xlsx by openpyxl, .xls by xlrd)."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    return _read_xls(data)


def _read_xlsx(data: bytes) -> list[tuple[int, Row]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a dozen kinds for a damaged zip or XML
        raise DomainError(BankingError.CORRUPT, format="Excel", reason=str(exc), line=0) from exc
    sheet = book.worksheets[0]
    rows: list[tuple[int, Row]] = [
        (number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)
    ]
    book.close()
    return rows


def _read_xls(data: bytes) -> list[tuple[int, Row]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:  # xlrd.XLRDError, struct errors, compound-document errors
        raise DomainError(BankingError.CORRUPT, format="Excel", reason=str(exc), line=0) from exc
    sheet = book.sheet_by_index(0)
    rows: list[tuple[int, Row]] = []
    for index in range(sheet.nrows):
        cells: list[Any] = []
        for cell in sheet.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                cells.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            else:
                cells.append(cell.value)
        rows.append((index + 1, cells))
    return rows


def read_table(
    rows: Iterable[tuple[int, Row]], profile: Profile, *, format: str, encoding: str = ""
) -> ParsedStatement:
    """Lines of a table, read through the profile's mapping."""
    columns = profile.columns or {}
    problems = mapping_problems(columns)
    if problems:
        raise DomainError(BankingError.MISSING_COLUMNS, line=0, columns="; ".join(problems))
    rows = list(rows)
    header_at, index = _find_header(rows, profile, columns)
    statement = ParsedStatement(format=format, encoding=encoding)
    footer = header_key(profile.footer_contains)
    direction_in = _values(profile.direction_in)
    direction_out = _values(profile.direction_out)
    headers = [clean(cell) for cell in rows[header_at][1]]
    last_balance: Decimal | None = None
    first_balance: tuple[Decimal, Decimal] | None = None
    for number, row in rows[header_at + 1 :]:
        cells = list(row)
        if footer and footer in header_key("".join(str(c) for c in cells if c is not None)):
            break
        if not any(clean(cell) for cell in cells):
            continue
        raw = {
            h or str(i): _as_text(c) for i, (h, c) in enumerate(zip(headers, cells, strict=False))
        }

        def cell(field: str, cells: Row = cells) -> Any:
            values = [cells[i] if i < len(cells) else None for i in index.get(field, [])]
            if len(values) == 1:
                return values[0]
            return " ".join(t for t in (clean(v) for v in values) if t)

        if "direction" in index:
            direction = header_key(cell("direction"))
            if direction not in direction_in and direction not in direction_out:
                continue  # 中性交易: a wallet transfer, no money moved on this account
        else:
            direction = ""
        amount = _amount(statement, number, cell, profile, direction in direction_out)
        booked = _date(statement, number, cell("date"), profile, required=True)
        value_date = (
            _date(statement, number, cell("value_date"), profile) if "value_date" in index else None
        )
        if amount is None or booked is None:
            continue
        line = ParsedLine(
            line=number,
            booking_date=booked,
            value_date=value_date,
            amount=amount,
            currency=currency_code(cell("currency")) if "currency" in index else "",
            payer_name=clean(cell("payer_name")),
            payer_account=clean(cell("payer_account")).replace(" ", ""),
            reference=clean(cell("reference")),
            bank_ref=clean(cell("bank_id")),
            raw=raw,
        )
        statement.lines.append(line)
        if "balance" in index:
            # A balance column lets the file be checked like a bank statement: the first
            # row's balance less its amount opened it, the last row's closed it.  Masked or
            # unreadable balances ("xx,yyyy.zz") leave the check undone, not the line.
            try:
                balance = parse_amount(cell("balance"), decimal_comma=profile.decimal_comma)
            except ValueError:
                continue
            first_balance = first_balance or (balance, amount)
            last_balance = balance
    _balances_from_column(statement, first_balance, last_balance)
    if not statement.lines and not statement.errors:
        raise DomainError(BankingError.NO_LINES)
    statement.span_lines()
    return statement


def _balances_from_column(
    statement: ParsedStatement,
    first: tuple[Decimal, Decimal] | None,
    last: Decimal | None,
) -> None:
    if first is None or last is None or statement.errors:
        return
    dates = [line.booking_date for line in statement.lines]
    # Exports list newest first as often as oldest first; the running balance tells which.
    if dates[0] > dates[-1]:
        opening = last - statement.lines[-1].amount
        closing = first[0]
    else:
        opening = first[0] - first[1]
        closing = last
    statement.opening_balance, statement.closing_balance = opening, closing
    statement.balance_difference = balance_gap(opening, statement.lines, closing)


def _values(text: str) -> set[str]:
    return {header_key(v) for v in (text or "").split(",") if v.strip()}


def _as_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return str(parse_amount(value))
    return clean(value)


def _find_header(
    rows: list[tuple[int, Row]], profile: Profile, columns: dict[str, Any]
) -> tuple[int, dict[str, list[int]]]:
    """The header row's position and, per mapped field, the positions of its columns."""
    wanted = {f: [header_key(h) for h in mapped_headers(columns, f)] for f in FIELDS}
    marker = header_key(profile.header_contains)
    candidate = None
    for position, (_number, row) in enumerate(rows[:200]):
        keys = [header_key(cell) for cell in row]
        if marker and not any(marker in key for key in keys):
            continue
        if candidate is None:
            candidate = position
        missing = [h for hs in wanted.values() for h in hs if h not in keys]
        if not missing:
            index = {f: [keys.index(h) for h in hs] for f, hs in wanted.items() if hs}
            return position, index
        if marker:
            break
    line = rows[candidate][0] if candidate is not None else 0
    present = {header_key(cell) for cell in rows[candidate][1]} if candidate is not None else set()
    missing_names = [
        h for f in FIELDS for h in mapped_headers(columns, f) if header_key(h) not in present
    ]
    raise DomainError(BankingError.MISSING_COLUMNS, line=line, columns=", ".join(missing_names))


def _amount(
    statement: ParsedStatement, number: int, cell: Any, profile: Profile, outgoing: bool
) -> Decimal | None:
    columns = profile.columns
    comma = profile.decimal_comma
    if columns.get("amount"):
        value = cell("amount")
        if not clean(value):
            statement.errors.append(
                line_error(number, LineCode.NO_AMOUNT, _("The amount is empty."))
            )
            return None
        try:
            amount = parse_amount(value, decimal_comma=comma)
        except ValueError:
            statement.errors.append(bad_amount(number, value))
            return None
        return -abs(amount) if outgoing else amount
    debit_value, credit_value = cell("debit"), cell("credit")
    try:
        debit = parse_amount(debit_value, decimal_comma=comma) if clean(debit_value) else Decimal(0)
    except ValueError:
        statement.errors.append(bad_amount(number, debit_value))
        return None
    try:
        credit = (
            parse_amount(credit_value, decimal_comma=comma) if clean(credit_value) else Decimal(0)
        )
    except ValueError:
        statement.errors.append(bad_amount(number, credit_value))
        return None
    if credit < 0 or debit < 0:
        statement.errors.append(
            line_error(
                number,
                LineCode.NEGATIVE_CREDIT,
                _("A negative amount (%(value)s) in a column of money in or out only.")
                % {"value": clean(credit_value if credit < 0 else debit_value)},
            )
        )
        return None
    if credit and debit:
        statement.errors.append(
            line_error(
                number, LineCode.BOTH_DEBIT_CREDIT, _("Both money in and money out are filled.")
            )
        )
        return None
    if not credit and not debit:
        statement.errors.append(line_error(number, LineCode.NO_AMOUNT, _("The amount is empty.")))
        return None
    return credit - debit


def _date(
    statement: ParsedStatement, number: int, value: Any, profile: Profile, *, required: bool = False
) -> date | None:
    if not clean(value) and not isinstance(value, date):
        if required:
            statement.errors.append(line_error(number, LineCode.NO_DATE, _("The date is empty.")))
        return None
    try:
        return parse_date(value, date_format=profile.date_format)
    except ValueError:
        statement.errors.append(bad_date(number, value))
        return None

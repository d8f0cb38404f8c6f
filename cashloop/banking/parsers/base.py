"""What every statement parser returns, and the field readers they share.

A parser turns one file into a `ParsedStatement`: the lines it could read and, for each
line it could not, a `ParseError` with the line number in the file and a stable code.  A
file that cannot be read at all (unknown format, corrupt, wrong encoding, mapped columns
missing) raises `DomainError` instead: there is no line to point at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _


class LineCode:
    """Stable codes of one bad line (the file as a whole is fine)."""

    BAD_AMOUNT = "statement.bad_amount"
    NO_AMOUNT = "statement.no_amount"
    NEGATIVE_CREDIT = "statement.negative_in_credit_column"
    BOTH_DEBIT_CREDIT = "statement.both_debit_and_credit"
    BAD_DATE = "statement.bad_date"
    NO_DATE = "statement.no_date"
    BAD_CURRENCY = "statement.bad_currency"
    OTHER_CURRENCY = "statement.other_currency"
    BEFORE_OPEN = "statement.before_open_from"
    BAD_LINE = "statement.bad_line"


@dataclass
class ParseError:
    line: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "message": self.message}


@dataclass
class LineIn:
    """A statement line as the bank reports it, in a file or through a bank connection."""

    booking_date: date
    amount: Decimal
    currency: str = ""
    value_date: date | None = None
    payer_name: str = ""
    payer_account: str = ""
    reference: str = ""
    bank_ref: str = ""
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedLine(LineIn):
    """A line read from a file, with where it stands there (its line, or its position)."""

    line: int = 0


@dataclass
class ParsedStatement:
    format: str
    lines: list[ParsedLine] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    account: str = ""
    currency: str = ""
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    # Files of several statements (MT940 days, camt pages) check each statement's balance
    # on its own lines; the parser sums the differences here.  None: nothing to check.
    balance_difference: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    encoding: str = ""

    def span_lines(self) -> None:
        """Fill the period from the lines when the file states none."""
        dates = [line.booking_date for line in self.lines]
        if dates:
            self.period_start = self.period_start or min(dates)
            self.period_end = self.period_end or max(dates)


def balance_gap(
    opening: Decimal | None, lines: list[ParsedLine], closing: Decimal | None
) -> Decimal | None:
    """Opening plus the lines less closing: zero when the file adds up, None if unstated."""
    if opening is None or closing is None:
        return None
    return opening + sum((line.amount for line in lines), Decimal(0)) - closing


_PLACEHOLDER = "-/—*"


def clean(value: Any) -> str:
    """A cell as text: padding, tabs and the placeholders banks put in empty cells dropped."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").strip(" \t\r\n\"'")
    if text and not text.strip(_PLACEHOLDER):
        return ""
    return text


_CURRENCY_SIGNS = re.compile(r"[¥￥$€£元]|\b(?:CNY|RMB|USD|EUR|HKD|GBP|JPY)\b", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(value: Any, *, decimal_comma: bool = False) -> Decimal:
    """Read an amount as banks write it; raise ValueError if it is none.

    "1,234.56", "1.234,56", "1 234,56", "¥1,234.56", "(1,234.56)", "1234.56-", "+12".
    One separator alone is a thousands separator unless the profile says decimal comma.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        # Excel stores numbers as doubles; the shortest repr is the number the cell shows.
        return Decimal(repr(value))
    text = unicodedata.normalize("NFKC", clean(value))
    text = _CURRENCY_SIGNS.sub("", text).replace(" ", "").replace("'", "").replace("\u00a0", "")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-"):
        negative, text = True, text[:-1]
    if text and text[0] in "+-":
        negative, text = negative ^ (text[0] == "-"), text[1:]
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    else:
        decimal_mark = "," if decimal_comma else "."
    thousands = "." if decimal_mark == "," else ","
    text = text.replace(thousands, "").replace(decimal_mark, ".")
    if not _PLAIN_NUMBER.match(text):
        raise ValueError(value)
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refused it
        raise ValueError(value) from exc
    return -amount if negative else amount


DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y.%m.%d",
    "%d.%m.%Y",
    "%Y年%m月%d日",
    "%d/%m/%Y",
    "%m/%d/%Y",
)
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?.*$")


def parse_date(value: Any, *, date_format: str = "") -> date:
    """Read a date in a common format (or the profile's); raise ValueError if none fits.

    A time after the date ("2019-09-26 12:45:27") is ignored: lines are booked on days.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _TIME_TAIL.sub("", unicodedata.normalize("NFKC", clean(value))).strip()
    if not date_format and len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)  # the common case, ten times faster than strptime
        except ValueError:
            pass
    for fmt in (date_format,) if date_format else DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


CURRENCY_NAMES = {
    "人民币": "CNY",
    "人民币元": "CNY",
    "RMB": "CNY",
    "美元": "USD",
    "美金": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
}


def currency_code(value: Any) -> str:
    """An ISO code from what a bank writes ("人民币", "CNY", "rmb"); "" when blank."""
    text = clean(value).replace(" ", "")
    return CURRENCY_NAMES.get(text.upper(), CURRENCY_NAMES.get(text, text.upper()))


def line_error(line: int, code: str, message: str) -> ParseError:
    return ParseError(line=line, code=code, message=message)


def bad_amount(line: int, value: Any) -> ParseError:
    return line_error(
        line, LineCode.BAD_AMOUNT, _("Not an amount: “%(value)s”.") % {"value": value}
    )


def bad_date(line: int, value: Any) -> ParseError:
    return line_error(line, LineCode.BAD_DATE, _("Not a date: “%(value)s”.") % {"value": value})

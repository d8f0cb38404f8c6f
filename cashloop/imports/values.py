"""Turning one cell into a value of a field, or the reason it cannot be.

A spreadsheet from the old system has dates as text in several formats or as Excel
dates, amounts with currency signs and thousands separators, and codes that Excel
turned into numbers (1001.0).  Each parser takes the cell as read and returns the value,
None for an empty cell, or raises `Problem` with an error code of imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from cashloop.core.errors import DomainError, ErrorCode
from cashloop.imports.errors import ImportsError
from cashloop.imports.reading import FORMULA

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_MONEY_NOISE = re.compile(r"[\s,¥￥$€£]|^CNY|^RMB|元$")


class Problem(Exception):
    """What is wrong with one cell or row: an error code and its message, which is written
    in the language active when `message` is read (see `in_languages`)."""

    def __init__(self, code: ErrorCode, **params: Any) -> None:
        super().__init__(code.code)
        self.code = code
        self.refusal = DomainError(code, **params)

    @property
    def message(self) -> str:
        return self.refusal.message

    @classmethod
    def of(cls, error: DomainError) -> Problem:
        """A service's refusal of the row, as the row's problem."""
        problem = cls(error.code)
        problem.refusal = error
        return problem


class Note:
    """A warning about a row, written in the language active when it is read."""

    def __init__(self, text: Promise, **params: Any) -> None:
        self.text, self.params = text, params

    def __str__(self) -> str:
        return str(self.text) % {
            key: str(value) if isinstance(value, Promise) else value
            for key, value in self.params.items()
        }


def in_languages(message: Callable[[], str]) -> dict[str, str]:
    """The message in every language of the site: a job is checked by one person and read
    by others, each in their own language."""
    found = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found[language] = message()
    return found


def in_language(row: dict[str, Any]) -> str:
    """A stored problem's or warning's message in the active language (rows stored before
    messages were kept in every language have only the checker's)."""
    return row.get("messages", {}).get(translation.get_language(), row["message"])


def _empty(cell: Any) -> bool:
    if cell is FORMULA:
        raise Problem(ImportsError.FORMULA)
    return cell is None or (isinstance(cell, str) and not cell.strip())


def text(cell: Any) -> str | None:
    if _empty(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def decimal(cell: Any) -> Decimal | None:
    if _empty(cell):
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return Decimal(str(cell))
    raw = _MONEY_NOISE.sub("", str(cell).strip())
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Problem(ImportsError.NUMBER) from None
    if not value.is_finite():
        raise Problem(ImportsError.NUMBER)
    return value


def amount(cell: Any) -> Decimal | None:
    value = decimal(cell)
    if value is not None and (value <= 0 or value != value.quantize(Decimal("0.01"))):
        raise Problem(ImportsError.AMOUNT)
    return value


def integer(cell: Any) -> int | None:
    value = decimal(cell)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise Problem(ImportsError.NUMBER)
    return int(value)


def percent(cell: Any) -> Decimal | None:
    """13%, 13 or 0.13 all mean 0.13 (a rate of 1 or less is a fraction already)."""
    if isinstance(cell, str) and cell.strip().endswith("%"):
        value = decimal(cell.strip()[:-1])
        return None if value is None else value / 100
    value = decimal(cell)
    if value is not None and value > 1:
        value /= 100
    return value


def day(cell: Any) -> date | None:
    if _empty(cell):
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    raw = str(cell).strip().split(" ")[0].split("T")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise Problem(ImportsError.DATE)


def choice(
    choices: type[models.TextChoices], *, exclude: tuple[str, ...] = ()
) -> Callable[[Any], str | None]:
    """A parser for one of `choices` but those in `exclude` (values only a workflow may
    set): its stored value, or its label in either language."""
    known: dict[str, str] = {}
    allowed = [value for value in choices.values if value not in exclude]

    def parse(cell: Any) -> str | None:
        value = text(cell)
        if value is None:
            return None
        if not known:
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    known.update({str(label).lower(): key for key, label in choices.choices})
            known.update({key: key for key in choices.values})
        found = known.get(value.lower())
        if found not in allowed:
            raise Problem(ImportsError.CHOICE, choices=", ".join(allowed))
        return found

    return parse

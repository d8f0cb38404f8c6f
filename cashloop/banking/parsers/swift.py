"""SWIFT MT940 statements and MT942 interim reports, read with the `mt-940` library.

A file may hold several statements (one per day, each `:20:` to `-`); the library keeps
only the last one's balances, so each statement is parsed on its own and its balances
checked against its own lines.  German banks' structured `:86:` (?20 ... ?32) sub-fields
come out as purpose, names and IBANs; other banks' `:86:` is the remittance text.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

import mt940
from django.utils.translation import gettext as _

from cashloop.banking.choices import StatementFormat
from cashloop.banking.errors import BankingError
from cashloop.banking.parsers.base import ParsedLine, ParsedStatement, balance_gap
from cashloop.core.errors import DomainError

_STATEMENT_START = re.compile(r"^:20:", re.MULTILINE)
_TAG = re.compile(r"^:(\d{2}[A-Z]?):", re.MULTILINE)


def swift_kind(text: str) -> str | None:
    """mt940 or mt942 when the text is a SWIFT statement."""
    tags = set(_TAG.findall(text[:20000]))
    if "20" not in tags or not tags & {"25", "61"}:
        return None
    if "34F" in tags or "13D" in tags or re.search(r"\{2:[IO]942", text[:200]):
        return StatementFormat.MT942
    return StatementFormat.MT940


def parse_swift(text: str, kind: str, encoding: str) -> ParsedStatement:
    statement = ParsedStatement(format=kind, encoding=encoding)
    starts = [m.start() for m in _STATEMENT_START.finditer(text)] + [len(text)]
    differences: list[Decimal] = []
    for begin, end in pairwise(starts):
        chunk = text[begin:end]
        # Line numbers are the file's: count the lines before this statement.
        offset = text.count("\n", 0, begin)
        try:
            transactions = mt940.models.Transactions()
            transactions.parse(chunk)
        except Exception as exc:  # the library raises bare exceptions for malformed tags
            raise DomainError(
                BankingError.CORRUPT,
                format="SWIFT",
                reason=str(exc) or type(exc).__name__,
                line=offset + 1,
            ) from exc
        data = transactions.data
        statement.account = statement.account or str(data.get("account_identification") or "")
        opening = _balance(data.get("final_opening_balance") or data.get("opening_balance"))
        closing = _balance(data.get("final_closing_balance") or data.get("closing_balance"))
        first = len(statement.lines)
        tag61 = [
            offset + chunk.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"^:61:", chunk, re.MULTILINE)
        ]
        for position, transaction in enumerate(transactions.transactions):
            number = tag61[position] if position < len(tag61) else offset + 1
            statement.lines.append(_line(number, transaction.data))
        gap = balance_gap(opening, statement.lines[first:], closing)
        if gap is not None:
            differences.append(gap)
        if statement.opening_balance is None:
            statement.opening_balance = opening
        if closing is not None:
            statement.closing_balance = closing
        currency = _currency(data)
        statement.currency = statement.currency or currency
    if not statement.lines and statement.opening_balance is None:
        raise DomainError(
            BankingError.CORRUPT, format="SWIFT", reason=_("no statement lines"), line=1
        )
    if differences:
        statement.balance_difference = sum(differences, Decimal(0))
    statement.span_lines()
    return statement


def _balance(balance: Any) -> Decimal | None:
    if balance is None or getattr(balance, "amount", None) is None:
        return None
    return Decimal(balance.amount.amount)


def _currency(data: dict[str, Any]) -> str:
    for key in ("final_opening_balance", "opening_balance", "final_closing_balance"):
        balance = data.get(key)
        if balance is not None and getattr(balance, "amount", None) is not None:
            return str(balance.amount.currency)
    return ""


def _line(number: int, data: dict[str, Any]) -> ParsedLine:
    amount = Decimal(data["amount"].amount)
    details = str(data.get("transaction_details") or "")
    structured = " ".join(
        str(data[key])
        for key in ("purpose", "end_to_end_reference", "additional_purpose")
        if data.get(key)
    )
    reference = " ".join((structured or details.replace("\n", "")).split())
    bank_ref = str(data.get("bank_reference") or "")
    customer_ref = str(data.get("customer_reference") or "")
    entry_date = data.get("entry_date") or data.get("date")
    return ParsedLine(
        line=number,
        booking_date=_plain_date(entry_date),
        value_date=_plain_date(data.get("date")),
        amount=amount,
        currency=str(data.get("currency") or ""),
        payer_name=str(data.get("applicant_name") or data.get("recipient_name") or ""),
        payer_account=str(data.get("applicant_iban") or data.get("applicant_bin") or "").replace(
            " ", ""
        ),
        reference=reference,
        bank_ref=bank_ref if bank_ref.upper() != "NONREF" else "",
        raw={
            key: str(value)
            for key, value in data.items()
            if value not in (None, "") and key not in ("amount",)
        }
        | {"amount": str(amount), "customer_reference": customer_ref},
    )


def _plain_date(value: Any) -> Any:
    # mt-940 returns its own Date subclass; lines hold plain dates.
    return None if value is None else date(value.year, value.month, value.day)

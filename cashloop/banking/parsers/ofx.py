"""OFX statements, 1.x (SGML headers, unclosed tags) and 2.x (XML).

`ofxtools` reads both syntaxes into an element tree; its typed model is too strict for
what banks really send (bank ids longer than the spec allows, elements out of order), so
the fields are taken from the tree here.  OFX states only the closing (ledger) balance,
so there is no balance check.
"""

from __future__ import annotations

import io
import warnings
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ofxtools.Parser import OFXTree

from cashloop.banking.choices import StatementFormat
from cashloop.banking.errors import BankingError
from cashloop.banking.parsers.base import (
    ParsedLine,
    ParsedStatement,
    bad_amount,
    bad_date,
    parse_amount,
    parse_date,
)
from cashloop.core.errors import DomainError


def is_ofx(data: bytes) -> bool:
    head = data[:2048].lstrip().upper()
    return head.startswith(b"OFXHEADER") or b"<?OFX" in head or head.startswith(b"<OFX>")


def parse_ofx(data: bytes) -> ParsedStatement:
    tree = OFXTree()
    try:
        with warnings.catch_warnings():
            # Banks' private tags (<INTU.BID>) are warned about and skipped: fine here.
            warnings.simplefilter("ignore")
            tree.parse(io.BytesIO(data))
    except Exception as exc:  # ofxtools raises ParseError, header errors, ValueError
        raise DomainError(BankingError.CORRUPT, format="OFX", reason=str(exc), line=0) from exc
    root = tree.getroot()
    if root is None:
        raise DomainError(BankingError.CORRUPT, format="OFX", reason=_("no statement"), line=0)
    statement = ParsedStatement(format=StatementFormat.OFX, encoding="ascii")
    for report in list(root.iter("STMTRS")) + list(root.iter("CCSTMTRS")):
        statement.currency = statement.currency or (report.findtext("CURDEF") or "").strip()
        statement.account = (
            statement.account
            or (
                report.findtext("BANKACCTFROM/ACCTID") or report.findtext("CCACCTFROM/ACCTID") or ""
            ).strip()
        )
        closing = report.findtext("LEDGERBAL/BALAMT")
        if closing:
            statement.closing_balance = parse_amount(closing)
        start, end = report.findtext("BANKTRANLIST/DTSTART"), report.findtext("BANKTRANLIST/DTEND")
        if start and end:
            statement.period_start, statement.period_end = _date(start), _date(end)
        for number, transaction in enumerate(report.iter("STMTTRN"), 1):
            line = _line(statement, number, transaction, statement.currency)
            if line:
                statement.lines.append(line)
    if not statement.lines and not statement.errors:
        raise DomainError(BankingError.CORRUPT, format="OFX", reason=_("no statement"), line=0)
    statement.span_lines()
    return statement


def _date(text: str) -> Any:
    # 20090401122017.000[-5:EST]: the day is the first eight digits.
    return parse_date(text.strip()[:8], date_format="%Y%m%d")


def _line(
    statement: ParsedStatement, number: int, element: Any, currency: str
) -> ParsedLine | None:
    fields = {child.tag: (child.text or "").strip() for child in element}
    try:
        amount = parse_amount(fields.get("TRNAMT", ""))
    except ValueError:
        statement.errors.append(bad_amount(number, fields.get("TRNAMT", "")))
        return None
    try:
        booked = _date(fields.get("DTPOSTED", ""))
    except ValueError:
        statement.errors.append(bad_date(number, fields.get("DTPOSTED", "")))
        return None
    value_date = None
    if fields.get("DTAVAIL"):
        try:
            value_date = _date(fields["DTAVAIL"])
        except ValueError:
            value_date = None
    account = element.findtext("BANKACCTTO/ACCTID") or ""
    return ParsedLine(
        # OFX is often one line of SGML: the transaction's position is its line number.
        line=number,
        booking_date=booked,
        value_date=value_date,
        amount=Decimal(amount),
        currency=(element.findtext("CURRENCY/CURSYM") or currency).strip(),
        payer_name=fields.get("NAME", "") or (element.findtext("PAYEE/NAME") or ""),
        payer_account=account.strip(),
        reference=" ".join(t for t in (fields.get("MEMO", ""), fields.get("REFNUM", "")) if t),
        bank_ref=fields.get("FITID", ""),
        raw={k: v for k, v in fields.items() if v},
    )

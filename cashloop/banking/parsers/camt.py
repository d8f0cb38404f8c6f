"""ISO 20022 bank-to-customer statements (camt.053) and notifications (camt.054).

Read with lxml and namespace-agnostic paths: versions .02, .04 and .08 (and the others)
differ in namespace and in a few elements' places, which the paths below try in turn.
Each `Ntry` is one line; its first `TxDtls` gives the counterparty and the remittance
text (an entry that batches several transactions is one movement on the account).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from cashloop.banking.choices import StatementFormat
from cashloop.banking.errors import BankingError
from cashloop.banking.parsers.base import (
    LineCode,
    ParsedLine,
    ParsedStatement,
    bad_amount,
    bad_date,
    balance_gap,
    line_error,
    parse_amount,
    parse_date,
)
from cashloop.core.errors import DomainError

_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.\d{3}\.\d{2}")


def camt_kind(data: bytes) -> str | None:
    """camt053 or camt054 when the file declares one of their namespaces."""
    found = _NAMESPACE.search(data[:4096])
    if not found:
        return None
    return StatementFormat.CAMT053 if found.group(1) == b"camt.053" else StatementFormat.CAMT054


def _strip_namespaces(root: Any) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname


def _text(element: Any, *paths: str) -> str:
    for path in paths:
        found = element.xpath(path)
        for item in found:
            value = item if isinstance(item, str) else item.text
            if value and value.strip():
                return " ".join(value.split())
    return ""


def _signed(element: Any) -> Decimal | None:
    """An Amt with its CdtDbtInd: credit positive, debit negative."""
    text = _text(element, "Amt")
    if not text:
        return None
    amount = parse_amount(text)
    return -amount if _text(element, "CdtDbtInd") == "DBIT" else amount


def parse_camt(data: bytes, kind: str) -> ParsedStatement:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DomainError(
            BankingError.CORRUPT, format="camt", reason=exc.msg, line=exc.lineno or 0
        ) from exc
    _strip_namespaces(root)
    reports = root.xpath("//Stmt | //Ntfctn | //Rpt")
    if not reports:
        raise DomainError(BankingError.CORRUPT, format="camt", reason=_("no statement"), line=0)
    statement = ParsedStatement(format=kind, encoding="utf-8")
    differences: list[Decimal] = []
    for report in reports:
        if not statement.account:
            statement.account = _text(report, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
            statement.currency = _text(report, "Acct/Ccy")
        opening = closing = None
        for balance in report.xpath("Bal"):
            code = _text(balance, "Tp/CdOrPrtry/Cd")
            if code in ("OPBD", "PRCD") and opening is None:
                opening = _signed(balance)
            elif code == "CLBD":
                closing = _signed(balance)
        first = len(statement.lines)
        for entry in report.xpath("Ntry"):
            line = _entry(statement, entry)
            if line:
                statement.lines.append(line)
        gap = balance_gap(opening, statement.lines[first:], closing)
        if gap is not None:
            differences.append(gap)
        if statement.opening_balance is None:
            statement.opening_balance = opening
        statement.closing_balance = closing if closing is not None else statement.closing_balance
        start = _text(report, "FrToDt/FrDtTm", "FrToDt/FrDt")
        end = _text(report, "FrToDt/ToDtTm", "FrToDt/ToDt")
        if start and end:
            statement.period_start = min(filter(None, [statement.period_start, parse_date(start)]))
            statement.period_end = max(filter(None, [statement.period_end, parse_date(end)]))
    if differences and not statement.errors:
        statement.balance_difference = sum(differences, Decimal(0))
    statement.span_lines()
    return statement


def _entry(statement: ParsedStatement, entry: Any) -> ParsedLine | None:
    number = entry.sourceline or 0
    try:
        amount = _signed(entry)
    except ValueError:
        statement.errors.append(bad_amount(number, _text(entry, "Amt")))
        return None
    if amount is None:
        statement.errors.append(line_error(number, LineCode.NO_AMOUNT, _("The amount is empty.")))
        return None
    booked_text = _text(entry, "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm")
    try:
        booked = parse_date(booked_text)
    except ValueError:
        statement.errors.append(bad_date(number, booked_text))
        return None
    value_text = _text(entry, "ValDt/Dt", "ValDt/DtTm")
    details = (entry.xpath("NtryDtls/TxDtls") or [entry])[0]
    # The other party: the debtor of money in, the creditor of money out.
    party = "Dbtr" if amount > 0 else "Cdtr"
    name = _text(
        details,
        f"RltdPties/{party}/Nm",
        f"RltdPties/{party}/Pty/Nm",
        f"RltdPties/Ultmt{party}/Nm",
    )
    account = _text(details, f"RltdPties/{party}Acct/Id/IBAN", f"RltdPties/{party}Acct/Id/Othr/Id")
    reference = " ".join(
        t
        for t in (
            " ".join(details.xpath("RmtInf/Ustrd/text()")),
            " ".join(details.xpath("RmtInf/Strd//Ref/text() | RmtInf/Strd//Nb/text()")),
            _text(entry, "AddtlNtryInf"),
        )
        if t.strip()
    )
    bank_ref = _text(
        entry,
        "AcctSvcrRef",
        "NtryRef",
        "NtryDtls/TxDtls/Refs/AcctSvcrRef",
        "NtryDtls/TxDtls/Refs/EndToEndId",
    )
    raw = {
        "amount": _text(entry, "Amt"),
        "currency": _text(entry, "Amt/@Ccy"),
        "credit_debit": _text(entry, "CdtDbtInd"),
        "booking_date": booked_text,
        "value_date": value_text,
        "bank_transaction_code": _text(entry, "BkTxCd/Domn/Cd", "BkTxCd/Prtry/Cd"),
        "end_to_end_id": _text(details, "Refs/EndToEndId"),
    }
    return ParsedLine(
        line=number,
        booking_date=booked,
        value_date=parse_date(value_text) if value_text else None,
        amount=amount,
        currency=_text(entry, "Amt/@Ccy") or statement.currency,
        payer_name=name,
        payer_account=account.replace(" ", ""),
        reference=" ".join(reference.split()),
        bank_ref=bank_ref if bank_ref.upper() != "NONREF" else "",
        raw={k: v for k, v in raw.items() if v},
    )

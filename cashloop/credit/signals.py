"""Where risk signals come from besides a person: a CSV import now, provider feeds later.

A provider is any object with `key` and `fetch(since)` returning `SignalIn`s; the setting
`CASHLOOP_RISK_SIGNAL_PROVIDERS` lists their dotted paths, and `risk_signals_pull` records
what they return (decision 048).  The CSV reads like bank statements do: any encoding
charset-normalizer recognises, a header row with customer_code, kind, source, date,
severity, description.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cashloop.banking.parsers.encoding import decode
from cashloop.core.errors import DomainError
from cashloop.core.scoping import require
from cashloop.credit.errors import RiskSignalError
from cashloop.credit.models import RiskSignal
from cashloop.credit.services import SignalIn, risk_signals_record
from cashloop.identity.models import User

CSV_COLUMNS = ("customer_code", "kind", "source", "date", "severity", "description")


class RiskSignalProvider(Protocol):
    key: str

    def fetch(self, since: date) -> Iterable[SignalIn]: ...


def providers() -> list[RiskSignalProvider]:
    return [
        import_string(path)() for path in getattr(settings, "CASHLOOP_RISK_SIGNAL_PROVIDERS", ())
    ]


def risk_signals_pull(*, since: date, today: date | None = None) -> int:
    """Record what every configured provider has since `since`; the number recorded."""
    count = 0
    for provider in providers():
        count += len(risk_signals_record(actor=None, signals=provider.fetch(since), today=today))
    return count


def signals_from_csv(data: bytes) -> list[tuple[int, SignalIn]]:
    """The file's signals with their line numbers (the header is line 1)."""
    text, _encoding = decode(data, None, expect=CSV_COLUMNS[:2])
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(
            RiskSignalError.IMPORT_UNREADABLE,
            reason=_("missing columns: %(columns)s") % {"columns": ", ".join(missing)},
        )
    signals: list[tuple[int, SignalIn]] = []
    errors: dict[str, list[str]] = {}
    for number, row in enumerate(reader, 2):
        try:
            on = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            errors[f"row {number}"] = [_("The date must read YYYY-MM-DD.")]
            continue
        signal = SignalIn(
            customer_code=(row["customer_code"] or "").strip(),
            kind=(row["kind"] or "").strip(),
            source=(row["source"] or "").strip(),
            date=on,
            severity=(row["severity"] or "").strip(),
            description=(row.get("description") or "").strip(),
        )
        signals.append((number, signal))
    if errors:
        raise DomainError(RiskSignalError.IMPORT_INVALID, count=len(errors), details=errors)
    return signals


def risk_signals_import(*, actor: User, data: bytes) -> list[RiskSignal]:
    """Import a CSV of signals, all or none; a refused row is named by its line number."""
    require(actor, "add", RiskSignal)  # before the file is read: a refusal says nothing of it
    lines = signals_from_csv(data)
    number = 0

    def fed() -> Iterable[SignalIn]:
        nonlocal number
        for line, signal in lines:
            number = line
            yield signal

    try:
        return risk_signals_record(actor=actor, signals=fed())
    except DomainError as exc:
        # The recording rolled back; say which line of the file it stopped at.
        text = _("Line %(line)s: %(message)s") % {"line": number, "message": exc.message}
        raise DomainError(
            exc.code, text, details={f"row {number}": [exc.message], **exc.details}
        ) from exc

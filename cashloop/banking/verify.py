"""Checks of recognition (认款) for `cashloop verify`.

A recognised line is exactly its live matches; each live match's payment exists, put the
match's amount on the bank account's ledger account and was not voided; an excluded line
has the entry that posted it, for its amount, on its bank account.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cashloop.banking.choices import LineStatus
from cashloop.banking.models import LineMatch, StatementLine
from cashloop.core.verify import LIMIT, MONEY, CheckResult, money_exact, money_sum
from cashloop.ledger.models import JournalLine


def recognised_lines_equal_their_matches() -> CheckResult:
    lines = StatementLine.objects.annotate(
        recognised=money_sum("matches__amount", matches__undone_at__isnull=True)
    )
    result = CheckResult("recognised statement lines = their live matches", checked=lines.count())
    off = lines.filter(
        (Q(status=LineStatus.MATCHED) & ~Q(amount=F("recognised")))
        | (~Q(status=LineStatus.MATCHED) & ~Q(recognised=0))
    )
    for line in off.order_by("pk")[:LIMIT]:
        result.problems.append(
            f"statement line {line.pk} ({line.get_status_display()}): amount {line.amount}, "
            f"live matches {line.recognised}"
        )
    return result


def _on_bank(entry: str, bank_account: str) -> Coalesce:
    """Per outer row, what the entry `entry` put on the ledger account of `bank_account`."""
    rows = (
        JournalLine.objects.filter(entry_id=OuterRef(entry), account_id=OuterRef(bank_account))
        .order_by()
        .values("entry_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    total: Any = Subquery(rows, output_field=MONEY)
    return Coalesce(money_exact(total), Value(0, output_field=MONEY))


def matches_have_their_payments() -> CheckResult:
    matches = LineMatch.objects.filter(undone_at__isnull=True).annotate(
        on_bank=_on_bank("payment__journal_entry_id", "line__bank_account__ledger_account_id"),
    )
    result = CheckResult("live matches = their payments on the bank", checked=matches.count())
    off = matches.filter(
        ~Q(on_bank=F("amount"))
        | Q(payment__voided_on__isnull=False)
        | ~Q(payment__customer_id=F("customer_id"))
    )
    for match in off.select_related("payment").order_by("pk")[:LIMIT]:
        result.problems.append(
            f"match {match.pk} of line {match.line_id}: {match.amount}, payment "
            f"{match.payment.number} put {match.on_bank} on the bank"
            + (", voided" if match.payment.voided_on else "")
        )
    return result


def excluded_lines_have_their_entries() -> CheckResult:
    lines = StatementLine.objects.filter(status=LineStatus.EXCLUDED).annotate(
        on_bank=_on_bank("journal_entry_id", "bank_account__ledger_account_id")
    )
    result = CheckResult("excluded statement lines have their entries", checked=lines.count())
    for line in lines.exclude(on_bank=F("amount")).order_by("pk")[:LIMIT]:
        result.problems.append(
            f"statement line {line.pk}: excluded for {line.amount}, its entry put "
            f"{line.on_bank} on the bank"
        )
    return result


CHECKS = [
    recognised_lines_equal_their_matches,
    matches_have_their_payments,
    excluded_lines_have_their_entries,
]

"""Checks of the ledger for `cashloop verify`: balance, completeness, number gaps."""

from __future__ import annotations

from django.db.models import Count, Q

from cashloop.core.models import Sequence
from cashloop.core.verify import LIMIT, CheckResult, money_sum, sequence_gaps
from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.ledger.services import ENTRY_SERIES


def entries_balance() -> CheckResult:
    """Every entry sums to zero in each currency and in base currency, with 2+ lines."""
    result = CheckResult("journal entries balance", checked=JournalEntry.objects.count())
    off_currency = (
        JournalLine.objects.values("entry__number", "currency")
        .annotate(total=money_sum("amount"))
        .exclude(total=0)
        .order_by("entry__number")
    )
    for row in off_currency[:LIMIT]:
        result.problems.append(
            f"{row['entry__number']}: lines in {row['currency']} sum to {row['total']}"
        )
    off_base = (
        JournalLine.objects.values("entry__number")
        .annotate(total=money_sum("base_amount"))
        .exclude(total=0)
        .order_by("entry__number")
    )
    for row in off_base[:LIMIT]:
        result.problems.append(f"{row['entry__number']}: base amounts sum to {row['total']}")
    thin = (
        JournalEntry.objects.annotate(n=Count("lines"))
        .filter(n__lt=2)
        .values_list("number", flat=True)
    )
    for number in thin[:LIMIT]:
        result.problems.append(f"{number}: fewer than two lines")
    return result


def entry_numbers_gapless() -> CheckResult:
    """Entry numbers run 1..n each year without a gap or a repeat."""
    counters = Sequence.objects.filter(series=ENTRY_SERIES)
    result = CheckResult("journal entry numbers have no gaps", checked=counters.count())
    result.problems += sequence_gaps(ENTRY_SERIES, JournalEntry, "entries")
    return result


def reversals_mirror() -> CheckResult:
    """A reversal's lines are exactly the negation of its original's lines."""
    reversals = JournalEntry.objects.filter(~Q(reverses=None)).select_related("reverses")
    result = CheckResult("reversals mirror their originals", checked=reversals.count())
    for reversal in reversals.iterator():
        mine = sorted(reversal.lines.values_list("account_id", "currency", "amount", "base_amount"))
        theirs = sorted(
            (a, c, -amount, -base)
            for a, c, amount, base in reversal.reverses.lines.values_list(
                "account_id", "currency", "amount", "base_amount"
            )
        )
        if mine != theirs:
            result.problems.append(f"{reversal.number} does not mirror {reversal.reverses.number}")
    return result


CHECKS = [entries_balance, entry_numbers_gapless, reversals_mirror]

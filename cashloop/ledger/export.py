"""Export the journal as a Beancount file (`cashloop export ledger --format beancount`).

The export writes plain text and does not import beancount (a dev dependency, used by the
tests to run `bean-check` on what this module writes).  See
docs/decisions/016-beancount-export.md.

Mapping
-------
* Options: `option "title"` and `option "operating_currency" "<base currency>"`.  No
  `commodity` directives: Beancount does not need them.
* Accounts: the type gives the root (asset -> `Assets`, liability -> `Liabilities`,
  equity -> `Equity`, revenue -> `Income`, expense -> `Expenses`), the code gives one
  component, `C` + the code with every character other than a letter or digit turned
  into `-` (Beancount components start with a capital or a digit and hold letters,
  digits and dashes, no dots): 1122 -> `Assets:C1122`, 2221.01 -> `Liabilities:C2221-01`.
  Two codes that would map to one name (`2221.01` and `2221-01`) are told apart by the
  account's id (`C2221-01-7`).  Every account of the chart, active or not, gets an
  `open` directive dated at the first exported entry's date (1970-01-01 when there is
  none), with its names as metadata (`name`: Chinese, `name_en`: English, `code`).
* Entries: one transaction each, in date order (then id): the date, flag `*`, no payee,
  narration = the entry's memo or else its reason's label; metadata `number`, `reason`
  (the code), `source` (the source document), `reverses` (the number of the entry it
  reverses).
* Lines: one posting each, amounts rounded to the currency's minor unit
  (`core.money.quantize`; storage keeps four decimals).  A base-currency line is written
  as it is.  A foreign-currency line carries a total price in base currency,
  `100.00 USD @@ 720.00 CNY`, so Beancount balances the transaction by weight in base
  currency exactly as Cashloop balances it by `base_amount`; the per-currency balance
  of Cashloop then holds too.  An exchange difference (a foreign line with amount 0 and
  only a base amount) is written in base currency, `Expenses:C6603-01  -20.00 CNY`, with
  the line's currency as posting metadata `line_currency`.  A foreign line whose base
  amount has the other sign than its amount (possible only through rounding) cannot be
  priced with `@@` (prices are positive); it is written as `amount @@ 0 BASE` plus a
  base-currency posting of its base amount on the same account, which keeps both the
  per-currency units and the weights.  A line's customer becomes posting metadata
  `customer: "<code>"`, its memo `memo`.

Entries are streamed with `iterator()` and their lines prefetched per chunk (with the
customer joined), accounts read once: the number of queries does not grow with the
journal.  The export reads the whole ledger with no user: it is an operator's command
(like `cashloop verify`), not a path a user's scope applies to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db.models import Min, Prefetch, QuerySet

from cashloop.core.money import base_currency, quantize
from cashloop.ledger.choices import AccountType
from cashloop.ledger.models import Account, JournalEntry, JournalLine

ROOTS: dict[str, str] = {
    AccountType.ASSET: "Assets",
    AccountType.LIABILITY: "Liabilities",
    AccountType.EQUITY: "Equity",
    AccountType.REVENUE: "Income",
    AccountType.EXPENSE: "Expenses",
}
OPEN_DATE_WHEN_EMPTY = date(1970, 1, 1)
CHUNK_SIZE = 500
_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class ExportSummary:
    accounts: int
    entries: int
    lines: int


def account_component(code: str) -> str:
    """The Beancount name component for an account code: `2221.01` -> `C2221-01`."""
    return "C" + _NOT_NAME_CHARS.sub("-", code.strip())


def account_names(accounts: list[Account]) -> dict[int, str]:
    """Beancount names by account id, distinct even when two codes map to one name."""
    names: dict[int, str] = {}
    taken: dict[str, int] = {}
    for account in sorted(accounts, key=lambda a: (a.code, a.pk)):
        name = f"{ROOTS[account.type]}:{account_component(account.code)}"
        if name in taken:
            name = f"{name}-{account.pk}"
            while name in taken:
                name += "-X"
        taken[name] = account.pk
        names[account.pk] = name
    return names


def quoted(text: str) -> str:
    """A Beancount string literal: one line, backslashes and quotes escaped."""
    one_line = _CONTROL_CHARS.sub(" ", str(text)).strip()
    return '"' + one_line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number(amount: Decimal, currency: str) -> str:
    """The amount rounded to the currency's minor unit, in plain notation."""
    return f"{quantize(amount, currency):f}"


def entries_in_range(
    date_from: date | None = None, date_to: date | None = None
) -> QuerySet[JournalEntry]:
    entries = JournalEntry.objects.all()
    if date_from is not None:
        entries = entries.filter(date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(date__lte=date_to)
    return entries


def _postings(line: JournalLine, account: str, base: str) -> Iterator[str]:
    currency = line.currency
    amount = quantize(line.amount, currency)
    base_amount = quantize(line.base_amount, base)
    meta: list[str] = []
    if currency == base:
        yield f"  {account}  {number(amount, base)} {base}"
    elif amount == 0:
        yield f"  {account}  {number(base_amount, base)} {base}"
        meta.append(f"    line_currency: {quoted(currency)}")
    elif base_amount == 0 or (base_amount > 0) == (amount > 0):
        yield (
            f"  {account}  {number(amount, currency)} {currency}"
            f" @@ {number(abs(base_amount), base)} {base}"
        )
    else:
        zero = number(Decimal(0), base)
        yield f"  {account}  {number(amount, currency)} {currency} @@ {zero} {base}"
        yield f"  {account}  {number(base_amount, base)} {base}"
    if line.customer is not None:
        meta.append(f"    customer: {quoted(line.customer.code)}")
    if line.memo:
        meta.append(f"    memo: {quoted(line.memo)}")
    # Metadata belongs to the posting just above it (the last one yielded).
    yield from meta


def _transaction(entry: JournalEntry, names: dict[int, str], base: str) -> Iterator[str]:
    narration = entry.memo or entry.get_reason_display()
    yield f"{entry.date.isoformat()} * {quoted(narration)}"
    yield f"  number: {quoted(entry.number)}"
    yield f"  reason: {quoted(entry.reason)}"
    if entry.source_repr or entry.source_id:
        yield f"  source: {quoted(entry.source_repr or entry.source_id)}"
    if entry.reverses is not None:
        yield f"  reverses: {quoted(entry.reverses.number)}"
    for line in entry.lines.all():
        yield from _postings(line, names[line.account_id], base)


def beancount_write(
    out: Writable, *, date_from: date | None = None, date_to: date | None = None
) -> ExportSummary:
    """Write the journal (entries dated from `date_from` to `date_to`, inclusive) to `out`."""
    base = base_currency()
    accounts = list(Account.objects.order_by("code", "pk"))
    names = account_names(accounts)
    entries = entries_in_range(date_from, date_to)
    first = entries.aggregate(first=Min("date"))["first"] or OPEN_DATE_WHEN_EMPTY

    out.write(";; The Cashloop journal, written by `cashloop export ledger --format beancount`.\n")
    out.write('option "title" "Cashloop ledger"\n')
    out.write(f'option "operating_currency" {quoted(base)}\n\n')
    for account in accounts:
        out.write(f"{first.isoformat()} open {names[account.pk]}\n")
        out.write(f"  name: {quoted(account.name_zh)}\n")
        out.write(f"  name_en: {quoted(account.name_en)}\n")
        out.write(f"  code: {quoted(account.code)}\n")
    out.write("\n")

    stream = journal_stream(entries)
    entry_count = line_count = 0
    for entry in stream:
        out.write("\n".join(_transaction(entry, names, base)) + "\n\n")
        entry_count += 1
        line_count += len(entry.lines.all())
    return ExportSummary(accounts=len(accounts), entries=entry_count, lines=line_count)


def journal_stream(entries: QuerySet[JournalEntry]) -> Iterator[JournalEntry]:
    """The entries in date order with their lines (and each line's customer) prefetched a
    chunk at a time: the queries do not grow with the journal.  Shared by the exports."""
    lines = JournalLine.objects.select_related("customer").only(
        "entry_id",
        "account_id",
        "currency",
        "amount",
        "base_amount",
        "memo",
        "customer_id",
        "customer__code",
        "customer__name",
    )
    return (
        entries.select_related("reverses")
        .only(
            "number",
            "date",
            "reason",
            "memo",
            "source_id",
            "source_repr",
            "reverses_id",
            "reverses__number",
        )
        .order_by("date", "id")
        .prefetch_related(Prefetch("lines", queryset=lines.order_by("id")))
        .iterator(chunk_size=CHUNK_SIZE)
    )

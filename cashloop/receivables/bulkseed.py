"""Bulk seed: a large, consistent receivables history written straight to the tables.

`cashloop seed --size large` and the aging benchmark need millions of open items and
paid ones; through the services that takes hours (a few statements and a lock per
document).  `Book` makes the same company in minutes: it keeps the running state in
Python and writes the rows in bulk (`core.bulkload.Writer`: COPY on PostgreSQL,
executemany on SQLite).

It writes exactly what the services leave behind, row for row, so that `cashloop verify`
passes on the result (the tests prove it, on both databases):

* `invoice_issue`: the invoice with its line and installments (amounts and base amounts
  split as `_fill` does), a gapless INV number, and the entry Dr AR / Cr revenue + output
  VAT keyed `invoice:{pk}:issue`;
* `payment_create`: the payment with its RCV number and the entry Dr bank / Cr advances
  keyed `payment:{pk}`;
* `allocation_create`: the signed open-item row, the entry Dr advances / Cr AR (with the
  exchange difference of a USD payment at another rate than its invoice's) keyed
  `allocation:{pk}`, and the residuals, unapplied amounts and statuses it moves;
* every entry numbered from the JE counter of its year, its payload hash computed by the
  ledger's own `_payload_hash`, its month's accounting period opened;
* at the end (`finish`), the customer balances, the sequence counters (one past the last
  number used), and on PostgreSQL the id sequences past the explicit ids written.

What it leaves out on purpose: audit rows (seeding is set-up, not somebody's work, as for
bulk-created customers) and idempotency-key rows of API requests (none were made).
The ledger's database guards stay on: lines are checked to balance per entry as they are
copied.  Documents are numbered in the order they are generated, which is the order a
clerk would have entered them; the same seed always makes the same rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from cashloop.core.bulkload import Writer, reset_id_sequences
from cashloop.core.errors import DomainError
from cashloop.core.models import Sequence as Counter
from cashloop.core.money import base_currency, quantize, split
from cashloop.core.seasons import in_spring_festival
from cashloop.core.sequences import NUMBER_WIDTH
from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, PeriodStatus, PostingReason
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import AccountingPeriod, JournalEntry, JournalLine
from cashloop.ledger.services import ENTRY_SERIES, PostingLine, _payload_hash, account_for_role
from cashloop.receivables.choices import DueRule, InvoiceStatus, OpenItemKind
from cashloop.receivables.models import (
    Allocation,
    CustomerBalance,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
)
from cashloop.receivables.seed import USD_RATES
from cashloop.receivables.services import INVOICE_SERIES, PAYMENT_SERIES

# What the large company's history sold, before its sales went through contracts.
PRODUCTS = [
    ("云平台订阅 Cloud platform subscription", "0.06", (2_000, 20_000)),
    ("实施服务 Implementation services", "0.06", (5_000, 60_000)),
    ("硬件设备 Hardware", "0.13", (3_000, 80_000)),
    ("运维支持 Support", "0.06", (1_000, 8_000)),
]

CLOSED_PER_OPEN = 3  # the issue's target: 1,000,000 open items over 3,000,000 paid ones
UNPAID = 0.02  # of the open invoices' installments: never paid, whatever the habit
FLUSH_EVERY = 100_000  # installments held in memory before their rows are written
ONE = Decimal(1)


# The tables a flush writes, in foreign-key order, with the columns of their rows.
TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (JournalEntry, ("id", "number", "date", "reason", "memo", "source_type_id", "source_id",
                    "source_repr", "idempotency_key", "payload_hash", "posted_by_id")),
    (JournalLine, ("entry_id", "account_id", "currency", "amount", "base_amount", "customer_id",
                   "memo")),
    (Invoice, ("id", "customer_id", "number", "status", "currency", "rate", "issue_date",
               "subtotal", "tax_total", "total", "base_total", "residual", "journal_entry_id",
               "created_by_id", "issued_at")),
    (InvoiceLine, ("invoice_id", "position", "description", "quantity", "unit_price",
                   "tax_rate", "net", "tax", "total")),
    (Installment, ("id", "invoice_id", "sequence", "due_rule", "due_days", "due_date", "share",
                   "amount", "base_amount", "residual", "base_residual")),
    (Payment, ("id", "customer_id", "number", "date", "currency", "rate", "amount",
               "base_amount", "unapplied", "base_unapplied", "bank_reference",
               "journal_entry_id", "created_by_id")),
    (Allocation, ("id", "installment_id", "payment_id", "kind", "amount", "base_amount",
                  "payment_base_amount", "date", "journal_entry_id", "created_by_id")),
)  # fmt: skip
EXPLICIT_IDS = (JournalEntry, Invoice, Installment, Payment, Allocation)
LINES = JournalLine._meta.db_table
BALANCE_TRIGGER = "ledger_entry_balanced"  # ledger migration 0002, PostgreSQL only


@dataclass
class _Invoice:
    id: int
    customer_id: int
    currency: str
    rate: Decimal
    number: str
    issue_date: date
    net: Decimal
    tax: Decimal
    total: Decimal
    base_total: Decimal
    entry: int = 0


@dataclass
class _Item:
    id: int
    invoice: _Invoice
    sequence: int
    due_date: date
    amount: Decimal
    base_amount: Decimal
    residual: Decimal
    base_residual: Decimal


@dataclass
class _Payment:
    id: int
    customer_id: int
    currency: str
    rate: Decimal
    number: str
    date: date
    amount: Decimal
    base_amount: Decimal
    unapplied: Decimal
    base_unapplied: Decimal
    reference: str
    entry: int = 0


@dataclass(frozen=True)
class _Habit:
    """How late a customer pays: typically `typical` days (drifting by `drift` days a year,
    so that recent payments say more than old ones), `spread` days either way, once in a
    while (`straggle`) a month or more later still, and later when the Spring Festival
    closes offices."""

    typical: float
    spread: float
    drift: float
    straggle: float

    def late(self, due: date, today: date, rng: random.Random) -> int:
        years = (due - today).days / 365
        days = self.typical + self.drift * years + rng.gauss(0, self.spread)
        if rng.random() < self.straggle:
            days += rng.expovariate(1 / 30)
        if in_spring_festival(due):
            days += rng.uniform(5, 15)
        return round(days)


def _habits(customers: Sequence[tuple[int, str]], rng: random.Random) -> dict[int, _Habit]:
    """Each customer's habit: prompt payers, slow ones and very slow ones."""
    habits = {}
    for customer_id, _currency in customers:
        kind = rng.random()
        if kind < 0.45:
            typical, spread = rng.uniform(-8, 3), rng.uniform(1, 4)
        elif kind < 0.8:
            typical, spread = rng.uniform(5, 25), rng.uniform(3, 10)
        else:
            typical, spread = rng.uniform(25, 60), rng.uniform(8, 20)
        habits[customer_id] = _Habit(
            typical, spread, drift=rng.uniform(-8, 8), straggle=rng.uniform(0.02, 0.15)
        )
    return habits


class Book:
    """A company's receivables history, generated with explicit ids and written in bulk.

    `customers` are (id, currency) pairs of customers that have no receivables yet;
    `actor_id` is the user the documents and entries are recorded as made by (finance).
    """

    def __init__(
        self,
        customers: Sequence[tuple[int, str]],
        *,
        today: date,
        seed: int,
        actor_id: int | None = None,
    ) -> None:
        self.customers = list(customers)
        self.today = today
        self.rng = random.Random(seed)
        self.habits = _habits(self.customers, random.Random(seed + 1))
        self.actor_id = actor_id
        self.base = base_currency()
        self.now = datetime.now(UTC)
        self.accounts = {
            role: account_for_role(role)
            for role in (
                AccountRole.AR,
                AccountRole.REVENUE,
                AccountRole.VAT_OUTPUT,
                AccountRole.BANK,
                AccountRole.ADVANCE,
                AccountRole.FX,
            )
        }
        self.types: dict[type[models.Model], ContentType] = {
            model: ContentType.objects.get_for_model(model)
            for model in (Invoice, Payment, Allocation)
        }
        self.ids: dict[type[models.Model], int] = {}
        self.flushed_entries = 0
        self.counters: dict[tuple[str, int], int] = {}
        self.touched: set[tuple[str, int]] = set()
        self.closed: set[tuple[int, int]] = set()
        self.periods: set[tuple[int, int]] = set()
        # (customer, currency) -> [receivable, advance], as `_balance_add` keeps them
        self.balances: dict[tuple[int, str], list[Decimal]] = {}
        self.rows: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self.written: dict[str, int] = defaultdict(int)

    def _load(self) -> None:
        """Start from what the database holds: the last ids, numbers and balances."""
        self.ids = {model: model.objects.aggregate(n=Max("id"))["n"] or 0 for model in EXPLICIT_IDS}
        self.flushed_entries = self.ids[JournalEntry]
        self.counters = {(c.series, c.year): c.next_value - 1 for c in Counter.objects.all()}
        self.closed = set(
            AccountingPeriod.objects.filter(status=PeriodStatus.CLOSED).values_list("year", "month")
        )
        self.balances = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for b in CustomerBalance.objects.all():
            self.balances[(b.customer_id, b.currency)] = [b.receivable, b.advance]

    # --- what the services do ---------------------------------------------------------

    def _id(self, model: type[models.Model]) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def _number(self, series: str, year: int) -> str:
        key = (series, year)
        self.counters[key] = self.counters.get(key, 0) + 1
        self.touched.add(key)
        return f"{series}-{year}-{self.counters[key]:0{NUMBER_WIDTH}d}"

    def _line(
        self,
        role: AccountRole,
        amount: Decimal,
        currency: str,
        base_amount: Decimal,
        customer_id: int | None = None,
        memo: str = "",
    ) -> PostingLine:
        return PostingLine(self.accounts[role], amount, currency, base_amount, customer_id, memo)

    def _post(
        self,
        *,
        on: date,
        reason: PostingReason,
        source: tuple[type[models.Model], int, str],
        key: str,
        memo: str,
        lines: list[PostingLine],
    ) -> int:
        """`journal_entry_post`: one entry and its lines; returns the entry's id."""
        if (on.year, on.month) in self.closed:
            raise DomainError(LedgerError.PERIOD_CLOSED, period=f"{on.year}-{on.month:02d}")
        model, source_id, source_repr = source
        source_type = self.types[model]
        entry = self._id(JournalEntry)
        digest = _payload_hash(
            entry_date=on,
            reason=str(reason),
            source=(source_type.model, str(source_id)),
            lines=lines,
        )
        self.rows[JournalEntry].append(
            (entry, self._number(ENTRY_SERIES, on.year), on, reason.value, memo[:500],
             source_type.pk, str(source_id), source_repr[:200], key, digest, self.actor_id)
        )  # fmt: skip
        self.rows[JournalLine] += [
            (entry, line.account.pk, line.currency, line.amount, line.base_amount,
             line.customer_id, line.memo)
            for line in lines
        ]  # fmt: skip
        self.periods.add((on.year, on.month))
        return entry

    def _payment(
        self, customer_id: int, currency: str, amount: Decimal, on: date, reference: str = ""
    ) -> _Payment:
        """`payment_create`: Dr bank / Cr advances.  Its row waits for `_payment_row`."""
        rate = self.rng.choice(USD_RATES) if currency != self.base else ONE
        base_amount = quantize(amount * rate, self.base)
        payment = _Payment(
            id=self._id(Payment),
            customer_id=customer_id,
            currency=currency,
            rate=rate,
            number=self._number(PAYMENT_SERIES, on.year),
            date=on,
            amount=amount,
            base_amount=base_amount,
            unapplied=amount,
            base_unapplied=base_amount,
            reference=reference,
        )
        payment.entry = self._post(
            on=on,
            reason=PostingReason.PAYMENT,
            source=(Payment, payment.id, payment.number),
            key=f"payment:{payment.id}",
            memo=payment.number,
            lines=[
                self._line(AccountRole.BANK, amount, currency, base_amount),
                self._line(AccountRole.ADVANCE, -amount, currency, -base_amount, customer_id),
            ],
        )
        self.balances[(customer_id, currency)][1] += amount
        return payment

    def _payment_row(self, p: _Payment) -> None:
        self.rows[Payment].append(
            (p.id, p.customer_id, p.number, p.date, p.currency, p.rate, p.amount, p.base_amount,
             p.unapplied, p.base_unapplied, p.reference, p.entry, self.actor_id)
        )  # fmt: skip

    def _apply(self, source: _Payment, item: _Item, value: Decimal, on: date) -> None:
        """`_apply` of the services: the row, its entry, and what it moves."""
        invoice = item.invoice
        invoice_base = (
            item.base_residual
            if value == item.residual
            else quantize(value * invoice.rate, self.base)
        )
        source_base = (
            source.base_unapplied
            if value == source.unapplied
            else quantize(value * source.rate, self.base)
        )
        row = self._id(Allocation)
        lines = [
            self._line(
                AccountRole.ADVANCE, value, source.currency, source_base, source.customer_id
            ),
            self._line(AccountRole.AR, -value, source.currency, -invoice_base, source.customer_id),
        ]
        if source_base != invoice_base:
            lines.append(
                self._line(
                    AccountRole.FX,
                    Decimal(0),
                    source.currency,
                    invoice_base - source_base,
                    memo="exchange difference",
                )
            )
        entry = self._post(
            on=on,
            reason=PostingReason.ALLOCATION,
            source=(
                Allocation,
                row,
                f"{source.number} → {invoice.number} / {item.sequence}: {value}",
            ),
            key=f"allocation:{row}",
            memo=f"{source.number} → {invoice.number}",
            lines=lines,
        )
        self.rows[Allocation].append(
            (row, item.id, source.id, OpenItemKind.ALLOCATION.value, value, invoice_base,
             source_base, on, entry, self.actor_id)
        )  # fmt: skip
        item.residual -= value
        item.base_residual -= invoice_base
        source.unapplied -= value
        source.base_unapplied -= source_base
        balance = self.balances[(source.customer_id, source.currency)]
        balance[0] -= value
        balance[1] -= value

    def _issue(self, customer_id: int, currency: str, issued: date) -> tuple[_Invoice, list[_Item]]:
        """`invoice_create` + `invoice_issue`: one line, two installments due in 30 and 60
        days, and the entry.  The invoice's own row waits until its payments are known."""
        description, vat, (low, high) = self.rng.choice(PRODUCTS)
        tax_rate = Decimal(vat)
        net = Decimal(self.rng.randint(low * 100, high * 100)).scaleb(-2)
        tax = quantize(net * tax_rate, currency)
        total = net + tax
        rate = self.rng.choice(USD_RATES) if currency != self.base else ONE
        base_total = quantize(total * rate, self.base)
        invoice = _Invoice(
            id=self._id(Invoice),
            customer_id=customer_id,
            currency=currency,
            rate=rate,
            number=self._number(INVOICE_SERIES, issued.year),
            issue_date=issued,
            net=net,
            tax=tax,
            total=total,
            base_total=base_total,
        )
        # In the base currency, splitting the base total by the parts gives the parts back:
        # skip the exact arithmetic (a third of the generator's time) where it is the identity.
        in_base = currency == self.base
        base_net, base_tax = (net, tax) if in_base else split(base_total, [net, tax], self.base)
        lines = [
            self._line(AccountRole.AR, total, currency, base_total, customer_id),
            self._line(AccountRole.REVENUE, -net, currency, -base_net),
        ]
        if tax:
            lines.append(self._line(AccountRole.VAT_OUTPUT, -tax, currency, -base_tax))
        invoice.entry = self._post(
            on=issued,
            reason=PostingReason.INVOICE_ISSUE,
            source=(Invoice, invoice.id, invoice.number),
            key=f"invoice:{invoice.id}:issue",
            memo=invoice.number,
            lines=lines,
        )
        self.balances[(customer_id, currency)][0] += total
        self.rows[InvoiceLine].append(
            (invoice.id, 1, description, ONE, net, tax_rate, net, tax, total)
        )
        amounts = split(total, [ONE, ONE], currency)
        bases = amounts if in_base else split(base_total, amounts, self.base)
        items = [
            _Item(
                id=self._id(Installment),
                invoice=invoice,
                sequence=n,
                due_date=issued + timedelta(days=30 * n),
                amount=amount,
                base_amount=base,
                residual=amount,
                base_residual=base,
            )
            for n, (amount, base) in enumerate(zip(amounts, bases, strict=True), 1)
        ]
        return invoice, items

    # --- the company's history ----------------------------------------------------------

    def invoice(self, *, closed: bool) -> int:
        """One invoice and the payment of what was paid of it; -> its open installments.

        Closed: issued 60 to 1400 days ago and paid in full (a few installments in two
        goes), as late as the customer's habit says (`_Habit.late`).  Open: issued in the
        last 150 days; an installment the habit would have paid by today is paid, the others
        stay open (a third of them partly paid ten days after the invoice date), and a few
        are never paid at all (UNPAID).
        """
        rng = self.rng
        customer_id, currency = rng.choice(self.customers)
        habit = self.habits[customer_id]
        age = rng.randint(60, 1400) if closed else rng.randint(0, 150)
        issued = self.today - timedelta(days=age)
        invoice, items = self._issue(customer_id, currency, issued)
        plan: list[tuple[_Item, Decimal, date]] = []
        for item in items:
            paid_on = item.due_date + timedelta(days=habit.late(item.due_date, self.today, rng))
            if closed or (paid_on <= self.today and rng.random() >= UNPAID):
                paid_on = max(min(paid_on, self.today), issued)
                if rng.random() < 0.15:  # paid in two goes
                    first = quantize(item.amount / 2, currency)
                    plan += [(item, first, paid_on), (item, item.amount - first, paid_on)]
                else:
                    plan.append((item, item.amount, paid_on))
            elif rng.random() < 0.33:  # partly paid
                paid = quantize(item.amount * rng.randint(10, 90) / 100, currency)
                plan.append((item, paid, min(issued + timedelta(days=10), self.today)))
        if plan:
            amount = sum((value for _, value, _ in plan), Decimal(0))
            first_day = min(on for *_, on in plan)
            payment = self._payment(customer_id, currency, amount, first_day, invoice.number)
            for item, value, on in plan:
                self._apply(payment, item, value, on)
            self._payment_row(payment)
        residual = sum((item.residual for item in items), Decimal(0))
        if residual == 0:
            status = InvoiceStatus.PAID
        elif residual < invoice.total:
            status = InvoiceStatus.PARTIALLY_PAID
        else:
            status = InvoiceStatus.ISSUED
        self.rows[Invoice].append(
            (invoice.id, customer_id, invoice.number, status.value, currency, invoice.rate,
             issued, invoice.net, invoice.tax, invoice.total, invoice.base_total, residual,
             invoice.entry, self.actor_id, self.now)
        )  # fmt: skip
        self.rows[Installment] += [
            (item.id, invoice.id, item.sequence, DueRule.DAYS_AFTER.value, 30 * item.sequence,
             item.due_date, ONE, item.amount, item.base_amount, item.residual, item.base_residual)
            for item in items
        ]  # fmt: skip
        return sum(1 for item in items if item.residual)

    def advance(self, customer_id: int, currency: str) -> None:
        """Money received ahead of any invoice in the last 90 days: an unapplied payment."""
        amount = Decimal(self.rng.randint(100, 500_000)).scaleb(-2)
        on = self.today - timedelta(days=self.rng.randint(0, 90))
        self._payment_row(self._payment(customer_id, currency, amount, on))

    def generate(
        self, *, open_items: int, closed_items: int, advance_share: float = 0.05
    ) -> dict[str, int]:
        """Add invoices until `open_items` open and `closed_items` paid installments exist,
        mixed at random, then an advance for `advance_share` of the customers.

        It starts from the ids, numbers and balances in the database; rows are written every
        `FLUSH_EVERY` installments.  Call `finish()` before anything else writes.
        Returns how many rows of each kind were written, and the installments made.
        """
        self._load()
        before = dict(self.written)
        made_open = made_closed = 0
        while made_open < open_items or made_closed < closed_items:
            if made_open < open_items and (
                made_closed >= closed_items
                or self.rng.random() < open_items / (open_items + closed_items)
            ):
                made_open += self.invoice(closed=False)
            else:
                self.invoice(closed=True)
                made_closed += 2
            if len(self.rows[Installment]) >= FLUSH_EVERY:
                self.flush()
        for customer_id, currency in self.customers:
            if self.rng.random() < advance_share:
                self.advance(customer_id, currency)
        self.flush()
        made = {k: v - before.get(k, 0) for k, v in self.written.items()}
        return {**made, "open_installments": made_open, "closed_installments": made_closed}

    # --- writing ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the rows held so far, in foreign-key order, in one transaction."""
        first_entry = self.flushed_entries + 1
        postgres = connection.vendor == "postgresql"
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                # Foreign keys are checked as each COPY ends, not queued by the million until
                # the commit.  The ledger's balance trigger sums an entry once per line; for
                # the load it gives way to one set-based check below, in this transaction
                # (the ALTER locks the table, so no other session ever writes without it).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {LINES} DISABLE TRIGGER {BALANCE_TRIGGER}")
            for model, columns in TABLES:
                rows = self.rows.pop(model, [])
                if rows:
                    self.written[model._meta.model_name or ""] += Writer(model, columns).write(rows)
            self.flushed_entries = self.ids[JournalEntry]
            if postgres:
                self._check_balanced(cursor, first_entry, self.flushed_entries)
                cursor.execute(f"ALTER TABLE {LINES} ENABLE TRIGGER {BALANCE_TRIGGER}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    @staticmethod
    def _check_balanced(cursor: Any, first: int, last: int) -> None:
        """What the balance trigger refuses: an entry whose lines do not sum to zero per
        currency and in base currency."""
        cursor.execute(
            f"SELECT currency, SUM(amount) FROM {LINES} WHERE entry_id BETWEEN %s AND %s"  # noqa: S608
            " GROUP BY entry_id, currency HAVING SUM(amount) <> 0"
            f" UNION ALL SELECT %s, SUM(base_amount) FROM {LINES}"
            " WHERE entry_id BETWEEN %s AND %s GROUP BY entry_id HAVING SUM(base_amount) <> 0"
            " LIMIT 1",
            [first, last, base_currency(), first, last],
        )
        off = cursor.fetchone()
        if off is not None:
            raise DomainError(LedgerError.UNBALANCED, difference=off[1], currency=off[0])

    @transaction.atomic
    def finish(self) -> None:
        """What the services keep beside the rows: balances, counters, periods, id sequences."""
        self.flush()
        # Every balance was read at the start and kept since: rewrite them all at once.
        CustomerBalance.objects.all().delete()
        Writer(CustomerBalance, ["customer_id", "currency", "receivable", "advance"]).write(
            (customer_id, currency, receivable, advance)
            for (customer_id, currency), (receivable, advance) in sorted(self.balances.items())
        )
        for series, year in sorted(self.touched):
            Counter.objects.update_or_create(
                series=series,
                year=year,
                defaults={"next_value": self.counters[(series, year)] + 1},
            )
        self.touched.clear()
        AccountingPeriod.objects.bulk_create(
            [AccountingPeriod(year=year, month=month) for year, month in sorted(self.periods)],
            ignore_conflicts=True,
        )
        reset_id_sequences(*EXPLICIT_IDS, JournalLine, InvoiceLine, CustomerBalance)


def seed_bulk(
    *, rng: random.Random, open_installments: int, today: date | None = None
) -> dict[str, int]:
    """`seed --size large`: the benchmark company's receivables over its active customers.

    `open_installments` open items over `CLOSED_PER_OPEN` times as many paid ones, issued
    and paid by the first finance user.  -> rows written per table (see `Book.generate`).
    """
    customers = list(
        Customer.objects.filter(status=CustomerStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "currency")
    )
    finance = User.objects.filter(roles__code="finance").order_by("pk").first()
    if not customers or finance is None or open_installments <= 0:
        return {}
    book = Book(
        customers,
        today=today or timezone.localdate(),
        seed=rng.randrange(2**32),
        actor_id=finance.pk,
    )
    made = book.generate(
        open_items=open_installments, closed_items=open_installments * CLOSED_PER_OPEN
    )
    book.finish()
    return made

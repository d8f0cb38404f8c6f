"""aging: the AR aging summary (JSON, top 1,000 customers) against a bare SQL GROUP BY.

Subject: GET /api/v1/reports/aging?limit=1000 as a finance user (as of today), through
Django, the scoping, the report's SQL (buckets, advances, top rows, per-currency totals),
the look-up of the shown customers and the response schema.  Baseline: one hand-written
`SELECT customer_id, SUM(CASE …) … GROUP BY customer_id` over the same open items (stored
residuals), fetched whole, no framework.

Data (fixed seed): BENCH_AGING_OPEN open installments (default 100,000; the target size
is 1,000,000 on PostgreSQL), three times as many closed (paid) ones, each closed one with
one or two allocation rows and its payment, a third of the open ones partly paid,
advances for some customers, over BENCH_AGING_CUSTOMERS customers (default 5,000) in CNY
and USD.  The rows are written straight into the tables (COPY on PostgreSQL, executemany
on SQLite): this is report data, consistent for the report, not a ledger (no journal).

Then the paid history is doubled (as many closed installments again) and both are timed
once more: "doubling the paid history adds under 20%" is the target.  Also reported: the
aging as of a past date (which always sums the rows) against the same baseline.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.harness import RESULTS, django_setup, measure

OPEN = int(os.environ.get("BENCH_AGING_OPEN", "100000"))
CUSTOMERS = int(os.environ.get("BENCH_AGING_CUSTOMERS", "5000"))
CLOSED_PER_OPEN = 3
TOP = 1000
CENT = Decimal("0.01")


class Writer:
    """Rows straight into a table: COPY on PostgreSQL, executemany on SQLite.

    Columns not given take the model field's default (or NULL, or now for timestamps).
    """

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        from django.db import connection

        self.connection = connection
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        now = datetime.now(UTC)
        self.fill = []
        for name, f in fields.items():
            if name in columns or (f.primary_key and f.get_internal_type().endswith("AutoField")):
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.get_internal_type() == "DateTimeField":
                value = now
            else:
                value = ""
            self.fill.append((f.column, value))
        self.columns = [fields[c].column for c in columns] + [c for c, _ in self.fill]
        self.defaults = tuple(v for _, v in self.fill)

    def write(self, rows: Iterable[tuple]) -> int:
        from django.db import transaction

        with transaction.atomic():  # one commit, not one per row (SQLite autocommits)
            return self._write(rows)

    def _write(self, rows: Iterable[tuple]) -> int:
        qn = self.connection.ops.quote_name
        table, cols = qn(self.model._meta.db_table), ", ".join(qn(c) for c in self.columns)
        count = 0
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    lines: list[str] = []
                    for row in rows:
                        lines.append("\t".join(map(_text, row + self.defaults)))
                        if len(lines) == 20_000:
                            copy.write("\n".join(lines) + "\n")
                            count += len(lines)
                            lines = []
                    if lines:
                        copy.write("\n".join(lines) + "\n")
                        count += len(lines)
                return count
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(self.columns))})"
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(_sqlite(v) for v in row + self.defaults))
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def _text(value: Any) -> str:
    """A value in COPY's text format (no value here holds a tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _sqlite(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Book:
    """Generates invoices, installments, payments and rows with explicit ids."""

    def __init__(self, customers: list[tuple[int, str]], today: date, seed: int) -> None:
        self.customers = customers
        self.today = today
        self.rng = random.Random(seed)
        self.ids: dict[str, int] = defaultdict(int)
        self.numbers: dict[str, int] = defaultdict(int)
        self.open_residual: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        self.advance: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        self.invoices: list[tuple] = []
        self.installments: list[tuple] = []
        self.payments: list[tuple] = []
        self.allocations: list[tuple] = []

    def next(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def payment(self, customer: int, currency: str, amount: Decimal, on: date) -> int:
        pid = self.next("payment")
        rate = Decimal("7.1") if currency == "USD" else Decimal(1)
        self.payments.append(
            (pid, customer, f"BRCV-{pid:09d}", on, currency, rate, amount, amount * rate)
        )
        return pid

    def invoice(self, *, closed: bool) -> int:
        """One invoice of two installments; returns how many installments are open."""
        rng = self.rng
        customer, currency = rng.choice(self.customers)
        if closed:
            issued = self.today - timedelta(days=rng.randint(60, 1400))
        else:
            issued = self.today - timedelta(days=rng.randint(0, 240))
        parts = [Decimal(rng.randint(1_000, 5_000_000)) * CENT for _ in range(2)]
        total = sum(parts, Decimal(0))
        iid = self.next("invoice")
        rate = Decimal("7.1") if currency == "USD" else Decimal(1)
        status = "paid" if closed else "issued"
        open_items = 0
        residual_total = Decimal(0)
        pay_rows: list[tuple[int, Decimal, date]] = []
        for seq, amount in enumerate(parts, 1):
            due = issued + timedelta(days=30 * seq)
            inst = self.next("installment")
            if closed:
                paid_on = min(due + timedelta(days=rng.randint(-20, 60)), self.today)
                paid_on = max(paid_on, issued)
                if rng.random() < 0.15:  # paid in two goes
                    first = (amount / 2).quantize(CENT)
                    pay_rows += [(inst, first, paid_on), (inst, amount - first, paid_on)]
                else:
                    pay_rows.append((inst, amount, paid_on))
                residual = Decimal(0)
            else:
                residual = amount
                if rng.random() < 0.33:  # partly paid
                    paid = (amount * Decimal(rng.randint(10, 90)) / 100).quantize(CENT)
                    pay_rows.append((inst, paid, min(issued + timedelta(days=10), self.today)))
                    residual = amount - paid
                open_items += 1
                self.open_residual[(customer, currency)] += residual
            residual_total += residual
            self.installments.append(
                (inst, iid, seq, "days_after", 30 * seq, due, amount, amount * rate, residual,
                 residual * rate)
            )  # fmt: skip
        if pay_rows:
            amount = sum((a for _, a, _ in pay_rows), Decimal(0))
            on = min(d for _, _, d in pay_rows)
            pid = self.payment(customer, currency, amount, on)
            for inst, value, on in pay_rows:
                aid = self.next("allocation")
                self.allocations.append(
                    (aid, inst, pid, "allocation", value, value * rate, value * rate, on)
                )
        if not closed and residual_total < total:
            status = "partially_paid"
        self.invoices.append(
            (iid, customer, f"BINV-{iid:09d}", status, currency, rate, issued, total, total,
             total * rate, residual_total, datetime.now(UTC))
        )  # fmt: skip
        return open_items

    def advances(self, share: float) -> None:
        for customer, currency in self.customers:
            if self.rng.random() < share:
                amount = Decimal(self.rng.randint(100, 500_000)) * CENT
                on = self.today - timedelta(days=self.rng.randint(0, 90))
                self.payment(customer, currency, amount, on)
                self.advance[(customer, currency)] += amount

    def flush(self) -> dict[str, int]:
        from cashloop.receivables.models import Allocation, Installment, Invoice, Payment

        written = {
            "invoices": Writer(
                Invoice,
                ["id", "customer_id", "number", "status", "currency", "rate", "issue_date",
                 "subtotal", "total", "base_total", "residual", "issued_at"],
            ).write(self.invoices),
            "installments": Writer(
                Installment,
                ["id", "invoice_id", "sequence", "due_rule", "due_days", "due_date", "amount",
                 "base_amount", "residual", "base_residual"],
            ).write(self.installments),
            "payments": Writer(
                Payment,
                ["id", "customer_id", "number", "date", "currency", "rate", "amount",
                 "base_amount", "unapplied", "base_unapplied"],
            ).write(
                # unapplied = amount for advances, 0 for payments fully applied
                (*p, *((p[6], p[7]) if p[0] in self.unapplied_ids else (Decimal(0),) * 2))
                for p in self.payments
            ),
            "allocations": Writer(
                Allocation,
                ["id", "installment_id", "payment_id", "kind", "amount", "base_amount",
                 "payment_base_amount", "date"],
            ).write(self.allocations),
        }  # fmt: skip
        self.invoices, self.installments, self.payments, self.allocations = [], [], [], []
        return written

    @property
    def unapplied_ids(self) -> set[int]:
        return self._unapplied

    def mark_unapplied(self, ids: set[int]) -> None:
        self._unapplied = ids


def generate(book: Book, *, open_items: int, closed_items: int) -> dict[str, int]:
    """Append invoices until the wanted numbers of open and closed installments exist."""
    made_open = made_closed = 0
    totals: dict[str, int] = defaultdict(int)
    first_payment = book.ids["payment"] + 1
    while made_open < open_items or made_closed < closed_items:
        if made_open < open_items and (
            made_closed >= closed_items
            or book.rng.random() < open_items / (open_items + closed_items)
        ):
            made_open += book.invoice(closed=False)
        else:
            book.invoice(closed=True)
            made_closed += 2
        if len(book.installments) >= 200_000:
            book.mark_unapplied(set())
            for k, v in book.flush().items():
                totals[k] += v
    advance_start = book.ids["payment"] + 1
    book.advances(0.05 if closed_items and open_items else 0)
    book.mark_unapplied(set(range(advance_start, book.ids["payment"] + 1)))
    for k, v in book.flush().items():
        totals[k] += v
    totals["open_installments"] = made_open
    totals["closed_installments"] = made_closed
    totals["first_payment"] = first_payment
    return dict(totals)


def write_balances(book: Book) -> None:
    from cashloop.receivables.models import CustomerBalance

    CustomerBalance.objects.all().delete()
    keys = set(book.open_residual) | set(book.advance)
    Writer(CustomerBalance, ["customer_id", "currency", "receivable", "advance"]).write(
        (c, cur, book.open_residual[(c, cur)], book.advance[(c, cur)]) for c, cur in sorted(keys)
    )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def main() -> None:
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from cashloop.customers.models import Customer
    from cashloop.identity.models import Role, Team, User
    from cashloop.receivables.models import Installment, Invoice

    today = timezone.localdate()
    rng = random.Random(7)
    started = time.perf_counter()
    root = Team.objects.create(name="Bench")
    teams = [Team.objects.create(name=f"Bench {n}", parent=root) for n in range(5)]
    reps = [User.objects.create(username=f"bench{n}", team=rng.choice(teams)) for n in range(50)]
    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    Customer.objects.bulk_create(
        [
            Customer(
                code=f"A{n:06d}",
                name=f"客户 {n}",
                currency="USD" if n % 10 == 0 else "CNY",
                owner=(owner := rng.choice(reps)),
                team_id=owner.team_id,
            )
            for n in range(CUSTOMERS)
        ],
        batch_size=5000,
    )
    customers = list(Customer.objects.values_list("pk", "currency"))
    book = Book(customers, today, seed=42)
    made = generate(book, open_items=OPEN, closed_items=OPEN * CLOSED_PER_OPEN)
    write_balances(book)
    analyze()
    loaded = time.perf_counter() - started
    size = {
        "customers": CUSTOMERS,
        "open_installments": made["open_installments"],
        "closed_installments": made["closed_installments"],
        "installments": Installment.objects.count(),
        "invoices": Invoice.objects.count(),
        "allocation_rows": made.get("allocations", 0),
        "payments": made.get("payments", 0),
        "top": TOP,
        "load_s": round(loaded, 1),
    }
    print(f"aging: data {size}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN"
                " ('shared_buffers', 'work_mem', 'fsync', 'synchronous_commit', 'jit',"
                " 'max_parallel_workers_per_gather') ORDER BY name"
            )
            print("aging: postgres settings", dict(cursor.fetchall()))

    client = Client()
    client.force_login(finance)
    d = today
    bounds = [30, 60, 90, 120]
    qn = connection.ops.quote_name
    inst, inv = qn(Installment._meta.db_table), qn(Invoice._meta.db_table)
    cases = ", ".join(
        ["SUM(CASE WHEN i.due_date >= %s THEN i.residual ELSE 0 END)"]
        + [
            "SUM(CASE WHEN i.due_date < %s AND i.due_date >= %s THEN i.residual ELSE 0 END)"
            for _ in bounds
        ]
        + ["SUM(CASE WHEN i.due_date < %s THEN i.residual ELSE 0 END)", "SUM(i.residual)"]
    )
    lows = [0, *bounds]
    args: list[Any] = [d]
    for low, high in zip(lows, bounds, strict=False):
        args += [d - timedelta(days=low), d - timedelta(days=high)]
    args.append(d - timedelta(days=bounds[-1]))
    args = [connection.ops.adapt_datefield_value(a) for a in args]
    baseline_sql = (
        f"SELECT inv.customer_id, {cases} FROM {inst} i"
        f" INNER JOIN {inv} inv ON inv.id = i.invoice_id"
        " WHERE i.residual <> 0 GROUP BY inv.customer_id"
    )

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, args)
            assert cursor.fetchall()

    def subject() -> None:
        response = client.get("/api/v1/reports/aging", {"limit": TOP})
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["rows"]) == min(TOP, body["row_count"]) and body["from_stored"]

    past = (today - timedelta(days=60)).isoformat()

    def subject_past() -> None:
        response = client.get("/api/v1/reports/aging", {"limit": TOP, "as_of": past})
        assert response.status_code == 200, response.content
        assert not response.json()["from_stored"]

    rows = made["open_installments"]
    first = measure(
        "aging",
        baseline=baseline,
        subject=subject,
        rows=rows,
        size=size,
        target="within 3x; double closed history within 1.2x",
    )
    measure(
        "aging-past-date",
        baseline=baseline,
        subject=subject_past,
        rows=rows,
        size={**size, "as_of": past},
        target="report (a past date sums every row up to it)",
        repeats=3,
    )

    # Double the paid history: as many closed installments again, with their rows.
    started = time.perf_counter()
    more = generate(book, open_items=0, closed_items=OPEN * CLOSED_PER_OPEN)
    write_balances(book)
    analyze()
    doubled = {
        **size,
        "closed_installments": size["closed_installments"] + more["closed_installments"],
        "installments": Installment.objects.count(),
        "invoices": Invoice.objects.count(),
        "allocation_rows": size["allocation_rows"] + more.get("allocations", 0),
        "payments": size["payments"] + more.get("payments", 0),
        "load_s": round(time.perf_counter() - started, 1),
    }
    second = measure(
        "aging-double-history",
        baseline=baseline,
        subject=subject,
        rows=rows,
        size=doubled,
        target="subject within 1.2x of the single-history run",
    )
    growth = {
        "subject_x": round(second["subject_median_s"] / first["subject_median_s"], 2),
        "baseline_x": round(second["baseline_median_s"] / first["baseline_median_s"], 2),
    }
    print(
        f"aging: doubling the paid history multiplies the subject by {growth['subject_x']}"
        f" (baseline by {growth['baseline_x']}); target: under 1.2"
    )
    (RESULTS / f"aging-history-{connection.vendor}.json").write_text(
        json.dumps({"single": size, "double": doubled, **growth}, indent=2)
    )


if __name__ == "__main__":
    main()

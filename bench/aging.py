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
and USD.  The company is made by `cashloop.receivables.bulkseed` (what `cashloop seed
--size large` uses): rows written straight into the tables (COPY on PostgreSQL,
executemany on SQLite) with their journal, so that `cashloop verify` passes on it.

Then the paid history is doubled (as many closed installments again) and both are timed
once more: "doubling the paid history adds under 20%" is the target.  Also reported: the
aging as of a past date (which always sums the rows) against the same baseline.
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import timedelta
from typing import Any

from bench.harness import RESULTS, django_setup, measure

OPEN = int(os.environ.get("BENCH_AGING_OPEN", "100000"))
CUSTOMERS = int(os.environ.get("BENCH_AGING_CUSTOMERS", "5000"))
TOP = 1000


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
    from cashloop.receivables.bulkseed import CLOSED_PER_OPEN, Book
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
    book = Book(customers, today=today, seed=42, actor_id=finance.pk)
    made = book.generate(open_items=OPEN, closed_items=OPEN * CLOSED_PER_OPEN)
    book.finish()
    analyze()
    loaded = time.perf_counter() - started
    size = {
        "customers": CUSTOMERS,
        "open_installments": made["open_installments"],
        "closed_installments": made["closed_installments"],
        "installments": Installment.objects.count(),
        "invoices": Invoice.objects.count(),
        "allocation_rows": made.get("allocation", 0),
        "payments": made.get("payment", 0),
        "journal_entries": made.get("journalentry", 0),
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
    more = book.generate(open_items=0, closed_items=OPEN * CLOSED_PER_OPEN, advance_share=0)
    book.finish()
    analyze()
    doubled = {
        **size,
        "closed_installments": size["closed_installments"] + more["closed_installments"],
        "installments": Installment.objects.count(),
        "invoices": Invoice.objects.count(),
        "allocation_rows": size["allocation_rows"] + more.get("allocation", 0),
        "payments": size["payments"] + more.get("payment", 0),
        "journal_entries": size["journal_entries"] + more.get("journalentry", 0),
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

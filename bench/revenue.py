"""revenue: the revenue report over five years against the bare SQL aggregate.

Subject: GET /api/v1/reports/revenue as a finance user, invoiced by customer by month over
the last five years (60 months) compared with the previous five years and the year
before, top 1,000 rows, through Django, the scoping, the report's SQL (a GROUP BY of
(customer, month) per source over ten years), the folding of months into the three
windows and the series, the customers' names and the response schema.  Baseline: one
hand-written `SELECT customer_id, SUM(net * rate) … GROUP BY customer_id` over the same
invoice lines of the five years, fetched whole, no framework.  Also timed the same way:
the same report without comparisons (reading the five years only, as the baseline does);
recognised revenue by customer group (ledger lines on revenue accounts, the customer of
each found through its entry) against `SUM(-base_amount)` of those lines grouped by the
customer of their entry's receivable line, and invoiced by period (a row per month).

Data (fixed seed): the receivables history of `cashloop.receivables.bulkseed` (what
`cashloop seed --size large` writes), generated twice: once to today and once to two years
ago, so that paid invoices span about five and a half years.  BENCH_REVENUE_OPEN open
installments per pass (default 25,000, with three times as many paid ones) over
BENCH_REVENUE_CUSTOMERS customers (default 10,000, a tenth of the large seed), in 20
customer groups and 8 countries.  The large seed itself (100,000 customers, 1,000,000 open
installments) is a PostgreSQL size; set the two variables to run it there.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from typing import Any

from bench.harness import django_setup, measure

OPEN = int(os.environ.get("BENCH_REVENUE_OPEN", "25000"))
CUSTOMERS = int(os.environ.get("BENCH_REVENUE_CUSTOMERS", "10000"))
COUNTRIES = ("CN", "CN", "CN", "HK", "SG", "DE", "US", "JP")
TOP = 1000


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def main() -> None:
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from cashloop.core.dates import add_months, month_start
    from cashloop.customers.models import Customer, CustomerGroup
    from cashloop.identity.models import Role, Team, User
    from cashloop.ledger.choices import AccountType
    from cashloop.ledger.models import Account, JournalLine
    from cashloop.receivables.bulkseed import CLOSED_PER_OPEN, Book
    from cashloop.receivables.models import Invoice, InvoiceLine

    today = timezone.localdate()
    rng = random.Random(11)
    started = time.perf_counter()
    root = Team.objects.create(name="Bench")
    teams = [Team.objects.create(name=f"Bench {n}", parent=root) for n in range(5)]
    reps = [User.objects.create(username=f"bench{n}", team=rng.choice(teams)) for n in range(50)]
    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    groups = CustomerGroup.objects.bulk_create(
        [CustomerGroup(code=f"G{n:02d}", name=f"客户组 {n}") for n in range(20)]
    )
    Customer.objects.bulk_create(
        [
            Customer(
                code=f"R{n:06d}",
                name=f"客户 {n}",
                currency="USD" if n % 10 == 0 else "CNY",
                owner=(owner := rng.choice(reps)),
                team_id=owner.team_id,
                group=rng.choice(groups) if n % 3 else None,
                country=rng.choice(COUNTRIES),
            )
            for n in range(CUSTOMERS)
        ],
        batch_size=5000,
    )
    customers = list(Customer.objects.values_list("pk", "currency"))
    made: dict[str, int] = {}
    for n, until in enumerate((today - timedelta(days=730), today)):
        book = Book(customers, today=until, seed=42 + n, actor_id=finance.pk)
        for name, count in book.generate(
            open_items=OPEN, closed_items=OPEN * CLOSED_PER_OPEN
        ).items():
            made[name] = made.get(name, 0) + count
        book.finish()
    analyze()
    start = add_months(month_start(today), -59)
    size = {
        "customers": CUSTOMERS,
        "invoices": Invoice.objects.count(),
        "invoices_in_window": Invoice.objects.filter(issue_date__gte=start).count(),
        "journal_lines": JournalLine.objects.count(),
        "first_invoice": str(
            Invoice.objects.order_by("issue_date").values_list("issue_date", flat=True).first()
        ),
        "window": f"{start} to {today}, 60 months, against the 60 before and the year before",
        "load_s": round(time.perf_counter() - started, 1),
    }
    print(f"revenue: data {size}")

    client = Client()
    client.force_login(finance)
    qn = connection.ops.quote_name
    lines, invoices = qn(InvoiceLine._meta.db_table), qn(Invoice._meta.db_table)
    journal = qn(JournalLine._meta.db_table)
    day = connection.ops.adapt_datefield_value
    bounds = [day(start), day(today)]
    invoiced_sql = (
        f"SELECT inv.customer_id, SUM(l.net * inv.rate) FROM {lines} l"
        f" INNER JOIN {invoices} inv ON inv.id = l.invoice_id"
        " WHERE inv.status NOT IN ('draft', 'cancelled') AND inv.issue_date BETWEEN %s AND %s"
        " GROUP BY inv.customer_id"
    )
    revenue_accounts = list(
        Account.objects.filter(type=AccountType.REVENUE).values_list("pk", flat=True)
    )
    marks = ", ".join(["%s"] * len(revenue_accounts))
    recognised_sql = (
        f"SELECT c.group_id, SUM(-r.base_amount) FROM {journal} r"
        f" INNER JOIN {journal} ar ON ar.entry_id = r.entry_id AND ar.customer_id IS NOT NULL"
        f" INNER JOIN {qn(Customer._meta.db_table)} c ON c.id = ar.customer_id"
        f" INNER JOIN {qn('ledger_journalentry')} e ON e.id = r.entry_id"
        f" WHERE r.account_id IN ({marks}) AND e.date BETWEEN %s AND %s GROUP BY c.group_id"
    )

    def bare(sql: str, args: list[Any]) -> Any:
        def run() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                assert cursor.fetchall()

        return run

    def report(**query: Any) -> Any:
        def run() -> None:
            response = client.get(
                "/api/v1/reports/revenue",
                {"from": start.isoformat(), "to": today.isoformat(), "limit": TOP, **query},
            )
            assert response.status_code == 200, response.content
            assert response.json()["rows"]

        return run

    rows = size["invoices_in_window"]
    measure(
        "revenue",
        baseline=bare(invoiced_sql, bounds),
        subject=report(measure="invoiced", dimension="customer"),
        rows=rows,
        size=size,
        target="report (issue #10: ratio to the bare SQL aggregate)",
    )
    measure(
        "revenue-no-compare",
        baseline=bare(invoiced_sql, bounds),
        subject=report(measure="invoiced", dimension="customer", compare="none"),
        rows=rows,
        size=size,
        target="report (the same five years only, like the baseline)",
        repeats=3,
    )
    measure(
        "revenue-by-period",
        baseline=bare(invoiced_sql, bounds),
        subject=report(measure="invoiced", dimension="period"),
        rows=rows,
        size=size,
        target="report",
        repeats=3,
    )
    measure(
        "revenue-recognised",
        baseline=bare(recognised_sql, [*revenue_accounts, *bounds]),
        subject=report(measure="recognised", dimension="customer_group"),
        rows=rows,
        size=size,
        target="report",
        repeats=3,
    )


if __name__ == "__main__":
    main()

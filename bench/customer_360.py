"""customer-360: the customer 360 page against a bare SQL fetch of the same customer's rows.

Subject: GET /customers/{id}/ (the page, rendered, through Django's test Client) as an
admin, for the BENCH_360_PAGES customers (default 50) with the most rows (interactions +
opportunities + invoices + payments).  The page's money panel loads in a request of its
own (HTMX) and is not part of it.  Baseline: for the same customers, a raw cursor fetching
what the page shows: the customer with owner and team, its contacts, the latest 20
interactions, opportunities, invoices (open first) and payments with the count of each,
and its balances; no framework, no aggregates.  Also printed: the SQL queries one page
and one GET /api/v1/customers/{id}/overview make (the same for every customer).

Data (fixed seed): `cashloop seed --size large` scaled by BENCH_360_CUSTOMERS (default
5,000), BENCH_360_OPPORTUNITIES (15,000), BENCH_360_INTERACTIONS (50,000) and
BENCH_360_OPEN_INSTALLMENTS (20,000 open, three times as many paid); the issue's full
size is 100,000 / 300,000 / 1,000,000 / 1,000,000 on PostgreSQL.  The seed's time is
printed too.
"""

from __future__ import annotations

import os
import time

from bench.harness import django_setup, measure

SIZE = {
    "customers": int(os.environ.get("BENCH_360_CUSTOMERS", "5000")),
    "opportunities": int(os.environ.get("BENCH_360_OPPORTUNITIES", "15000")),
    "interactions": int(os.environ.get("BENCH_360_INTERACTIONS", "50000")),
    "open_installments": int(os.environ.get("BENCH_360_OPEN_INSTALLMENTS", "20000")),
}
PAGES = int(os.environ.get("BENCH_360_PAGES", "50"))
SHOWN = 20  # rows per section, as customers.overview.LIST_SIZE

BUSIEST = """
SELECT c.id FROM customers_customer c
LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM customers_interaction GROUP BY customer_id) i
  ON i.customer_id = c.id
LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM sales_opportunity GROUP BY customer_id) o
  ON o.customer_id = c.id
LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM receivables_invoice GROUP BY customer_id) v
  ON v.customer_id = c.id
LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM receivables_payment GROUP BY customer_id) p
  ON p.customer_id = c.id
ORDER BY COALESCE(i.n, 0) + COALESCE(o.n, 0) + COALESCE(v.n, 0) + COALESCE(p.n, 0) DESC, c.id
LIMIT %s
"""

# What the page shows of one customer, as bare SQL: (statement, fetch all?).
ROWS = [
    "SELECT c.id, c.code, c.name, c.legal_name, c.tax_id, c.currency, c.status,"
    " c.last_interaction_at, u.username, t.name FROM customers_customer c"
    " LEFT JOIN identity_user u ON u.id = c.owner_id LEFT JOIN identity_team t ON t.id = c.team_id"
    " WHERE c.id = %(c)s",
    "SELECT id, name, title, phone, email FROM customers_contact WHERE customer_id = %(c)s"
    " ORDER BY name, id LIMIT 20",
    "SELECT i.id, i.kind, i.occurred_at, i.summary, i.next_step, i.next_step_date,"
    " i.next_step_done, u.username, COUNT(*) OVER () FROM customers_interaction i"
    " JOIN identity_user u ON u.id = i.author_id WHERE i.customer_id = %(c)s"
    " ORDER BY i.occurred_at DESC, i.id DESC LIMIT 20",
    "SELECT o.id, o.name, o.currency, o.amount, o.expected_close_date, o.status, s.name,"
    " COUNT(*) OVER () FROM sales_opportunity o JOIN sales_stage s ON s.id = o.stage_id"
    " WHERE o.customer_id = %(c)s"
    " ORDER BY CASE WHEN o.status = 'open' THEN 0 ELSE 1 END, o.expected_close_date, o.id"
    " LIMIT 20",
    "SELECT id, number, status, currency, issue_date, total, residual, COUNT(*) OVER ()"
    " FROM receivables_invoice WHERE customer_id = %(c)s AND status <> 'cancelled'"
    " ORDER BY CASE WHEN status IN ('issued', 'partially_paid') THEN 0 ELSE 1 END,"
    " issue_date DESC, id DESC LIMIT 20",
    "SELECT id, number, date, currency, amount, unapplied, COUNT(*) OVER ()"
    " FROM receivables_payment WHERE customer_id = %(c)s ORDER BY date DESC, id DESC LIMIT 20",
    "SELECT currency, receivable, advance FROM receivables_customerbalance"
    " WHERE customer_id = %(c)s ORDER BY currency",
]


def main() -> None:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cashloop.identity.models import Role, User

    started = time.perf_counter()
    call_command(
        "seed",
        "--size=large",
        "--seed=360",
        f"--customers={SIZE['customers']}",
        f"--opportunities={SIZE['opportunities']}",
        f"--interactions={SIZE['interactions']}",
        f"--open-installments={SIZE['open_installments']}",
    )
    seed_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(BUSIEST, [PAGES])
        busiest = [row[0] for row in cursor.fetchall()]
    admin = User.objects.create(username="bench-admin")
    admin.roles.set(Role.objects.filter(code="admin"))
    client = Client()
    client.force_login(admin)

    def baseline() -> None:
        with connection.cursor() as cursor:
            for customer_id in busiest:
                for sql in ROWS:
                    cursor.execute(sql, {"c": customer_id})
                    cursor.fetchall()

    def subject() -> None:
        for customer_id in busiest:
            response = client.get(f"/customers/{customer_id}/")
            assert response.status_code == 200, response.status_code

    with CaptureQueriesContext(connection) as page:
        client.get(f"/customers/{busiest[0]}/")
    with CaptureQueriesContext(connection) as api:
        client.get(f"/api/v1/customers/{busiest[0]}/overview")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_interaction WHERE customer_id = %s",
                       [busiest[0]])  # fmt: skip
        top_interactions = cursor.fetchone()[0]
    print(
        f"customer-360     seeded {SIZE} in {seed_s:.1f}s; the busiest customer has"
        f" {top_interactions} interactions; queries: page {len(page.captured_queries)},"
        f" API {len(api.captured_queries)}"
    )
    measure(
        "customer-360",
        baseline=baseline,
        subject=subject,
        rows=len(busiest),
        size={
            **SIZE,
            "pages": len(busiest),
            "seed_s": round(seed_s, 1),
            "page_queries": len(page.captured_queries),
            "api_queries": len(api.captured_queries),
        },
        target="report the ratio (issue #4); queries bounded",
    )


if __name__ == "__main__":
    main()

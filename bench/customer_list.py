"""customer-list: the scoped customer list API (one page of 50) against the bare SQL.

Subject: GET /api/v1/customers?limit=50 as a team-scoped sales manager, through Django,
the scoping selector and the response schema.  Baseline: the same rows and count read
with one hand-written SQL query each, no framework.  Size: 20,000 customers, 5 teams.
"""

from __future__ import annotations

import random

from bench.harness import django_setup, measure

CUSTOMERS = 20_000


def main() -> None:
    django_setup()
    from django.db import connection
    from django.test import Client

    from cashloop.customers.models import Customer
    from cashloop.identity.models import Role, Team, User

    rng = random.Random(42)
    root = Team.objects.create(name="Bench")
    teams = [Team.objects.create(name=f"Bench {n}", parent=root) for n in range(5)]
    reps = [User.objects.create(username=f"bench{n}", team=rng.choice(teams)) for n in range(50)]
    manager = User.objects.create(username="bench-manager", team=teams[0])
    manager.roles.set(Role.objects.filter(code="sales_manager"))
    Customer.objects.bulk_create(
        [
            Customer(
                code=f"B{n:06d}",
                name=f"客户 {n}",
                currency="CNY",
                owner=(owner := rng.choice(reps)),
                team_id=owner.team_id,
            )
            for n in range(CUSTOMERS)
        ],
        batch_size=2000,
    )
    client = Client()
    client.force_login(manager)
    team_ids = manager.scope_team_ids()
    placeholders = ",".join(["%s"] * len(team_ids))
    where = f"(c.team_id IN ({placeholders}) OR c.owner_id = %s)"
    params = [*team_ids, manager.pk]

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM customers_customer c WHERE {where}", params)
            cursor.fetchone()
            cursor.execute(
                "SELECT c.id, c.code, c.name, c.currency, c.status, u.username"
                " FROM customers_customer c LEFT JOIN identity_user u ON u.id = c.owner_id"
                f" WHERE {where} ORDER BY c.code LIMIT 50",
                params,
            )
            cursor.fetchall()

    def subject() -> None:
        response = client.get("/api/v1/customers", {"limit": 50})
        assert response.status_code == 200, response.content
        assert len(response.json()["items"]) == 50

    measure(
        "customer-list",
        baseline=baseline,
        subject=subject,
        rows=50,
        size={"customers": CUSTOMERS, "page": 50},
        target="report (issue #2 names none)",
    )


if __name__ == "__main__":
    main()

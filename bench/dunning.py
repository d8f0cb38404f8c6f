"""dunning: the daily dunning run against a bare SQL selection of the overdue installments
with their policy level.

Subject: `dunning_run(send=True)` for today — the plan (candidate installments with their
customer, policy and what was done before, contacts) and its writes (one log row per
customer, one item per installment, collection tasks, audit rows) and the foreign-key
checks its commit would run — inside a transaction rolled back after each timing, so that
every repeat does the same work.  Also timed: the preview (`send=False`, same
computation, nothing written), and a second run of the same day after a real one, which
must do nothing.  Baselines, hand-written SQL, no framework:
BENCHMARKS.md's `INSERT … SELECT` of the candidate set (the open overdue installments of
issued invoices with their customer and the level each reached, a CASE over the policy's
three levels) into a table shaped like the log items, rolled back like the subject; and
the issue's bare `SELECT` of the same rows, fetched whole ("-select" figures).

Data (fixed seed) from `cashloop.receivables.bulkseed` (what `cashloop seed --size large`
uses): BENCH_DUNNING_OPEN open installments (default 20,000; the issue's size is
1,000,000 over 100,000 customers on PostgreSQL) over BENCH_DUNNING_CUSTOMERS customers
(default 2,000), each with a contact's email, as many paid ones, one default policy with
levels at +1, +15 (a task) and +30 days.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

from bench.harness import django_setup, measure

OPEN = int(os.environ.get("BENCH_DUNNING_OPEN", "20000"))
CUSTOMERS = int(os.environ.get("BENCH_DUNNING_CUSTOMERS", "2000"))


def main() -> None:
    django_setup()
    from django.db import connection, transaction
    from django.test import override_settings

    # The run queues its reminders for the worker, which renders and sends them: that is
    # not the run's time, so here they stay queued instead of running at once.
    override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ).enable()
    from django.utils import timezone

    from cashloop.collections.models import DunningLevel, DunningLog
    from cashloop.collections.services import LevelInput, dunning_policy_save, dunning_run
    from cashloop.customers.models import Contact, Customer
    from cashloop.identity.models import Role, Team, User
    from cashloop.receivables.bulkseed import Book
    from cashloop.receivables.models import Installment, Invoice

    today = timezone.localdate()
    rng = random.Random(7)
    started = time.perf_counter()
    team = Team.objects.create(name="Bench")
    reps = [User.objects.create(username=f"bench{n}", team=team) for n in range(20)]
    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    Customer.objects.bulk_create(
        [
            Customer(code=f"D{n:06d}", name=f"客户 {n}", currency="CNY", owner=rng.choice(reps))
            for n in range(CUSTOMERS)
        ],
        batch_size=5000,
    )
    # Every customer has a contact with an email: each log joins one.
    Contact.objects.bulk_create(
        [
            Contact(customer_id=pk, name="会计", email=f"ap{pk}@example.com")
            for pk in Customer.objects.values_list("pk", flat=True)
        ],
        batch_size=5000,
    )
    book = Book(
        list(Customer.objects.values_list("pk", "currency")),
        today=today,
        seed=42,
        actor_id=finance.pk,
    )
    made = book.generate(open_items=OPEN, closed_items=OPEN)
    book.finish()
    policy = dunning_policy_save(
        actor=finance,
        name="Bench",
        is_default=True,
        levels=[
            LevelInput(name="First", days_overdue=1),
            LevelInput(name="Second", days_overdue=15, create_task=True),
            LevelInput(name="Third", days_overdue=30),
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    size = {
        "customers": CUSTOMERS,
        "open_installments": made["open_installments"],
        "installments": Installment.objects.count(),
        "levels": 3,
        "load_s": round(time.perf_counter() - started, 1),
    }
    print(f"dunning: data {size}")

    qn = connection.ops.quote_name
    inst, inv = qn(Installment._meta.db_table), qn(Invoice._meta.db_table)
    levels = list(DunningLevel.objects.filter(policy=policy).order_by("-days_overdue"))
    cases = " ".join("WHEN i.due_date <= %s THEN %s" for _ in levels)
    args: list[object] = []
    for level in levels:
        args += [
            connection.ops.adapt_datefield_value(today - timedelta(days=level.days_overdue)),
            level.days_overdue,
        ]
    earliest = connection.ops.adapt_datefield_value(
        today - timedelta(days=min(lv.days_overdue for lv in levels))
    )
    baseline_sql = (
        f"SELECT i.id, inv.customer_id, i.residual, CASE {cases} END FROM {inst} i"
        f" INNER JOIN {inv} inv ON inv.id = i.invoice_id"
        " WHERE i.residual > 0 AND inv.status IN ('issued', 'partially_paid')"
        " AND i.due_date <= %s"
    )

    def select() -> None:
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, [*args, earliest])
            assert cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE dunning_baseline (installment_id bigint, customer_id bigint,"
            " residual numeric(20, 4), level_days integer)"
        )

    def committed() -> None:
        """What the commit would do, done before the rollback: PostgreSQL checks the
        deferred foreign keys of every row written then (SQLite as it writes each row)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def baseline() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO dunning_baseline {baseline_sql}", [*args, earliest])
            assert cursor.rowcount
            committed()
            transaction.set_rollback(True)

    def subject() -> None:
        with transaction.atomic():
            result = dunning_run(actor=finance, today=today, send=True)
            assert result.logs
            committed()
            transaction.set_rollback(True)

    def preview() -> None:
        assert dunning_run(actor=finance, today=today, send=False).customers

    rows = made["open_installments"]
    figures = (
        ("dunning", baseline, subject, "within 5x; second run same day does nothing"),
        (
            "dunning-select",
            select,
            subject,
            "report (the issue's ratio: against a bare SELECT of the candidates)",
        ),
        ("dunning-preview", select, preview, "report (the run's computation without its writes)"),
    )
    for name, base, timed, target in figures:
        measure(name, baseline=base, subject=timed, rows=rows, size=size, target=target, repeats=3)
    first = dunning_run(actor=finance, today=today, send=True)
    started = time.perf_counter()
    again = dunning_run(actor=finance, today=today, send=True)
    second_s = time.perf_counter() - started
    assert again.logs == 0 and not again.customers
    print(
        f"dunning: the real run wrote {first.logs} logs ({first.installments} installments,"
        f" {first.tasks} tasks); a second run the same day took {second_s:.3f}s and did"
        f" nothing ({DunningLog.objects.count()} logs in all)"
    )


if __name__ == "__main__":
    main()

"""dunning: the daily dunning run against a bare SQL selection of the overdue installments
with their policy level.

Subject: `dunning_run(send=True)` for today — the plan (candidate installments with their
customer, policy and what was done before, contacts) and its writes (one log row per
customer, one item per installment, collection tasks, audit rows) and the foreign-key
checks its commit would run — inside a transaction rolled back after each timing, so that
every repeat does the same work.  Also timed: the preview (`send=False`, same
computation, nothing written) whole, as the API gives it, and as the page reads it (the
first customers only), a second run of the same day after a real one, which
must do nothing, and the next day's run, which acts only on what crossed a level since.

Baselines, hand-written SQL, no framework: BENCHMARKS.md's `INSERT … SELECT` of the
candidate set (the open overdue installments of issued invoices with their customer and
the level each reached, a CASE over the policy's three levels) into a bare table with the
items' columns and indexes, one row per item with the customer in place of the log, rolled
back like the subject and with its commit's work done too (decision 072); the same `INSERT
… SELECT` into a temporary table without indexes, which skips the WAL and the index writes
any durable item needs ("-scratch", the baseline until decision 072); and the issue's bare
`SELECT` of the same rows, fetched whole ("-select").

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
from collections.abc import Callable
from datetime import timedelta
from typing import Any

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

    from cashloop.collections.models import DunningLevel, DunningLog, DunningLogItem
    from cashloop.collections.services import LevelInput, dunning_policy_save, dunning_run
    from cashloop.collections.views import PREVIEW_ROWS
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
    candidates = (
        f" FROM {inst} i INNER JOIN {inv} inv ON inv.id = i.invoice_id"
        " WHERE i.residual > 0 AND inv.status IN ('issued', 'partially_paid')"
        " AND i.due_date <= %s"
    )
    baseline_sql = f"SELECT i.id, inv.customer_id, i.residual, CASE {cases} END {candidates}"
    postgres = connection.vendor == "postgresql"
    days = (
        "%s - i.due_date" if postgres else "CAST(julianday(%s) - julianday(i.due_date) AS integer)"
    )
    items_sql = (
        "INSERT INTO dunning_baseline_item"
        " (log_id, installment_id, days_overdue, level_days, residual)"
        f" SELECT inv.customer_id, i.id, {days}, CASE {cases} END, i.residual {candidates}"
    )
    items_args = [connection.ops.adapt_datefield_value(today), *args, earliest]
    # The items' table as it is (no foreign keys, decision 071): its columns and indexes.
    item_table = DunningLogItem._meta.db_table
    identity = (
        "bigint GENERATED BY DEFAULT AS IDENTITY" if postgres else "integer"
    ) + " PRIMARY KEY"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE dunning_baseline_item (id {identity}, log_id bigint NOT NULL,"
            " installment_id bigint NOT NULL, days_overdue smallint NOT NULL,"
            " level_days smallint NOT NULL, residual numeric(19, 4) NOT NULL,"
            " CONSTRAINT dunning_baseline_item_once UNIQUE (installment_id, level_days))"
        )
        cursor.execute("CREATE INDEX dunning_baseline_item_log ON dunning_baseline_item (log_id)")
        assert _indexes(cursor, "dunning_baseline_item") == _indexes(cursor, item_table)

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

    def inserting(sql: str, params: list[object]) -> Callable[[], None]:
        def insert() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                assert cursor.rowcount
                committed()
                transaction.set_rollback(True)

        return insert

    baseline = inserting(items_sql, items_args)
    scratch = inserting(f"INSERT INTO dunning_baseline {baseline_sql}", [*args, earliest])

    def subject() -> None:
        with transaction.atomic():
            result = dunning_run(actor=finance, today=today, send=True)
            assert result.logs
            committed()
            transaction.set_rollback(True)

    def preview() -> None:
        assert dunning_run(actor=finance, today=today, send=False).customers

    def preview_page() -> None:
        assert dunning_run(actor=finance, today=today, send=False, limit=PREVIEW_ROWS).customers

    rows = made["open_installments"]
    figures = (
        ("dunning", baseline, subject, "within 5x; second run same day does nothing"),
        (
            "dunning-scratch",
            scratch,
            subject,
            "report (against a temporary table without indexes, the baseline before decision 072)",
        ),
        (
            "dunning-select",
            select,
            subject,
            "report (the issue's ratio: against a bare SELECT of the candidates)",
        ),
        ("dunning-preview", select, preview, "report (the run's computation without its writes)"),
        (
            "dunning-preview-page",
            select,
            preview_page,
            "report (the page's preview: every customer counted, a screenful read into plans)",
        ),
    )
    try:
        for name, base, timed, target in figures:
            measure(
                name, baseline=base, subject=timed, rows=rows, size=size, target=target, repeats=3
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE dunning_baseline_item")
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
    # The day after, only what crossed a level since is new (rolled back, commit counted).
    started = time.perf_counter()
    with transaction.atomic():
        after = dunning_run(actor=finance, today=today + timedelta(days=1), send=True)
        committed()
        transaction.set_rollback(True)
    print(
        f"dunning: the next day's run took {time.perf_counter() - started:.3f}s and wrote"
        f" {after.logs} logs ({after.installments} installments, {after.tasks} tasks)"
    )


def _indexes(cursor: Any, table: str) -> list[tuple[tuple[str, ...], bool]]:
    """A table's indexes by their columns and uniqueness, primary key included."""
    from django.db import connection

    constraints = connection.introspection.get_constraints(cursor, table).values()
    return sorted(
        (tuple(found["columns"]), bool(found["unique"] or found["primary_key"]))
        for found in constraints
        if found["index"] or found["unique"] or found["primary_key"]
    )


if __name__ == "__main__":
    main()

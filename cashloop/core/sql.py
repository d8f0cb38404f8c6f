"""SQL that Django's ORM does not write, for SQLite and PostgreSQL alike: whole days between
two dates, `INSERT … SELECT` from a queryset, a temporary table made from one, and a
transaction without PostgreSQL's JIT compiler.

Set-based writes (the daily dunning run, decision 047) build their rows as a `values()`
queryset and let the database insert them, instead of reading every row into Python and
writing it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Func, IntegerField


class DaysBetween(Func):
    """`later - earlier` in whole days, for two date expressions."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        # PostgreSQL: date - date is an integer number of days.
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
        )


def insert_select(
    model: type[models.Model], fields: Sequence[str], rows: models.QuerySet[Any, Any]
) -> int:
    """`INSERT INTO <model> (<fields>) <rows>`: `rows` is a `values()` queryset whose columns
    are, in order, the values of `fields`.  No signals, no `auto_now`, no primary keys back:
    callers find what they inserted by what they wrote.  Returns the number of rows."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)  # type: ignore[union-attr, arg-type]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount


def analyze(*tables: type[models.Model]) -> None:
    """Refresh PostgreSQL's statistics of `tables` (sampled: cheap even on large tables),
    for a set-based write that is about to read rows it or a rolled-back attempt has just
    changed in bulk: with stale figures the planner may take a large table for empty and
    scan it once per row of the outer query.  Nothing to do on SQLite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@contextmanager
def temporary_table(name: str, rows: models.QuerySet[Any, Any]) -> Iterator[str]:
    """`rows` (a `values()` queryset) computed once into a temporary table, named `name` and
    with `rows`' column names, for the statements of the block to read instead of computing
    the query again each.  Yields the quoted name; the table is dropped after the block (on
    an error, with the transaction that made it: a failed PostgreSQL transaction runs no
    more statements).  It is not analysed: the planner sizes a table never analysed by its
    pages, all that statements reading it whole need (their plans were the same), and
    sampling it cost the dunning run (decision 047) a twentieth of its time."""
    table = connection.ops.quote_name(name)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}", params)
    yield table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")


@contextmanager
def without_jit() -> Iterator[None]:
    """A transaction (or savepoint) in which PostgreSQL compiles no query to machine code.

    The planner compiles a query whose estimated cost passes `jit_above_cost`, and a
    correlated subquery over a large table (the dunning run's "done" lookup, decision 047)
    passes it by far even where every probe is one index read.  Compiling that query cost
    about 0.6 s per process (the leader and two workers) for a statement that runs in 0.2 s
    at 200,000 candidates; the compiled code saves nothing on joins and index probes.
    Nothing to do on SQLite."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield

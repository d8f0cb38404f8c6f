"""Bulk loading: rows straight into tables, ids chosen up front.

Seeding a benchmark company writes millions of rows; through the ORM's `bulk_create`
that takes most of an hour, through COPY minutes.  Every app's bulk seed (receivables'
`Book`, the opportunities of sales, the interactions of customers) writes with `Writer`
and numbers its rows with `IdBlock`, then calls `reset_id_sequences` so that the next
row the application inserts takes the next free id on PostgreSQL.

Services that write many rows while others work (a migration's opening invoices, their
entries and audit rows, decision 070) use `insert_many` instead: the same COPY, with ids
taken from the table's own id sequence (`ids_reserve`), so that no concurrent insert can
take them.  Most of `bulk_create`'s time is Python compiling one parameter per value;
COPY hands the values to psycopg, which formats them in C.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max


class Writer:
    """Rows straight into a table: COPY on PostgreSQL, executemany on SQLite.

    Columns not given take the model field's default (or NULL, or now for timestamps).
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        now = datetime.now(UTC)
        fill = []
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
            fill.append((f.column, _json(f, value)))
        self.fields = [fields[c] for c in columns]
        self.columns = [str(f.column) for f in self.fields] + [str(c) for c, _ in fill]
        self.defaults = tuple(v for _, v in fill)

    def write_instances(self, instances: Iterable[models.Model]) -> int:
        """Unsaved model instances (ids set where the columns name them) as rows."""
        return self.write(
            tuple(_json(f, getattr(obj, f.attname)) for f in self.fields) for obj in instances
        )

    def write(self, rows: Iterable[tuple]) -> int:
        # One commit, not one per row (SQLite autocommits), and no savepoint of its own
        # inside a caller's transaction; errors as Django's, so that callers catch an
        # `IntegrityError` whichever way the rows went in.
        with transaction.atomic(savepoint=False), connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                return self._copy(rows)
            return self._insert(rows)

    def _copy(self, rows: Iterable[tuple]) -> int:
        qn = connection.ops.quote_name
        table, cols = qn(self.model._meta.db_table), ", ".join(qn(c) for c in self.columns)
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row + self.defaults)  # psycopg formats and escapes (in C)
                count += 1
        return count

    def _insert(self, rows: Iterable[tuple]) -> int:
        qn = connection.ops.quote_name
        table, cols = qn(self.model._meta.db_table), ", ".join(qn(c) for c in self.columns)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(self.columns))})"  # noqa: S608
        count = 0
        batch: list[tuple] = []
        with connection.cursor() as cursor:
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


def _json(field: models.Field, value: Any) -> Any:
    """A value as both databases take it in a bulk row: JSON as text, choices as values."""
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, cls=field.encoder)
    return value.value if isinstance(value, Enum) else value


def _sqlite(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class IdBlock:
    """Explicit ids for the rows of one table, starting after the highest one there is."""

    def __init__(self, model: type[models.Model]) -> None:
        self.last = model._default_manager.aggregate(n=Max("pk"))["n"] or 0

    def next(self) -> int:
        self.last += 1
        return self.last


def reset_id_sequences(*tables: type[models.Model]) -> None:
    """Move PostgreSQL's id sequences past the explicit ids written (SQLite needs nothing)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(tables)):
            cursor.execute(sql)


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` new ids of `model`'s table, taken from its id sequence in one statement.

    PostgreSQL: `nextval` of the identity column's sequence, which no other transaction
    will hand out again.  SQLite: Django's ids are AUTOINCREMENT, so `sqlite_sequence`
    holds the highest id ever given; moving it on by `count` takes the database's write
    lock, which is held until commit, and the next insert continues after the block.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s RETURNING seq",
            [count, table],
        )
        row = cursor.fetchone()
        if row is None:  # no insert into the table yet: the highest id is 0
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, count]
            )
        last = row[0] if row else count
    return list(range(last - count + 1, last + 1))


def insert_many(instances: Sequence[models.Model]) -> None:
    """`bulk_create` of unsaved instances of one model, by COPY on PostgreSQL.

    Instances without an id get one from `ids_reserve`; `auto_now` fields are filled as
    `save` fills them.  Like `bulk_create`, no `save()` or signal runs.
    """
    if not instances:
        return
    model = type(instances[0])
    missing = [obj for obj in instances if obj.pk is None]
    for obj, new_id in zip(missing, ids_reserve(model, len(missing)), strict=True):
        obj.pk = new_id
    fields = model._meta.concrete_fields
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in instances:
        # Foreign keys set as objects before those objects had ids.
        obj._prepare_related_fields_for_save(operation_name="insert_many")  # type: ignore[attr-defined]
        for f in stamped:
            f.pre_save(obj, add=True)
        obj._state.adding = False
        obj._state.db = connection.alias
    Writer(model, [f.attname for f in fields]).write_instances(instances)

"""Set different values on many rows in one statement: `WITH v AS (VALUES …) UPDATE … FROM v`.

Django's `bulk_update` writes a `CASE WHEN id = … THEN …` per row and field and spends
most of a batch building those expressions: issuing a thousand invoices spent more time
there than in everything else.  `UPDATE … FROM` is in PostgreSQL and in SQLite since 3.33
(Python's bundled SQLite is newer), so one short statement serves both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

CHUNK = 500


def rows_update(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """For each row `(pk, value, …)` set the `fields` of that record to the values.

    Values pass through each field's own conversion (`get_db_prep_save`) as `save()` does;
    there are no signals and no `auto_now`: callers set timestamps themselves.
    """
    meta = model._meta
    columns: list[models.Field[Any, Any]] = [meta.pk]
    for name in fields:
        field = meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{name} is not a column of {meta.label}")
        columns.append(field)
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # VALUES of bare parameters are text or numeric to PostgreSQL; say the real types.
        row_sql = ", ".join(f"CAST(%s AS {field.cast_db_type(connection)})" for field in columns)
    else:
        row_sql = ", ".join(["%s"] * len(columns))
    names = ", ".join(f"c{n}" for n in range(len(columns)))
    sets = ", ".join(f"{qn(str(field.column))} = v.c{n}" for n, field in enumerate(columns) if n)
    table, pk = qn(meta.db_table), qn(str(meta.pk.column))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join([f"({row_sql})"] * len(chunk))
            params = [
                field.get_db_prep_save(value, connection)
                for row in chunk
                for field, value in zip(columns, row, strict=True)
            ]
            # Only quoted names from the model's meta are formatted in; values are parameters.
            sql = f"WITH v ({names}) AS (VALUES {values}) UPDATE {table} SET {sets} FROM v"  # noqa: S608
            cursor.execute(f"{sql} WHERE {table}.{pk} = v.c0", params)

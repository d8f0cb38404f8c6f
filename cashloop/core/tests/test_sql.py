"""temporary_table: a queryset computed once into a table the block reads, then dropped;
without_jit: a transaction in which PostgreSQL compiles no query."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from cashloop.core.sql import temporary_table, without_jit
from cashloop.customers.models import Customer
from tests.factories import CustomerFactory


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def test_the_block_reads_the_rows_computed_once_and_the_table_goes(company):
    first, second = (CustomerFactory(owner=company.rep_east) for _ in range(2))
    rows = Customer.objects.filter(pk__in=[first.pk, second.pk]).values(r_code=F("code"))
    with temporary_table("cashloop_test_rows", rows) as table:
        # Computed when the block starts: later changes do not reach it.
        Customer.objects.filter(pk=first.pk).update(code="CHANGED")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT r_code FROM {table} ORDER BY r_code")
            assert [code for (code,) in cursor.fetchall()] == sorted([first.code, second.code])
    with pytest.raises(DatabaseError), transaction.atomic():
        _count(table)


def test_an_error_in_the_block_leaves_the_table_to_the_rollback(company):
    CustomerFactory(owner=company.rep_east)
    rows = Customer.objects.values(r_code=F("code"))
    with (
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
        temporary_table("cashloop_test_rows", rows) as table,
    ):
        assert _count(table) == Customer.objects.count()
        raise ZeroDivisionError
    with pytest.raises(DatabaseError), transaction.atomic():
        _count(table)
    # A second use of the name works either way.
    with temporary_table("cashloop_test_rows", rows) as table:
        assert _count(table) == Customer.objects.count()


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT compiler")
def test_without_jit_turns_it_off_for_its_transaction_only():
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")
    with without_jit():
        assert _jit() == "off"
    assert _jit() == "on"
    with pytest.raises(ZeroDivisionError), without_jit():
        raise ZeroDivisionError
    assert _jit() == "on"

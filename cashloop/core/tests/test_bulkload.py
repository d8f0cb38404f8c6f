"""`insert_many` and `ids_reserve`: COPY-speed inserts that keep to the table's own ids."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from cashloop.core.bulkload import ids_reserve, insert_many
from cashloop.core.models import AuditAction, AuditEntry, Sequence


def test_reserved_ids_are_never_handed_out_again(db):
    first = Sequence.objects.create(series="A", year=2026)
    block = ids_reserve(Sequence, 3)
    assert block == list(range(block[0], block[0] + 3)) and block[0] > first.pk
    after = Sequence.objects.create(series="B", year=2026)
    assert after.pk > block[-1]
    assert ids_reserve(Sequence, 0) == []


def test_insert_many_writes_rows_with_new_ids_stamps_and_foreign_keys(company):
    kind = ContentType.objects.get_for_model(Sequence)
    rows = [
        AuditEntry(
            actor=company.finance,
            action=AuditAction.CREATE,
            object_type=kind,
            object_id=str(n),
            subject_type=kind,
            subject_id=str(n),
        )
        for n in range(3)
    ]
    insert_many(rows)
    assert len({row.pk for row in rows}) == 3 and not rows[0]._state.adding
    stored = AuditEntry.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    assert [(r.object_id, r.actor_id) for r in stored] == [
        (str(n), company.finance.pk) for n in range(3)
    ]
    assert all(r.at is not None for r in stored)  # auto_now_add, as save() fills it
    later = AuditEntry.objects.create(
        action=AuditAction.CREATE, object_type=kind, subject_type=kind, object_id="x"
    )
    assert later.pk > max(row.pk for row in rows)


def test_a_refused_row_raises_djangos_integrity_error_and_writes_nothing(db):
    Sequence.objects.create(series="A", year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many([Sequence(series="B", year=2026), Sequence(series="A", year=2026)])
    assert list(Sequence.objects.values_list("series", flat=True)) == ["A"]

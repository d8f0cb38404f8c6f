"""A run's items have no foreign-key constraint (decision 071): why (a run locks none of
the installments it dunned), and what stands in for it (verify finds an item whose log or
installment is gone; Django still protects and cascades)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from cashloop.collections.models import DunningLog, DunningLogItem
from cashloop.collections.services import dunning_run
from cashloop.collections.tests.conftest import DUE, issue
from cashloop.collections.verify import dunned_installments_exist
from cashloop.receivables.models import Installment
from tests.ledger_check import assert_verified


@pytest.fixture
def dunned(company, policy, debtor):
    invoice = issue(company, debtor)
    dunning_run(actor=company.finance, today=DUE + timedelta(days=1), send=True)
    item = DunningLogItem.objects.get()
    assert item.installment == invoice.installments.get()
    return item


def _point(item: DunningLogItem, column: str, value: int) -> None:
    """What no service does: point the item elsewhere behind Django's back."""
    table = connection.ops.quote_name(DunningLogItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, item.pk])


def test_a_run_passes_and_counts_its_items(dunned):
    result = dunned_installments_exist()
    assert result.problems == [] and result.checked == 1
    assert_verified()


@pytest.mark.parametrize(
    ("column", "model", "name"),
    [("installment_id", Installment, "installment"), ("log_id", DunningLog, "log")],
)
def test_an_item_whose_row_is_gone_is_found(dunned, column, model, name):
    gone = model.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    _point(dunned, column, gone)
    assert dunned_installments_exist().problems == [
        f"dunned installment {dunned.pk}: {name} {gone} is gone"
    ]


def test_django_still_protects_the_installment_and_cascades_the_log(dunned):
    with pytest.raises(ProtectedError):
        Installment.objects.filter(pk=dunned.installment_id).delete()
    DunningLog.objects.filter(pk=dunned.log_id).delete()
    assert not DunningLogItem.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_locks_none_of_the_installments_it_dunned(company, policy, debtor):
    """A payment's allocation locks its installment for update.  Had the items a foreign
    key, the run's commit would lock every installment it dunned, one by one, and the
    allocations of that moment would wait for the whole run."""
    invoice = issue(company, debtor)
    installment = invoice.installments.get()
    locked: list[BaseException | None] = []

    def allocate_now() -> None:
        try:
            with transaction.atomic():
                Installment.objects.select_for_update(nowait=True).get(pk=installment.pk)
            locked.append(None)
        except DatabaseError as exc:
            locked.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        dunning_run(actor=company.finance, today=DUE + timedelta(days=1), send=True)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks of the commit, now
        other = threading.Thread(target=allocate_now)
        other.start()
        other.join(timeout=30)
    assert locked == [None]
    assert DunningLogItem.objects.get().installment_id == installment.pk

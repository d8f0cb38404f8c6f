"""The audit trail: who, when, before and after, in the same transaction as the change."""

import pytest
from django.db import transaction

from cashloop.core.audit import audit_history
from cashloop.core.models import AuditEntry
from cashloop.customers.models import Customer
from cashloop.customers.services import customer_create, customer_update


def test_create_update_delete_are_recorded(company):
    customer = customer_create(actor=company.admin, code="AU1", name="审计", currency="CNY")
    customer_update(
        actor=company.admin,
        customer_id=customer.pk,
        changes={"name": "审计二", "owner_id": company.rep_east.pk},
    )
    rows = list(audit_history(instance=customer))
    assert [r.action for r in rows] == ["update", "create"]
    assert rows[0].actor == company.admin
    assert rows[0].changes["name"] == ["审计", "审计二"]
    assert rows[0].changes["owner"] == [
        f"{company.admin} #{company.admin.pk}",
        f"{company.rep_east} #{company.rep_east.pk}",
    ]


def test_a_rolled_back_change_leaves_no_audit_row(company):
    customer = customer_create(actor=company.admin, code="AU2", name="回滚", currency="CNY")
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        customer_update(actor=company.admin, customer_id=customer.pk, changes={"name": "X"})
        raise RuntimeError("later step failed")
    assert AuditEntry.objects.count() == before
    assert Customer.objects.get(pk=customer.pk).name == "回滚"


def test_secrets_are_never_recorded(company):
    from cashloop.identity.services import api_token_create

    token, _ = api_token_create(actor=company.rep_east, name="t")
    entry = audit_history(instance=token).get()
    assert "token_hash" not in entry.changes
    user_entry = AuditEntry.objects.filter(object_repr__contains="admin").first()
    assert user_entry is None or "password" not in user_entry.changes


def test_history_page_shows_the_change(client, company):
    customer = customer_create(actor=company.admin, code="AU3", name="旧名", currency="CNY")
    customer_update(actor=company.admin, customer_id=customer.pk, changes={"name": "新名"})
    client.force_login(company.admin)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    history = html[html.index('data-testid="history"') :]
    assert "<del>旧名</del>" in history and "<ins>新名</ins>" in history


def test_a_decimal_typed_shorter_than_stored_is_no_change(company, customers):
    """Saving a draft as it was (a rate of 1 against the stored 1.00000000) records nothing."""
    from datetime import date
    from decimal import Decimal

    from cashloop.contracts.services import contract_create, contract_update
    from cashloop.contracts.tests.conftest import lines_in

    contract = contract_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        title="审计",
        start_date=date(2026, 3, 1),
        lines=lines_in(),
    )
    contract_update(
        actor=company.rep_east,
        contract_id=contract.pk,
        changes={"title": "审计", "rate": Decimal("1")},
    )
    assert [r.action for r in audit_history(instance=contract)] == ["create"]

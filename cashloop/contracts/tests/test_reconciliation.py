"""The three-way reconciliation's figures, and `cashloop verify` naming a contract whose
derived balances or plan do not tie."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.models import Contract, ContractLine, PlanItem
from cashloop.contracts.reconciliation import contract_reconciliation, reconciliation_totals
from cashloop.contracts.tests.recognition_data import contract_make, line_add, plan_add
from cashloop.core.verify import verify_all
from cashloop.cpq.choices import Recognition
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.services import (
    allocation_create,
    payment_create,
    write_off_create,
)
from tests.ledger_check import assert_verified

D = Decimal
DAY = date(2026, 2, 1)


@pytest.fixture
def billed(company, customers):
    """A 1,130.00 contract in two halves; the first billed, 500.00 paid, 0.50 written off."""
    contract = contract_make(customer=customers["rep_east"])
    line_add(contract, net="1000.00", recognition=Recognition.AT_INVOICING)
    plan_add(contract, due=DAY, amount=D("565.00"))
    plan_add(contract, due=date(2026, 6, 1))
    (invoice,) = contract_invoices_generate(actor=company.finance, on=DAY)
    item = invoice.installments.get()
    payment = payment_create(
        actor=company.finance,
        customer_id=contract.customer_id,
        amount=D("500.00"),
        payment_date=DAY,
    )
    allocation_create(
        actor=company.finance,
        installment_id=item.pk,
        payment_id=payment.pk,
        amount=D("500.00"),
        allocation_date=DAY,
    )
    write_off_create(
        actor=company.finance,
        installment_id=item.pk,
        kind=WriteOffKind.SMALL_RESIDUAL,
        amount=D("0.50"),
        write_off_date=DAY,
    )
    return contract


def problems_naming(contract: Contract) -> list[str]:
    return [p for result in verify_all() for p in result.problems if str(contract) in p]


def test_the_figures_of_a_partly_billed_and_paid_contract(company, billed):
    (row,) = contract_reconciliation(user=company.finance)
    assert (
        row.contracted,
        row.invoiced_rows,
        row.collected,
        row.settled_other,
        row.outstanding,
        row.not_invoiced,
        row.recognised,
    ) == (
        D("1130.00"),
        D("565.00"),
        D("500.00"),
        D("0.50"),
        D("64.50"),
        D("565.00"),
        D("500.00"),
    )
    assert row.ties
    (totals,) = reconciliation_totals([row])
    assert (totals.currency, totals.count, totals.outstanding) == ("CNY", 1, D("64.50"))
    assert_verified()


@pytest.mark.parametrize(
    ("corrupt", "ties"),
    [
        (lambda c: Contract.objects.filter(pk=c.pk).update(invoiced=D("564.99")), False),
        (lambda c: Contract.objects.filter(pk=c.pk).update(recognised=D("1.00")), True),
        (lambda c: ContractLine.objects.filter(contract=c).update(invoiced=D("0")), True),
        (lambda c: ContractLine.objects.filter(contract=c).update(recognised=D("499")), True),
        (lambda c: PlanItem.objects.filter(contract=c, sequence=2).update(amount=D("1")), False),
    ],
    ids=["contract-invoiced", "contract-recognised", "line-invoiced", "line-recognised", "plan"],
)
def test_verify_names_the_contract_whose_balance_is_off(company, billed, corrupt, ties):
    assert problems_naming(billed) == []
    corrupt(billed)
    assert problems_naming(billed), "verify did not name the contract"
    # the reconciliation marks those that break its own equations
    (row,) = contract_reconciliation(user=company.finance)
    assert row.ties is ties

"""Racing approvers on PostgreSQL: the request row lock lets one step advance once, and a
raced write-off approval posts exactly once."""

from decimal import Decimal

import pytest

from cashloop.approvals.choices import RequestStatus
from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.services import approval_flow_create, approval_request_approve
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.models import Allocation, HeldPosting
from cashloop.receivables.services import write_off_create
from cashloop.receivables.tests.test_concurrency import _invoice, _race
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_approvers_racing_on_an_any_step_post_the_write_off_once():
    admin = UserFactory(roles=["admin"])
    clerk = UserFactory(roles=["finance"])
    approvers = [UserFactory(roles=["finance"]) for _ in range(4)]
    approval_flow_create(
        actor=admin,
        document_type="receivables.writeoff",
        name="all bad debts",
        steps=[{"approvers": [{"kind": "role", "value": "finance"}], "rule": "any"}],
    )
    invoice = _invoice(clerk, CustomerFactory(), "5000.00")
    hold = write_off_create(
        actor=clerk,
        installment_id=invoice.installments.get().pk,
        kind=WriteOffKind.BAD_DEBT,
        reason="bankrupt",
    )
    assert isinstance(hold, HeldPosting)
    request_id = hold.approval_request_id

    results, refusals, crashes = _race(
        [
            lambda user=user: approval_request_approve(actor=user, request_id=request_id)
            for user in approvers
        ]
    )

    assert crashes == []
    assert len(results) == 1
    # the others find the request decided (or their task closed) once the lock frees
    assert set(refusals) <= {ApprovalError.NOT_PENDING, ApprovalError.NOT_YOUR_TURN}
    assert len(refusals) == 3
    assert results[0].status == RequestStatus.APPROVED
    assert Allocation.objects.get().amount == Decimal("5000.00")
    assert_verified()

"""Demo approval flow: large bad debts need finance, then the treasurer (decision 031)."""

from __future__ import annotations

from cashloop.approvals.services import approval_flow_create
from cashloop.identity.models import User
from cashloop.receivables.services import WRITE_OFF_TYPE

BIG_BAD_DEBT = "10000"


def seed_approvals(*, admin: User) -> None:
    treasurer = User.objects.get(username="feng.yan")
    approval_flow_create(
        actor=admin,
        document_type=WRITE_OFF_TYPE,
        name="坏账核销 > 10,000 Bad debts over 10,000",
        conditions={"all": [{"field": "base_amount", "op": "gt", "value": BIG_BAD_DEBT}]},
        steps=[
            {
                "approvers": [{"kind": "role", "value": "finance"}],
                "rule": "any",
                "deadline_hours": 24,
            },
            {
                "approvers": [{"kind": "user", "value": treasurer.pk}],
                "rule": "any",
                "deadline_hours": 48,
            },
        ],
    )

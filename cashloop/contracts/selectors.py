"""Reads of contracts, always through `Contract.objects.restrict(user, action)`.

The list page, the detail page, the API and the customer 360 page call these, so no
path shows a user more than another.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Amendment, Contract, ContractTemplate, Milestone, PlanItem
from cashloop.core.audit import audit_history
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.core.scoping import get_scoped
from cashloop.identity.models import User


def contract_list(
    *,
    user: User,
    status: str = "",
    customer_id: int | None = None,
    q: str = "",
    action: str = "view",
) -> QuerySet[Contract]:
    """Contracts the user may see, latest start first; `q` matches number, title, customer."""
    qs = Contract.objects.restrict(user, action).select_related("customer", "owner")
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if q := q.strip():
        qs = qs.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q)
        )
    return qs


def contract_get(*, user: User, contract_id: int, action: str = "view") -> Contract:
    """One contract with lines, milestones, plan (with invoices) and amendments prefetched.

    Attached: `plan_total` and `remainder` (the total not yet covered by the plan).
    """
    contract = get_scoped(
        Contract.objects.select_related(
            "customer", "owner", "team", "template", "quote", "previous"
        ).prefetch_related(
            "lines__product",
            "lines__milestone",
            "milestones",
            Prefetch(
                "plan", PlanItem.objects.select_related("milestone", "invoice").order_by("sequence")
            ),
            Prefetch("amendments", Amendment.objects.order_by("-number")),
            "renewals",
        ),
        user=user,
        action=action,
        pk=contract_id,
        not_found=ContractError.NOT_FOUND,
    )
    contract.plan_total = sum((item.amount for item in contract.plan.all()), Decimal(0))
    contract.remainder = contract.total - contract.plan_total
    return contract


def milestone_get(*, user: User, milestone_id: int, action: str = "view") -> Milestone:
    contracts = Contract.objects.restrict(user, action)
    milestone = (
        Milestone.objects.filter(pk=milestone_id, contract__in=contracts)
        .select_related("contract")
        .first()
    )
    if milestone is None:
        raise DomainError(ContractError.MILESTONE_NOT_FOUND)
    return milestone


def template_list(*, active_only: bool = False) -> QuerySet[ContractTemplate]:
    qs = ContractTemplate.objects.all()
    return qs.filter(active=True) if active_only else qs


def contract_history(*, contract: Contract) -> QuerySet[AuditEntry]:
    """The audit trail of a contract read through `contract_get` (its milestones' and
    amendments' rows included), newest first."""
    return audit_history(instance=contract)


def contract_documents(*, user: User, contract: Contract) -> list[Any]:
    """Documents linked to the contract (the signed scan, acceptance reports) the user sees."""
    from cashloop.knowledge.selectors import link_list

    return list(link_list(user=user, contract_id=contract.pk))

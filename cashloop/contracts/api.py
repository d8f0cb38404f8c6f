"""Contract endpoints under /api/v1/contracts: draft, change, activate, milestones,
terminate, amend and renew.

Every write goes through `contracts.services`, every read through `selectors`, so the
API shows and does exactly what the pages do.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from cashloop.contracts import amendments, selectors, services
from cashloop.contracts.schemas import (
    AmendmentIn,
    AmendmentOut,
    ContractDetailOut,
    ContractFilter,
    ContractIn,
    ContractOut,
    ContractPatch,
    FromQuoteIn,
    MilestoneAcceptIn,
    MilestoneOut,
    MilestonePatch,
    TerminateIn,
)
from cashloop.core.pagination import paginated

contracts_router = Router(tags=["contracts"])


def _detail(request: HttpRequest, contract_id: int) -> Any:
    return selectors.contract_get(user=request.user, contract_id=contract_id)


@contracts_router.get("", response=list[ContractOut])
@paginated(
    sorts=("start_date", "number", "end_date", "signing_date", "total", "created_at"),
    default="-start_date",
)
def contract_list(request: HttpRequest, filters: Query[ContractFilter]) -> Any:
    return selectors.contract_list(
        user=request.user,
        status=filters.status or "",
        customer_id=filters.customer_id,
        q=filters.q,
    )


@contracts_router.post("", response={201: ContractDetailOut})
def contract_create(request: HttpRequest, payload: ContractIn) -> Any:
    """A draft; it bills nothing until it is activated."""
    contract = services.contract_create(actor=request.user, **payload.to_service())
    return Status(201, _detail(request, contract.pk))


@contracts_router.post("/from-quote", response={201: ContractDetailOut})
def contract_create_from_quote(request: HttpRequest, payload: FromQuoteIn) -> Any:
    """The draft of an accepted quote (asking again answers the same contract)."""
    contract = services.contract_create_from_quote(actor=request.user, quote_id=payload.quote_id)
    return Status(201, _detail(request, contract.pk))


@contracts_router.get("/{contract_id}", response=ContractDetailOut)
def contract_detail(request: HttpRequest, contract_id: int) -> Any:
    return _detail(request, contract_id)


@contracts_router.patch("/{contract_id}", response=ContractDetailOut)
def contract_update(request: HttpRequest, contract_id: int, payload: ContractPatch) -> Any:
    """Change a draft; lines, plan and milestones, when given, replace the old ones whole."""
    services.contract_update(
        actor=request.user, contract_id=contract_id, changes=payload.to_changes()
    )
    return _detail(request, contract_id)


@contracts_router.post("/{contract_id}/activate", response=ContractDetailOut)
def contract_activate(request: HttpRequest, contract_id: int) -> Any:
    """Active at once, or waiting for approval when a flow applies."""
    services.contract_activate(actor=request.user, contract_id=contract_id)
    return _detail(request, contract_id)


@contracts_router.post("/{contract_id}/terminate", response=ContractDetailOut)
def contract_terminate(request: HttpRequest, contract_id: int, payload: TerminateIn) -> Any:
    services.contract_terminate(actor=request.user, contract_id=contract_id, reason=payload.reason)
    return _detail(request, contract_id)


@contracts_router.post("/{contract_id}/renew", response={201: ContractDetailOut})
def contract_renew(request: HttpRequest, contract_id: int) -> Any:
    """The next term's draft."""
    renewal = amendments.contract_renew(actor=request.user, contract_id=contract_id)
    return Status(201, _detail(request, renewal.pk))


@contracts_router.post("/{contract_id}/amendments", response={201: AmendmentOut})
def amendment_create(request: HttpRequest, contract_id: int, payload: AmendmentIn) -> Any:
    """Applied at once, or waiting for approval when a flow applies."""
    amendment = amendments.amendment_create(
        actor=request.user,
        contract_id=contract_id,
        reason=payload.reason,
        lines=[line.to_service() for line in payload.lines] if payload.lines else None,
        plan=[item.to_service() for item in payload.plan] if payload.plan else None,
        end_date=payload.end_date,
    )
    return Status(201, amendment)


@contracts_router.post("/milestones/{milestone_id}/accept", response=MilestoneOut)
def milestone_accept(request: HttpRequest, milestone_id: int, payload: MilestoneAcceptIn) -> Any:
    """The customer accepted: the installments waiting for it fall due."""
    return services.contract_milestone_accept(
        actor=request.user, milestone_id=milestone_id, actual_date=payload.actual_date
    )


@contracts_router.patch("/milestones/{milestone_id}", response=MilestoneOut)
def milestone_update(request: HttpRequest, milestone_id: int, payload: MilestonePatch) -> Any:
    return services.milestone_update(
        actor=request.user, milestone_id=milestone_id, **payload.dict(exclude_unset=True)
    )

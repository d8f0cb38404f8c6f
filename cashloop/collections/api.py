"""Dunning endpoints under /api/v1/dunning: policies with their levels, a customer's
dunning settings, invoice exclusions, the run's preview, running it, and the log."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from cashloop.collections import selectors, services
from cashloop.collections.documents import with_message
from cashloop.collections.schemas import (
    ChargeBookIn,
    ChargeOut,
    CustomerDunningIn,
    CustomerDunningOut,
    DisputeIn,
    DisputeOut,
    DisputeResolveIn,
    ExclusionIn,
    ExclusionOut,
    InterestIn,
    LogOut,
    PolicyIn,
    PolicyOut,
    RunOut,
    RunQuery,
    WaiveIn,
)
from cashloop.collections.services import DunningRunResult, LevelInput
from cashloop.core.pagination import paginated

router = Router(tags=["dunning"])


def _levels(payload: PolicyIn) -> list[LevelInput]:
    return [LevelInput(**level.model_dump()) for level in payload.levels]


@router.get("/policies", response=list[PolicyOut])
def policy_list(request: HttpRequest) -> Any:
    return selectors.policy_list(user=request.user)


@router.post("/policies", response={201: PolicyOut})
def policy_create(request: HttpRequest, payload: PolicyIn) -> Any:
    policy = services.dunning_policy_save(
        actor=request.user,
        name=payload.name,
        is_default=payload.is_default,
        auto_send=payload.auto_send,
        group_ids=payload.group_ids,
        levels=_levels(payload),
        interest_rate=payload.interest_rate,
        charge_booking=payload.charge_booking,
    )
    return Status(201, policy)


@router.get("/policies/{policy_id}", response=PolicyOut)
def policy_get(request: HttpRequest, policy_id: int) -> Any:
    return selectors.policy_get(user=request.user, policy_id=policy_id)


@router.put("/policies/{policy_id}", response=PolicyOut)
def policy_update(request: HttpRequest, policy_id: int, payload: PolicyIn) -> Any:
    return services.dunning_policy_save(
        actor=request.user,
        policy_id=policy_id,
        name=payload.name,
        is_default=payload.is_default,
        auto_send=payload.auto_send,
        group_ids=payload.group_ids,
        levels=_levels(payload),
        interest_rate=payload.interest_rate,
        charge_booking=payload.charge_booking,
    )


@router.delete("/policies/{policy_id}", response={204: None})
def policy_delete(request: HttpRequest, policy_id: int) -> Any:
    services.dunning_policy_delete(actor=request.user, policy_id=policy_id)
    return Status(204, None)


@router.put("/customers/{customer_id}", response=CustomerDunningOut)
def customer_settings_set(
    request: HttpRequest, customer_id: int, payload: CustomerDunningIn
) -> Any:
    return services.customer_dunning_set(
        actor=request.user, customer_id=customer_id, **payload.model_dump()
    )


@router.post("/exclusions", response={201: ExclusionOut})
def exclusion_add(request: HttpRequest, payload: ExclusionIn) -> Any:
    return Status(201, services.invoice_exclusion_add(actor=request.user, **payload.model_dump()))


@router.post("/exclusions/{exclusion_id}/end", response=ExclusionOut)
def exclusion_end(request: HttpRequest, exclusion_id: int) -> Any:
    return services.invoice_exclusion_end(actor=request.user, exclusion_id=exclusion_id)


def run_out(result: DunningRunResult) -> dict[str, Any]:
    return {
        "run_date": result.run_date,
        "sent": result.sent,
        "customer_count": result.customer_count,
        "installments": result.installments,
        "logs": result.logs,
        "emails": result.emails,
        "tasks": result.tasks,
        "holds": result.holds,
        "charges": result.charges,
        "charge_invoices": result.charge_invoices,
        "customers": [
            {
                "customer_id": plan.customer_id,
                "code": plan.code,
                "name": plan.name,
                "policy": plan.policy.name,
                "level": plan.level.name,
                "days_overdue": plan.days_overdue,
                "emails": plan.emails,
                "actions": plan.actions,
                "fee": plan.level.fee,
                "items": plan.items,
            }
            for plan in result.customers
        ],
    }


@router.get("/preview", response=RunOut)
def run_preview(request: HttpRequest, filters: Query[RunQuery]) -> Any:
    """What a run today would do; nothing is written."""
    return run_out(services.dunning_run(actor=request.user, send=False, limit=filters.limit))


@router.post("/runs", response=RunOut)
def run_now(request: HttpRequest, filters: Query[RunQuery]) -> Any:
    """Run dunning now for every policy (a second run the same day does nothing)."""
    return run_out(services.dunning_run(actor=request.user, send=True, limit=filters.limit))


@router.get("/log", response=list[LogOut])
@paginated(sorts=("run_date", "days_overdue"), default="-run_date")
def log_list(request: HttpRequest, customer_id: int | None = None) -> Any:
    return selectors.log_list(user=request.user, customer_id=customer_id).prefetch_related("items")


@router.get("/log/{log_id}", response=LogOut)
def log_get(request: HttpRequest, log_id: int) -> Any:
    return with_message(selectors.log_get(user=request.user, log_id=log_id))


# --- disputes and dunning charges (decision 051) ----------------------------------------------


@router.get("/disputes", response=list[DisputeOut])
@paginated(sorts=("opened_on", "amount"), default="-opened_on")
def dispute_list(
    request: HttpRequest, status: str | None = None, customer_id: int | None = None
) -> Any:
    return selectors.dispute_list(user=request.user, status=status, customer_id=customer_id)


@router.post("/disputes", response={201: DisputeOut})
def dispute_open(request: HttpRequest, payload: DisputeIn) -> Any:
    """Mark an installment disputed: it leaves dunning and interest until resolved."""
    return Status(201, services.dispute_open(actor=request.user, **payload.model_dump()))


@router.get("/disputes/{dispute_id}", response=DisputeOut)
def dispute_get(request: HttpRequest, dispute_id: int) -> Any:
    return selectors.dispute_get(user=request.user, dispute_id=dispute_id)


@router.post("/disputes/{dispute_id}/resolve", response=DisputeOut)
def dispute_resolve(request: HttpRequest, dispute_id: int, payload: DisputeResolveIn) -> Any:
    """Resolve by a credit note ("credit", through approval when a flow applies), "reject"
    or "withdraw"."""
    return services.dispute_resolve(
        actor=request.user, dispute_id=dispute_id, **payload.model_dump()
    )


@router.get("/charges", response=list[ChargeOut])
@paginated(sorts=("accrued_on", "amount"), default="-accrued_on")
def charge_list(
    request: HttpRequest, status: str | None = None, customer_id: int | None = None
) -> Any:
    return selectors.charge_list(user=request.user, status=status, customer_id=customer_id)


@router.post("/charges/interest", response={201: ChargeOut})
def charge_interest(request: HttpRequest, payload: InterestIn) -> Any:
    """Charge interest on one overdue installment now (refused on a disputed one)."""
    return Status(
        201,
        services.dunning_charge_interest(actor=request.user, installment_id=payload.installment_id),
    )


@router.post("/charges/book", response=list[int])
def charges_book(request: HttpRequest, payload: ChargeBookIn) -> Any:
    """Book a customer's pending charges as a charge invoice now; the invoices' ids."""
    invoices = services.dunning_charges_book(actor=request.user, customer_id=payload.customer_id)
    return [invoice.pk for invoice in invoices]


@router.post("/charges/{charge_id}/waive", response=ChargeOut)
def charge_waive(request: HttpRequest, charge_id: int, payload: WaiveIn) -> Any:
    return services.dunning_charge_waive(
        actor=request.user, charge_id=charge_id, reason=payload.reason
    )

"""Endpoints of the collector's worklist under /api/v1/collections (decision 050): the
worklist, one customer's collection view, contacts with outcomes, promises to pay, tasks,
escalation, sending a statement, and the promise check."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from cashloop.collections import selectors, services
from cashloop.collections.schemas import (
    CollectionActivityIn,
    CollectionActivityOut,
    CollectionCustomerOut,
    CollectionTaskIn,
    CollectionTaskOut,
    EscalateIn,
    PaymentPromiseIn,
    PaymentPromiseOut,
    PromiseCheckOut,
    StatementSendIn,
    WorklistRowOut,
)
from cashloop.collections.selectors import CollectionCustomer, Priority, WorklistRow
from cashloop.core.pagination import paginated

router = Router(tags=["collections"])


def _parts(priority: Priority) -> list[dict[str, Any]]:
    return [{"part": part, "points": points} for part, points in priority.parts]


def _row(row: WorklistRow) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in WorklistRowOut.model_fields if hasattr(row, name)},
        "priority": row.priority.score,
        "priority_parts": _parts(row.priority),
    }


@router.get("/worklist", response=list[WorklistRowOut])
def worklist(request: HttpRequest, everyone: bool = False) -> Any:
    """Today's work by priority: the user's own, or (`everyone`) all the user may see."""
    return [_row(row) for row in selectors.worklist(user=request.user, everyone=everyone)]


def _customer(data: CollectionCustomer) -> dict[str, Any]:
    customer = data.customer
    return {
        "customer_id": customer.pk,
        "code": customer.code,
        "name": customer.name,
        "collector_id": data.collector.pk if data.collector else None,
        "overdue": data.overdue,
        "oldest_days": data.oldest_days,
        "credit_score": data.credit_score,
        "broken_promises": data.broken_promises,
        "priority": data.priority.score,
        "priority_parts": _parts(data.priority),
        "dunning_level": data.last_dunning.level_name if data.last_dunning else None,
        "open_items": [
            {
                "installment_id": item.pk,
                "invoice_id": item.invoice_id,
                "invoice_number": item.invoice.number,
                "sequence": item.sequence,
                "due_date": item.due_date,
                "days_overdue": item.days_overdue,  # type: ignore[attr-defined]
                "residual": item.residual,
                "currency": item.invoice.currency,
            }
            for item in data.open_items
        ],
        "contacts": data.contacts,
        "history": [
            {
                "id": i.pk,
                "kind": i.kind,
                "occurred_at": i.occurred_at,
                "summary": i.summary,
                "outcome": getattr(getattr(i, "collection", None), "outcome", None),
                "author": str(i.author),
            }
            for i in data.history
        ],
        "promises": data.promises,
        "open_tasks": data.open_tasks,
        "disputes": data.disputes,
    }


@router.get("/customers/{customer_id}", response=CollectionCustomerOut)
def collection_customer(request: HttpRequest, customer_id: int) -> Any:
    return _customer(selectors.collection_customer(user=request.user, customer_id=customer_id))


@router.post("/activities", response={201: CollectionActivityOut})
def activity_log(request: HttpRequest, payload: CollectionActivityIn) -> Any:
    activity = services.collection_activity_log(actor=request.user, **payload.model_dump())
    return Status(201, activity)


@router.get("/promises", response=list[PaymentPromiseOut])
@paginated(sorts=("promised_date", "made_on", "amount"), default="promised_date")
def promise_list(
    request: HttpRequest, customer_id: int | None = None, status: str | None = None
) -> Any:
    return selectors.promise_list(user=request.user, customer_id=customer_id, status=status)


@router.post("/promises", response={201: PaymentPromiseOut})
def promise_create(request: HttpRequest, payload: PaymentPromiseIn) -> Any:
    promise = services.payment_promise_create(actor=request.user, **payload.model_dump())
    return Status(201, promise)


@router.post("/promises/check", response=PromiseCheckOut)
def promises_check(request: HttpRequest) -> Any:
    """Resolve the open promises now (the daily task does it at 05:30)."""
    return services.payment_promises_check(actor=request.user)


@router.post("/promises/{promise_id}/cancel", response=PaymentPromiseOut)
def promise_cancel(request: HttpRequest, promise_id: int) -> Any:
    return services.payment_promise_cancel(actor=request.user, promise_id=promise_id)


@router.post("/tasks", response={201: CollectionTaskOut})
def task_create(request: HttpRequest, payload: CollectionTaskIn) -> Any:
    return Status(201, services.collection_task_create(actor=request.user, **payload.model_dump()))


@router.post("/tasks/{task_id}/done", response=CollectionTaskOut)
def task_done(request: HttpRequest, task_id: int) -> Any:
    return services.collection_task_done(actor=request.user, task_id=task_id)


@router.post("/escalations", response={201: CollectionTaskOut})
def escalate(request: HttpRequest, payload: EscalateIn) -> Any:
    return Status(201, services.collection_escalate(actor=request.user, **payload.model_dump()))


@router.post("/statements", response={201: CollectionActivityOut})
def statement_send(request: HttpRequest, payload: StatementSendIn) -> Any:
    """Email the customer's statement of account (PDF) to its contacts."""
    activity = services.collection_statement_send(actor=request.user, **payload.model_dump())
    return Status(201, activity)

"""Service ticket endpoints under /api/v1/tickets: list, open, detail with the conversation
and the overdue warning, change, status, assign, reply; and the after-sales policy.

Every write goes through `service.services`; every read through `selectors`, so the API
shows and does exactly what the pages do.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from cashloop.core.pagination import paginated
from cashloop.core.scoping import require
from cashloop.ledger.schemas import money_str
from cashloop.service import selectors, services
from cashloop.service.models import ServiceSettings
from cashloop.service.schemas import (
    MessageOut,
    ReplyIn,
    ServiceSettingsIn,
    ServiceSettingsOut,
    StatusIn,
    TicketAssignIn,
    TicketDetailOut,
    TicketFilter,
    TicketIn,
    TicketOut,
    TicketPatch,
)

router = Router(tags=["service"])


def _warning_out(warning: selectors.OverdueWarning | None) -> dict[str, Any] | None:
    if warning is None:
        return None
    return {
        "amounts": [
            {"currency": a.currency, "amount": money_str(a.amount, a.currency)}
            for a in warning.amounts
        ],
        "oldest_days": warning.oldest_days,
        "items": warning.items,
        "collector_id": warning.collector.pk if warning.collector else None,
        "collector_name": warning.collector_name,
        "collector_is_owner": warning.collector_is_owner,
        "message": warning.message,
    }


def _detail(request: HttpRequest, ticket_id: int) -> Any:
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    ticket.warning_out = _warning_out(selectors.customer_overdue_warning(ticket.customer_id))
    return ticket


@router.get("", response=list[TicketOut])
@paginated(
    sorts=("created_at", "number", "priority", "resolve_by", "updated_at"), default="-created_at"
)
def ticket_list(request: HttpRequest, filters: Query[TicketFilter]) -> Any:
    return selectors.ticket_list(user=request.user, **filters.dict())


@router.post("", response={201: TicketDetailOut})
def ticket_create(request: HttpRequest, payload: TicketIn) -> Any:
    ticket = services.ticket_create(actor=request.user, **payload.dict())
    return Status(201, _detail(request, ticket.pk))


@router.get("/settings", response=ServiceSettingsOut)
def settings_get(request: HttpRequest) -> Any:
    require(request.user, "view", ServiceSettings)
    return ServiceSettings.current()


@router.put("/settings", response=ServiceSettingsOut)
def settings_update(request: HttpRequest, payload: ServiceSettingsIn) -> Any:
    return services.service_settings_update(actor=request.user, changes=payload.dict())


@router.get("/{ticket_id}", response=TicketDetailOut)
def ticket_detail(request: HttpRequest, ticket_id: int) -> Any:
    return _detail(request, ticket_id)


@router.patch("/{ticket_id}", response=TicketDetailOut)
def ticket_update(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> Any:
    services.ticket_update(
        actor=request.user, ticket_id=ticket_id, changes=payload.dict(exclude_unset=True)
    )
    return _detail(request, ticket_id)


@router.post("/{ticket_id}/status", response=TicketDetailOut)
def ticket_status(request: HttpRequest, ticket_id: int, payload: StatusIn) -> Any:
    services.ticket_update(
        actor=request.user, ticket_id=ticket_id, changes={"status": payload.status}
    )
    return _detail(request, ticket_id)


@router.post("/{ticket_id}/assign", response=TicketDetailOut)
def ticket_assign(request: HttpRequest, ticket_id: int, payload: TicketAssignIn) -> Any:
    services.ticket_assign(actor=request.user, ticket_id=ticket_id, **payload.dict())
    return _detail(request, ticket_id)


@router.post("/{ticket_id}/replies", response={201: MessageOut})
def ticket_reply(request: HttpRequest, ticket_id: int, payload: ReplyIn) -> Any:
    message = services.ticket_reply(
        actor=request.user,
        ticket_id=ticket_id,
        body=payload.body,
        internal=payload.internal,
        payment_reminder_added=payload.payment_reminder,
    )
    return Status(201, message)

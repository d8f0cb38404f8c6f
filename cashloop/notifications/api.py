"""Notification endpoints: my messages, mark one or all read."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from cashloop.core.pagination import paginated
from cashloop.notifications import selectors, services
from cashloop.notifications.schemas import NotificationOut, ReadAllOut

router = Router(tags=["notifications"])


@router.get("", response=list[NotificationOut])
@paginated(sorts=("created_at", "read_at"), default="-created_at")
def notification_list(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.notification_list(user=request.user, unread=unread)


@router.post("/read-all", response=ReadAllOut)
def notification_read_all(request: HttpRequest) -> Any:
    return {"marked": services.notification_read_all(actor=request.user)}


@router.post("/{notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    return services.notification_read(actor=request.user, notification_id=notification_id)

"""Webhook endpoints under /api/v1/webhooks: the events, subscriptions, and deliveries with
their attempts, resent by hand (decision 060)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from cashloop.core.pagination import paginated
from cashloop.core.scoping import require
from cashloop.webhooks import selectors, services
from cashloop.webhooks.choices import EVENTS
from cashloop.webhooks.models import WebhookSubscription
from cashloop.webhooks.schemas import (
    DeliveryOut,
    EventOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)

router = Router(tags=["webhooks"])


@router.get("/events", response=list[EventOut])
def event_list(request: HttpRequest) -> Any:
    require(request.user, "view", WebhookSubscription)
    return [{"name": name, "description": str(text)} for name, text in EVENTS.items()]


@router.get("/subscriptions", response=list[SubscriptionOut])
@paginated(sorts=("name", "created_at"), default="name")
def subscription_list(request: HttpRequest) -> Any:
    return selectors.webhook_subscription_list(user=request.user)


@router.post("/subscriptions", response={201: SubscriptionOut})
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Any:
    made = services.webhook_subscription_create(actor=request.user, **payload.dict())
    return Status(201, made)


@router.get("/subscriptions/{subscription_id}", response=SubscriptionOut)
def subscription_get(request: HttpRequest, subscription_id: int) -> Any:
    return selectors.webhook_subscription_get(user=request.user, subscription_id=subscription_id)


@router.patch("/subscriptions/{subscription_id}", response=SubscriptionOut)
def subscription_update(
    request: HttpRequest, subscription_id: int, payload: SubscriptionPatch
) -> Any:
    return services.webhook_subscription_update(
        actor=request.user, subscription_id=subscription_id, **payload.dict(exclude_unset=True)
    )


@router.delete("/subscriptions/{subscription_id}", response={204: None})
def subscription_delete(request: HttpRequest, subscription_id: int) -> Any:
    services.webhook_subscription_delete(actor=request.user, subscription_id=subscription_id)
    return Status(204, None)


@router.get("/deliveries", response=list[DeliveryOut])
@paginated(sorts=("created_at", "next_attempt_at", "status"), default="-created_at")
def delivery_list(
    request: HttpRequest, subscription_id: int | None = None, status: str = ""
) -> Any:
    return selectors.webhook_delivery_list(
        user=request.user, subscription_id=subscription_id, status=status
    )


@router.post("/deliveries/{delivery_id}/resend", response=DeliveryOut)
def delivery_resend(request: HttpRequest, delivery_id: int) -> Any:
    services.webhook_delivery_resend(actor=request.user, delivery_id=delivery_id)
    return selectors.webhook_delivery_list(user=request.user).get(pk=delivery_id)

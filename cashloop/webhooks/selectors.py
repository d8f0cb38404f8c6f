"""Reads of webhooks: the subscriptions and their deliveries with the attempts, for the
admin (webhooks are company-wide, so `require` on the object type, without a data scope)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cashloop.core.errors import DomainError
from cashloop.core.scoping import ScopedUser, require
from cashloop.webhooks.errors import WebhookError
from cashloop.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_subscription_list(*, user: ScopedUser) -> QuerySet[WebhookSubscription]:
    require(user, "view", WebhookSubscription)
    return WebhookSubscription.objects.all()


def webhook_subscription_get(*, user: ScopedUser, subscription_id: int) -> WebhookSubscription:
    found = webhook_subscription_list(user=user).filter(pk=subscription_id).first()
    if found is None:
        raise DomainError(WebhookError.NOT_FOUND)
    return found


def webhook_delivery_list(
    *, user: ScopedUser, subscription_id: int | None = None, status: str = ""
) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (newest first)."""
    require(user, "view", WebhookSubscription)
    rows = WebhookDelivery.objects.select_related("subscription").prefetch_related(
        Prefetch("tries", WebhookAttempt.objects.order_by("-at", "-pk"))
    )
    if subscription_id is not None:
        rows = rows.filter(subscription_id=subscription_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")

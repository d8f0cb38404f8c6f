"""Writes of webhooks (decision 060): subscriptions kept by the admin, events emitted by the
other apps' services, each delivery attempted, retried with exponential backoff, and resent
by hand.

An event is emitted inside the service that caused it (`webhook_emit`): the deliveries are
rows of the same transaction, so an event exists exactly when what it reports was saved,
and they are queued after commit.  Sending happens outside any transaction: a delivery is
claimed (its next attempt pushed past the timeout, so no other worker takes it), posted,
and the answer recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.scoping import require
from cashloop.identity.models import User
from cashloop.webhooks import signing, transport
from cashloop.webhooks.choices import EVENTS, DeliveryStatus
from cashloop.webhooks.errors import WebhookError
from cashloop.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

# Attempts before a delivery is given up: waits of 1, 2, 4 ... 64 minutes, then about 2 hours.
MAX_ATTEMPTS = 8
_R = TypeVar("_R")
FIRST_WAIT = timedelta(minutes=1)


def _events_check(events: Sequence[str]) -> list[str]:
    chosen = sorted(set(events))
    if not chosen:
        raise DomainError(WebhookError.NO_EVENTS, details={"field": "events"})
    for event in chosen:
        if event not in EVENTS:
            raise DomainError(WebhookError.EVENT_UNKNOWN, event=event, details={"field": "events"})
    return chosen


@transaction.atomic
def webhook_subscription_create(
    *, actor: User, name: str, url: str, events: Sequence[str], active: bool = True
) -> WebhookSubscription:
    require(actor, "add", WebhookSubscription)
    subscription = WebhookSubscription.objects.create(
        name=name.strip() or url,
        url=transport.url_check(url),
        events=_events_check(events),
        secret=signing.new_secret(),
        active=active,
        created_by=actor,
    )
    audit_record(actor=actor, instance=subscription, action=AuditAction.CREATE)
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *,
    actor: User,
    subscription_id: int,
    name: str | None = None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    require(actor, "change", WebhookSubscription)
    subscription = _subscription_locked(subscription_id)
    before = audit_snapshot(subscription)
    if url is not None:
        subscription.url = transport.url_check(url)
    if events is not None:
        subscription.events = _events_check(events)
    if name is not None:
        subscription.name = name.strip() or subscription.url
    if active is not None:
        subscription.active = active
    subscription.save()
    audit_record(actor=actor, instance=subscription, action=AuditAction.UPDATE, before=before)
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, actor: User, subscription_id: int) -> None:
    require(actor, "delete", WebhookSubscription)
    subscription = _subscription_locked(subscription_id)
    audit_record(actor=actor, instance=subscription, action=AuditAction.DELETE)
    subscription.delete()


def _subscription_locked(subscription_id: int) -> WebhookSubscription:
    found = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if found is None:
        raise DomainError(WebhookError.NOT_FOUND)
    return found


def webhook_emit(
    event: str, records: Sequence[_R], describe: Callable[[_R], tuple[object, dict[str, Any]]]
) -> int:
    """Record `event` about each of `records` for every active subscriber to it, in the
    caller's transaction, and queue the deliveries after commit.  `describe(record)` gives
    the record's key (its id) and the event's data; it is called only when someone
    subscribes.  The same event about the same record is delivered once, however often it
    is emitted.  -> deliveries made."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    subscribers = [s for s in WebhookSubscription.objects.filter(active=True) if event in s.events]
    if not subscribers or not records:
        return 0
    now = timezone.now()
    rows = []
    for record in records:
        key, data = describe(record)
        event_id = f"{event}:{key}"
        payload = json.loads(
            json.dumps(
                {"id": event_id, "event": event, "created": now, "data": data},
                cls=DjangoJSONEncoder,
            )
        )
        rows += [
            WebhookDelivery(
                subscription=s, event=event, event_id=event_id, payload=payload, next_attempt_at=now
            )
            for s in subscribers
        ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        WebhookDelivery.objects.filter(
            event_id__in={row.event_id for row in rows}, subscription__in=subscribers, attempts=0
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _queue(ids))
    return len(ids)


def _queue(ids: Sequence[int], run_after: datetime | None = None) -> None:
    from cashloop.webhooks.tasks import webhook_deliver

    task = webhook_deliver
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # left to the hourly sweep (and to tests, which call it with a clock)
        task = task.using(run_after=run_after)
    for delivery_id in ids:
        task.enqueue(delivery_id)


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """Post the delivery if it is pending and due at `now`; record the answer.  A 2xx
    delivers it; anything else waits twice as long as the last time, up to MAX_ATTEMPTS."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return WebhookDelivery.objects.get(pk=delivery_id)
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Cashloop-Webhooks/1",
        "X-Cashloop-Event": delivery.event,
        "X-Cashloop-Delivery": str(delivery.pk),
        "X-Cashloop-Event-Id": delivery.event_id,
        "X-Cashloop-Signature": signing.signature(delivery.subscription.secret, timestamp, body),
    }
    answer = transport.post(delivery.subscription.url, body, headers)
    return _record(delivery.pk, now, answer)


@transaction.atomic
def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    delivery = (
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .select_related("subscription")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .first()
    )
    if delivery is None:
        return None
    # Nobody else takes it while it is in flight.
    lease = timedelta(seconds=settings.CASHLOOP_WEBHOOKS_TIMEOUT + 60)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + lease)
    return delivery


@transaction.atomic
def _record(delivery_id: int, now: datetime, answer: transport.Answer) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    WebhookAttempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=answer.status_code,
        error=answer.error,
        duration_ms=answer.duration_ms,
    )
    delivery.attempts += 1
    delivery.last_status_code = answer.status_code
    delivery.last_error = answer.error
    if answer.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + FIRST_WAIT * 2 ** (delivery.attempts - 1)
        retry_at = delivery.next_attempt_at
        transaction.on_commit(lambda: _queue([delivery_id], run_after=retry_at))
    delivery.save()
    return delivery


def webhook_retry_due(*, now: datetime | None = None) -> int:
    """Attempt every pending delivery whose time has come.  -> deliveries attempted."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        webhook_delivery_attempt(delivery_id=delivery_id, now=now)
    return len(ids)


@transaction.atomic
def webhook_delivery_resend(*, actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again, by hand, whatever became of it: pending from now, with
    a fresh count of attempts (the earlier ones stay in its log)."""
    require(actor, "change", WebhookSubscription)
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise DomainError(WebhookError.DELIVERY_NOT_FOUND)
    before = audit_snapshot(delivery)
    delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor, instance=delivery, action=AuditAction.UPDATE, before=before, reason="resent"
    )
    transaction.on_commit(lambda: _queue([delivery.pk]))
    return delivery

"""Writes of notifications: send to users, mark read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.notifications.errors import NotificationError
from cashloop.notifications.models import Notification

if TYPE_CHECKING:
    from cashloop.identity.models import User

TITLE_MAX = 200
BODY_MAX = 5000


@transaction.atomic
def notification_send(
    *, users: Iterable[User], title: str, body: str = "", url: str = "", email: bool = True
) -> list[Notification]:
    """Leave a message for each user (once per user); email it after the transaction commits.

    Inactive users get nothing: a message nobody can read is noise in the outbox.
    """
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    if not recipients:
        return []
    made = Notification.objects.bulk_create(
        Notification(user_id=pk, title=str(title)[:TITLE_MAX], body=str(body)[:BODY_MAX], url=url)
        for pk in sorted(recipients)
    )
    if email:
        from cashloop.notifications.tasks import notification_email

        ids = [n.pk for n in made]
        transaction.on_commit(lambda: notification_email.enqueue(ids))
    return made


@transaction.atomic
def notification_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (reading twice changes nothing)."""
    notification = (
        Notification.objects.select_for_update().filter(user=actor, pk=notification_id).first()
    )
    if notification is None:
        raise DomainError(NotificationError.NOT_FOUND)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_read_all(*, actor: User) -> int:
    """Mark every unread notification of the actor read; return how many."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )

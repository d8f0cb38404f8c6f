"""Reads of notifications: a user only ever sees their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from cashloop.notifications.models import Notification

if TYPE_CHECKING:
    from cashloop.identity.models import User


def notification_list(*, user: User, unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    return qs.filter(read_at__isnull=True) if unread else qs


def notification_unread_count(*, user: User) -> int:
    return notification_list(user=user, unread=True).count()

"""Background work of notifications: the email copy of in-app messages."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cashloop.notifications.models import Notification


@task()
def notification_email(notification_ids: list[int]) -> int:
    """Email each notification not emailed yet to users who have an address; return how many.

    Each row is claimed under a lock before its mail goes out, so a retried or doubled task
    never sends a message twice.
    """
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            n = (
                Notification.objects.select_for_update()
                .select_related("user")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if n is None or not n.user.email:
                continue
            link = f"{settings.CASHLOOP_BASE_URL}{n.url}" if n.url.startswith("/") else n.url
            body = "\n\n".join(part for part in (n.body, link) if part)
            send_mail(n.title, body, None, [n.user.email])
            n.emailed_at = timezone.now()
            n.save(update_fields=["emailed_at"])
            sent += 1
    return sent

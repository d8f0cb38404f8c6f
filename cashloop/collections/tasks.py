"""Background work of collections: the daily dunning run and the reminder emails."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cashloop.collections.models import DunningLog


@task()
def dunning_daily() -> dict[str, int]:
    """Run dunning for the policies an admin set to send automatically; the others are left
    to the preview.  Idempotent: the second run of a day finds nothing new."""
    from cashloop.collections.services import dunning_run

    result = dunning_run(actor=None, send=True, auto_only=True)
    return {"customers": len(result.customers), "installments": result.installments}


@task()
def dunning_email(log_ids: list[int]) -> int:
    """Email each reminder not emailed yet (with its letter PDF); claimed under a lock first,
    so a retried task never sends one twice."""
    from cashloop.collections.documents import letter_filename, letter_pdf

    sent = 0
    for pk in log_ids:
        with transaction.atomic():
            log = (
                DunningLog.objects.select_for_update()
                .filter(pk=pk, emailed_at__isnull=True)
                .exclude(emailed_to="")
                .first()
            )
            if log is None:
                continue
            message = EmailMessage(
                subject=log.subject, body=log.body, to=log.emailed_to.split(", ")
            )
            if log.letter:
                message.attach(letter_filename(log), letter_pdf(log), "application/pdf")
            message.send()
            log.emailed_at = timezone.now()
            log.save(update_fields=["emailed_at"])
            sent += 1
    return sent

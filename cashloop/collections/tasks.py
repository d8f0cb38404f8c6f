"""Background work of collections: the daily dunning run and the reminder emails."""

from __future__ import annotations

from datetime import date

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
    return {"customers": result.logs, "installments": result.installments}


@task()
def dunning_email(log_ids: list[int]) -> int:
    """Email each reminder not emailed yet, with its letter and the customer's statement of
    the month as PDFs; claimed under a lock first, so a retried task never sends one twice.
    The message is rendered here and kept on the log: the log says what was sent."""
    from cashloop.collections.documents import (
        MessageRenderer,
        letter_filename,
        letter_pdf,
        statement_attachment,
        with_message,
    )

    renderers: dict[date, MessageRenderer] = {}  # a batch is one run: one date, as a rule
    sent = 0
    for pk in log_ids:
        with transaction.atomic():
            log = (
                DunningLog.objects.select_for_update(of=("self",))
                .select_related("customer__dunning", "policy", "level")
                .filter(pk=pk, emailed_at__isnull=True)
                .exclude(emailed_to="")
                .first()
            )
            if log is None:
                continue
            if log.run_date not in renderers:
                renderers[log.run_date] = MessageRenderer(log.run_date)
            with_message(log, renderers[log.run_date])  # the message is written as it is sent
            message = EmailMessage(
                subject=log.subject, body=log.body, to=log.emailed_to.split(", ")
            )
            if log.letter:
                message.attach(letter_filename(log), letter_pdf(log), "application/pdf")
            message.attach(*statement_attachment(log), "application/pdf")
            message.send()
            log.emailed_at = timezone.now()
            log.save(update_fields=["subject", "body", "emailed_at"])
            sent += 1
    return sent


@task()
def dunning_charges_book_paid() -> int:
    """Book the pending fees and interest of customers who paid since they accrued (policies
    that book charges "only when the customer pays", decision 051).  Idempotent: booked
    charges are no longer pending."""
    from cashloop.collections.services import dunning_charges_book_paid as book

    return book(actor=None)


@task()
def promises_check() -> dict[str, int]:
    """Resolve the open promises to pay: kept when payments covered them, broken when their
    date passed without (decision 050).  Idempotent: a resolved promise is not open."""
    from cashloop.collections.services import payment_promises_check

    result = payment_promises_check(actor=None)
    return {"checked": result.checked, "kept": result.kept, "broken": result.broken}

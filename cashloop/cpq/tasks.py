"""Background tasks of CPQ: the email that carries a sent quote, and the daily expiry."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cashloop.cpq import services
from cashloop.cpq.documents import quote_pdf, quote_subject
from cashloop.cpq.models import Quote


@task()
def quote_email(quote_id: int) -> bool:
    """Email a sent quote with its PDF, once: the row is claimed under a lock first."""
    with transaction.atomic():
        quote = (
            Quote.objects.select_for_update()
            .filter(pk=quote_id, emailed_at__isnull=True)
            .exclude(emailed_to="")
            .first()
        )
        if quote is None:
            return False
        message = EmailMessage(
            subject=quote_subject(quote), body=quote.terms, to=quote.emailed_to.split(", ")
        )
        message.attach(
            f"{quote.number or quote.pk}-v{quote.version}.pdf", quote_pdf(quote), "application/pdf"
        )
        message.send()
        quote.emailed_at = timezone.now()
        quote.save(update_fields=["emailed_at"])
    return True


@task()
def quotes_expire() -> int:
    """Expire quotes past their validity (idempotent: a second run finds none)."""
    return services.quote_expire_due()

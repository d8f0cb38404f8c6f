"""Background work of webhooks: one delivery's attempt, and the hourly sweep of due retries."""

from django_tasks import task

from cashloop.webhooks.services import webhook_delivery_attempt
from cashloop.webhooks.services import webhook_retry_due as retry_due


@task()
def webhook_deliver(delivery_id: int) -> str:
    return webhook_delivery_attempt(delivery_id=delivery_id).status


@task()
def webhook_retry_due() -> int:
    return retry_due()

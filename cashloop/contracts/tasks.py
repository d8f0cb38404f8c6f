"""Background tasks of contracts; each idempotent (running it twice changes nothing)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from cashloop.contracts import keydates, recognition


@task()
def revenue_recognition_monthly() -> int:
    """Recognise last month's revenue (the scheduled run); how many line-months it posted.

    Contracts already recognised for that month are left alone, so a second run posts nothing.
    """
    last_month = recognition.add_months(timezone.localdate(), -1)
    return len(recognition.revenue_recognition_run(actor=None, period=last_month))


@task()
def key_date_reminders() -> int:
    """Remind contract owners of their key dates; each reminder goes out once."""
    return keydates.key_date_reminders_send()


@task()
def contracts_close_daily() -> int:
    """Complete the contracts that are over and expire the drafts left past their end."""
    from cashloop.contracts.services import contracts_close

    return contracts_close(on=timezone.localdate())


@task()
def contract_billing_daily() -> int:
    """Bill every plan item due today (as the first user who may bill, see billing_actor);
    how many invoices it issued.  Items billed already are skipped, so a rerun bills none."""
    from cashloop.contracts import billing

    actor = billing.billing_actor()
    if actor is None:
        return 0
    return len(billing.contract_invoices_generate(actor=actor, on=timezone.localdate()))

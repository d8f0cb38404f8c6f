"""Background work of receivables: telling webhook subscribers of installments that fell
overdue (the daily job)."""

from django_tasks import task

from cashloop.receivables.services import invoice_overdue_emit


@task()
def invoice_overdue_daily() -> int:
    return invoice_overdue_emit()

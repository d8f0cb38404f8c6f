"""Background work of reports: the daily job that mails the scheduled reports due."""

from django_tasks import task

from cashloop.reports.schedule_services import report_schedules_send_due


@task()
def report_schedules_send() -> int:
    """Mail each schedule due today once per period (a second run sends nothing)."""
    return sum(report_schedules_send_due().values())

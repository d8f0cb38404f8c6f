"""Background tasks of approvals: reminders and escalation of overdue steps."""

from __future__ import annotations

from django_tasks import task

from cashloop.approvals import services


@task()
def approvals_remind_and_escalate() -> int:
    """Remind, then escalate, overdue approval steps; running it twice sends nothing twice."""
    return services.approval_tasks_remind_and_escalate()

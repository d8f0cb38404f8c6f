"""Jobs the worker queues by the clock: hourly, daily, weekly and monthly background tasks.

Apps register their jobs in `AppConfig.ready()`; `cashloop worker` looks at the clock
every minute and queues each job once per slot (an hour, a day, an ISO week, or a calendar
month), after its time of day (for hourly jobs: its minute past the hour; for monthly jobs:
on its day of the month) in the company's time zone.  A worker that was down queues a
missed slot when it comes back, once.  Each job's task must be idempotent, as every task
is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from cashloop.core.models import ScheduledRun

HOURLY = "hourly"
DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Job:
    key: str
    task: Task
    every: str  # HOURLY, DAILY, WEEKLY or MONTHLY
    at: time
    weekday: int = 0  # WEEKLY: 0 is Monday
    day: int = 1  # MONTHLY: the day of the month (1 to 28, so that every month has it)

    def slot(self, now: datetime) -> str | None:
        """The slot that is due at `now` (local), or None before its time."""
        local = timezone.localtime(now)
        if self.every == HOURLY:
            if local.minute < self.at.minute:
                return None
            return local.strftime("%Y-%m-%dT%H")
        if self.every == DAILY:
            return local.date().isoformat() if local.time() >= self.at else None
        if self.every == MONTHLY:
            if (local.day, local.time()) < (self.day, self.at):
                return None
            return local.strftime("%Y-%m")
        if (local.weekday(), local.time()) < (self.weekday, self.at):
            return None
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"


JOBS: dict[str, Job] = {}


def schedule_register(job: Job) -> None:
    """Add a job (apps call this from `ready()`; registering a key again replaces it)."""
    if job.every not in (HOURLY, DAILY, WEEKLY, MONTHLY):
        raise ValueError(
            f"{job.key}: every must be {HOURLY!r}, {DAILY!r}, {WEEKLY!r} or {MONTHLY!r}"
        )
    if job.every == MONTHLY and not 1 <= job.day <= 28:
        raise ValueError(f"{job.key}: a monthly job's day must be 1 to 28")
    JOBS[job.key] = job


def schedule_run_due(*, now: datetime | None = None) -> list[str]:
    """Queue every job whose slot is due and not queued yet; return their keys."""
    now = now or timezone.now()
    queued = []
    for key, job in sorted(JOBS.items()):
        slot = job.slot(now)
        if slot is None or ScheduledRun.objects.filter(job=key, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=key, slot=slot)
                transaction.on_commit(job.task.enqueue)
        except IntegrityError:
            continue  # another worker took this slot first
        queued.append(key)
    return queued

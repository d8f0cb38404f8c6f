"""Scheduled jobs: queued once per slot, after their time, by whichever worker looks first."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings

from cashloop.core import schedule
from cashloop.core.models import ScheduledRun, Sequence
from cashloop.core.schedule import DAILY, WEEKLY, Job, schedule_register, schedule_run_due
from cashloop.core.tests.tasks_for_tests import take_clock_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def jobs(monkeypatch):
    """Only the jobs a test registers (the apps' own jobs are left out)."""
    monkeypatch.setattr(schedule, "JOBS", {})
    schedule_register(Job("test.daily", take_clock_number, DAILY, time(2, 15)))
    schedule_register(Job("test.weekly", take_clock_number, WEEKLY, time(6, 30), weekday=0))


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def numbers_taken():
    counter = Sequence.objects.filter(series="CLK").first()
    return counter.next_value - 1 if counter else 0


@pytest.mark.django_db(transaction=True)
def test_a_daily_job_runs_once_a_day_after_its_time(jobs):
    # 2026-11-23 is a Monday: the weekly job is due at 06:30 too.
    assert schedule_run_due(now=at(23, 2, 0)) == []
    assert schedule_run_due(now=at(23, 2, 15)) == ["test.daily"]
    assert schedule_run_due(now=at(23, 6, 30)) == ["test.weekly"]
    assert schedule_run_due(now=at(23, 23, 59)) == []
    assert schedule_run_due(now=at(24, 3, 0)) == ["test.daily"]
    assert schedule_run_due(now=at(25, 3, 0)) == ["test.daily"]
    assert schedule_run_due(now=at(29, 23, 0)) == ["test.daily"]  # Sunday: still that week
    assert numbers_taken() == 5  # the immediate backend ran each queued task once
    assert sorted(ScheduledRun.objects.values_list("slot", flat=True)) == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-29",
        "2026-W48",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_slot_another_worker_took_is_not_queued_again(jobs):
    ScheduledRun.objects.create(job="test.daily", slot="2026-11-23")
    assert schedule_run_due(now=at(23, 12)) == ["test.weekly"]
    assert numbers_taken() == 1


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError):
        schedule_register(Job("test.fortnightly", take_clock_number, "fortnightly", time(0)))


def test_the_apps_register_their_jobs():
    assert schedule.JOBS["customers.pool_sweep"].every == DAILY
    assert schedule.JOBS["sales.forecast_snapshot"].every == WEEKLY


@pytest.mark.django_db(transaction=True)
def test_a_batch_worker_queues_what_is_due_and_runs_it(jobs, monkeypatch):
    monkeypatch.setattr(schedule.timezone, "now", lambda: at(23, 12))
    with override_settings(TASKS=DB_QUEUE):
        call_command("worker", "--batch", "--interval", "0")
        assert numbers_taken() == 2  # the daily and the weekly job, queued then run
        call_command("worker", "--batch", "--interval", "0")
        assert numbers_taken() == 2
        call_command("worker", "--batch", "--interval", "0", "--no-schedule")
    assert ScheduledRun.objects.count() == 2

"""Hourly scheduled jobs: queued once an hour, after their minute past the hour."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from cashloop.core import schedule
from cashloop.core.models import ScheduledRun
from cashloop.core.schedule import HOURLY, Job, schedule_register, schedule_run_due
from cashloop.core.tests.tasks_for_tests import take_clock_number

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setattr(schedule, "JOBS", {})
    schedule_register(Job("test.hourly", take_clock_number, HOURLY, time(0, 5)))


def at(hour, minute):
    return datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.django_db(transaction=True)
def test_an_hourly_job_runs_once_an_hour_after_its_minute(jobs):
    assert schedule_run_due(now=at(9, 4)) == []
    assert schedule_run_due(now=at(9, 5)) == ["test.hourly"]
    assert schedule_run_due(now=at(9, 59)) == []
    assert schedule_run_due(now=at(10, 4)) == []
    assert schedule_run_due(now=at(10, 30)) == ["test.hourly"]
    slots = sorted(ScheduledRun.objects.values_list("slot", flat=True))
    assert slots == ["2026-11-23T09", "2026-11-23T10"]


def test_approvals_check_deadlines_every_hour():
    assert schedule.JOBS["approvals.remind_and_escalate"].every == HOURLY

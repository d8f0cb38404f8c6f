"""Monthly scheduled jobs: queued once a calendar month, on their day, after their time."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from cashloop.core import schedule
from cashloop.core.models import ScheduledRun
from cashloop.core.schedule import MONTHLY, Job, schedule_register, schedule_run_due
from cashloop.core.tests.tasks_for_tests import take_clock_number

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setattr(schedule, "JOBS", {})
    schedule_register(Job("test.monthly", take_clock_number, MONTHLY, time(1, 30), day=2))


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.django_db(transaction=True)
def test_a_monthly_job_runs_once_a_month_on_its_day_after_its_time(jobs):
    assert schedule_run_due(now=at(11, 1, 23)) == []
    assert schedule_run_due(now=at(11, 2, 1, 29)) == []
    assert schedule_run_due(now=at(11, 2, 1, 30)) == ["test.monthly"]
    assert schedule_run_due(now=at(11, 20, 9)) == []
    # A worker that was down over December's day queues December once when it is back.
    assert schedule_run_due(now=at(12, 1, 9)) == []
    assert schedule_run_due(now=at(12, 30, 9)) == ["test.monthly"]
    assert schedule_run_due(now=at(12, 31, 9)) == []
    slots = sorted(ScheduledRun.objects.values_list("slot", flat=True))
    assert slots == ["2026-11", "2026-12"]


@pytest.mark.parametrize("day", [0, 29])
def test_a_monthly_job_needs_a_day_every_month_has(day):
    with pytest.raises(ValueError, match="1 to 28"):
        schedule_register(Job("test.bad", take_clock_number, MONTHLY, time(1), day=day))


def test_revenue_is_recognised_every_month():
    assert schedule.JOBS["contracts.revenue_recognition"].every == MONTHLY

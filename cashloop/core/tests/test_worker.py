"""`cashloop worker` runs queued tasks from the database queue (django-tasks-db)."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from cashloop.core.models import Sequence
from cashloop.core.tests.tasks_for_tests import take_number

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_worker_runs_what_was_queued():
    with override_settings(TASKS=DB_QUEUE):
        result = take_number.enqueue("WRK")
        assert not Sequence.objects.filter(series="WRK").exists()  # queued, not run
        call_command("worker", "--batch", "--interval", "0")
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == "WRK-2026-000001"
    assert Sequence.objects.get(series="WRK").next_value == 2

"""Key dates (关键节点): the list, the owner's reminders and the iCalendar feed."""

from datetime import date

import pytest
from django.core import mail
from icalendar import Calendar

from cashloop.contracts import tasks
from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.keydates import (
    KeyDateKind,
    key_date_feed,
    key_date_feed_token,
    key_date_feed_user,
    key_date_reminders_send,
    key_dates,
)
from cashloop.contracts.models import KeyDateReminder
from cashloop.contracts.tests.recognition_data import (
    contract_make,
    line_add,
    milestone_add,
    plan_add,
)
from cashloop.cpq.choices import Recognition
from cashloop.notifications.models import Notification

NOV = (date(2026, 11, 1), date(2026, 12, 31))


@pytest.fixture
def contract(customers):
    """rep_east's contract: an installment due 11-25, a milestone planned 11-28, and an end
    on 12-31 with 30 days' renewal notice (12-01)."""
    contract = contract_make(customer=customers["rep_east"], end=date(2026, 12, 31))
    line_add(contract, net="1000.00", recognition=Recognition.AT_INVOICING)
    done = milestone_add(
        contract, name="交付", planned=date(2026, 11, 3), accepted=date(2026, 11, 3)
    )
    open_milestone = milestone_add(contract, name="上线验收", planned=date(2026, 11, 28))
    plan_add(contract, due=date(2026, 11, 2), amount=300, status=PlanItemStatus.INVOICED)
    plan_add(contract, due=date(2026, 11, 25), amount=300, milestone=done)
    plan_add(contract, due=None, milestone=open_milestone, status=PlanItemStatus.WAITING)
    return contract


def test_key_dates_are_due_installments_open_milestones_ends_and_renewal_notices(company, contract):
    found = key_dates(user=company.rep_east, start=NOV[0], end=NOV[1])
    assert [(k.kind, k.date) for k in found] == [
        (KeyDateKind.INSTALLMENT, date(2026, 11, 25)),
        (KeyDateKind.MILESTONE, date(2026, 11, 28)),
        (KeyDateKind.RENEWAL_NOTICE, date(2026, 12, 1)),
        (KeyDateKind.CONTRACT_END, date(2026, 12, 31)),
    ]
    assert {k.contract_id for k in found} == {contract.pk}
    assert found[0].key.startswith("plan:") and found[0].amount == 300
    assert all(k.url for k in found)


def test_key_dates_outside_the_range_or_of_inactive_contracts_are_left_out(company, contract):
    assert (
        key_dates(user=company.rep_east, start=date(2026, 11, 26), end=date(2026, 11, 30))[0].kind
        == KeyDateKind.MILESTONE
    )
    # The renewal notice falls in range although the end does not.
    found = key_dates(user=company.rep_east, start=date(2026, 12, 1), end=date(2026, 12, 1))
    assert [k.kind for k in found] == [KeyDateKind.RENEWAL_NOTICE]
    contract.status = ContractStatus.DRAFT
    contract.save()
    assert key_dates(user=company.rep_east, start=NOV[0], end=NOV[1]) == []


def test_key_dates_follow_the_contracts_a_user_may_see(company, contract):
    assert key_dates(user=company.rep_south, start=NOV[0], end=NOV[1]) == []
    assert len(key_dates(user=company.manager_east, start=NOV[0], end=NOV[1])) == 4
    assert len(key_dates(user=company.finance, start=NOV[0], end=NOV[1])) == 4


def test_the_owner_is_reminded_ahead_and_on_the_day_once_each(
    company, contract, django_capture_on_commit_callbacks
):
    company.rep_east.email = "rep@example.com"
    company.rep_east.save()
    # when: 5 days before the installment, twice
    with django_capture_on_commit_callbacks(execute=True):
        first = key_date_reminders_send(on=date(2026, 11, 20), days=7)
        again = key_date_reminders_send(on=date(2026, 11, 20), days=7)
    # then: one reminder, in-app and by email
    assert (first, again) == (1, 0)
    note = Notification.objects.get(user=company.rep_east)
    assert "2026-11-25" in note.title and note.url
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rep@example.com"]
    # when: the next day (the milestone of 11-28 comes within 7 days) and on the day itself
    assert key_date_reminders_send(on=date(2026, 11, 21), days=7) == 1
    on_the_day = key_date_reminders_send(on=date(2026, 11, 25), days=7)
    # then: the installment again (today) and the renewal notice of 12-01 ahead
    assert on_the_day == 2
    stages = sorted(k.split(":")[-1] for k in KeyDateReminder.objects.values_list("key", flat=True))
    assert stages == ["ahead", "ahead", "ahead", "today"]
    assert Notification.objects.filter(user=company.rep_east).count() == 4


def test_no_one_is_reminded_of_a_contract_without_an_active_owner(company, contract):
    company.rep_east.is_active = False
    company.rep_east.save()
    assert key_date_reminders_send(on=date(2026, 11, 25), days=7) == 0
    assert Notification.objects.count() == 0


def test_the_daily_task_uses_the_configured_days(company, contract, settings, monkeypatch):
    from django.utils import timezone

    settings.CASHLOOP_KEY_DATE_REMINDER_DAYS = 3
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2026, 11, 20))
    assert tasks.key_date_reminders.call() == 0  # 11-25 is five days away
    settings.CASHLOOP_KEY_DATE_REMINDER_DAYS = 5
    assert tasks.key_date_reminders.call() == 1


def test_a_feed_token_names_its_user_until_the_password_changes(company):
    token = key_date_feed_token(user=company.rep_east)
    assert key_date_feed_user(token=token) == company.rep_east
    assert key_date_feed_user(token=token[:-2] + "xx") is None
    assert key_date_feed_user(token=f"{company.finance.pk}:{token.partition(':')[2]}") is None
    assert key_date_feed_user(token="nonsense") is None
    company.rep_east.set_password("a new secret 2026")
    company.rep_east.save()
    assert key_date_feed_user(token=token) is None


def test_the_feed_is_valid_icalendar_with_one_all_day_event_per_key_date(company, contract):
    body = key_date_feed(user=company.rep_east, base_url="https://crm.example", today=NOV[0])
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    first = events[0]
    assert first.decoded("dtstart") == date(2026, 11, 25)
    assert first.decoded("dtend") == date(2026, 11, 26)
    assert str(first["url"]).startswith("https://crm.example/")
    assert len({str(e["uid"]) for e in events}) == 4
    # The same key date keeps its uid tomorrow, so calendar apps update it in place.
    tomorrow = Calendar.from_ical(
        key_date_feed(user=company.rep_east, base_url="https://crm.example", today=NOV[0])
    )
    assert [str(e["uid"]) for e in tomorrow.walk("VEVENT")] == [str(e["uid"]) for e in events]


def test_key_dates_cost_the_same_queries_for_one_contract_and_many(company, customers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def contract_with_dates(n: int) -> None:
        c = contract_make(customer=customers["rep_east"], number=f"HT-KD-{n}")
        line_add(c, net="100.00", recognition=Recognition.AT_INVOICING)
        milestone_add(c, planned=date(2026, 11, 10))
        plan_add(c, due=date(2026, 11, 12))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            key_dates(user=company.rep_east, start=NOV[0], end=NOV[1])
        return len(captured)

    contract_with_dates(0)
    queries()  # the user's roles and teams, read once and kept
    one = queries()
    for n in range(1, 5):
        contract_with_dates(n)
    assert queries() == one

"""The collector's worklist: contacts with outcomes, promises to pay kept or broken by the
daily check, tasks and escalation, the priority order, and bad input with codes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cashloop.collections.choices import ActivityOutcome, PromiseStatus, TaskKind
from cashloop.collections.errors import CollectionError
from cashloop.collections.models import CollectionActivity, CollectionTask, PaymentPromise
from cashloop.collections.selectors import collection_customer, priority_of, worklist
from cashloop.collections.services import (
    collection_activity_log,
    collection_escalate,
    collection_statement_send,
    collection_task_create,
    collection_task_done,
    customer_dunning_set,
    payment_promise_cancel,
    payment_promise_create,
    payment_promises_check,
)
from cashloop.collections.tests.conftest import DUE, issue
from cashloop.core.errors import CoreError, DomainError
from cashloop.credit.scoring import score_compute
from cashloop.customers.models import Contact, Interaction
from cashloop.notifications.models import Notification
from cashloop.receivables.services import payment_auto_allocate, payment_create
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal
TODAY = DUE + timedelta(days=10)


@pytest.fixture
def collector(company):
    return UserFactory(username="collector1", team=None, roles=["collector"])


@pytest.fixture
def assigned(company, collector, debtor):
    """The debtor owes 1,130 since DUE and `collector` collects from it."""
    issue(company, debtor)
    customer_dunning_set(actor=company.finance, customer_id=debtor.pk, collector_id=collector.pk)
    return debtor


def log_promise(collector, customer, *, amount="1130.00", days=7, **extra):
    return collection_activity_log(
        actor=collector,
        customer_id=customer.pk,
        kind="call",
        outcome=ActivityOutcome.PROMISED,
        summary="张会计 promises to pay next week",
        promise_amount=D(amount),
        promise_date=TODAY + timedelta(days=days),
        today=TODAY,
        **extra,
    )


def pay(company, customer, amount, day):
    payment = payment_create(
        actor=company.finance, customer_id=customer.pk, amount=D(amount), payment_date=day
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk, allocation_date=day)
    return payment


def test_a_call_with_a_promise_is_in_the_history_and_schedules_the_follow_up(
    company, collector, assigned
):
    contact = Contact.objects.get(customer=assigned)
    activity = log_promise(
        collector, assigned, contact_ids=[contact.pk], next_follow_up=TODAY + timedelta(days=8)
    )
    interaction = Interaction.objects.get(customer=assigned)
    assert activity.interaction == interaction and interaction.kind == "call"
    assert list(interaction.contacts.all()) == [contact]
    promise = PaymentPromise.objects.get(customer=assigned)
    assert (promise.amount, promise.currency, promise.status) == (D("1130.00"), "CNY", "open")
    assert promise.made_on == TODAY and promise.activity == activity
    task = CollectionTask.objects.get(customer=assigned, kind=TaskKind.FOLLOW_UP)
    assert task.assignee == collector and task.due_date == TODAY + timedelta(days=8)
    assert task.created_by == collector


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"promise_amount": D(0)}, CollectionError.PROMISE_AMOUNT_INVALID),
        ({"promise_amount": D("-5")}, CollectionError.PROMISE_AMOUNT_INVALID),
        ({"promise_date": TODAY - timedelta(days=1)}, CollectionError.PROMISE_DATE_IN_PAST),
        ({"promise_date": None}, CollectionError.PROMISE_REQUIRED),
        ({"customer_id": 999999}, CollectionError.CUSTOMER_NOT_FOUND),
        ({"kind": "meeting"}, CollectionError.KIND_INVALID),
        ({"outcome": "maybe"}, CollectionError.OUTCOME_INVALID),
        ({"summary": "  "}, CollectionError.SUMMARY_REQUIRED),
        ({"next_follow_up": TODAY - timedelta(days=1)}, CollectionError.TASK_DUE_IN_PAST),
    ],
)
def test_bad_contacts_and_promises_are_refused_and_change_nothing(
    company, collector, assigned, changes, code
):
    args = {
        "actor": collector,
        "customer_id": assigned.pk,
        "kind": "call",
        "outcome": ActivityOutcome.PROMISED,
        "summary": "promised",
        "promise_amount": D(100),
        "promise_date": TODAY,
        "today": TODAY,
    }
    with pytest.raises(DomainError) as caught:
        collection_activity_log(**{**args, **changes})
    assert caught.value.code == code
    assert not Interaction.objects.exists()
    assert not CollectionActivity.objects.exists()
    assert not PaymentPromise.objects.exists()
    assert not CollectionTask.objects.filter(kind=TaskKind.FOLLOW_UP).exists()


def test_without_the_right_nothing_is_logged(company, assigned):
    with pytest.raises(DomainError) as caught:
        log_promise(company.viewer, assigned)
    assert caught.value.code == CoreError.PERMISSION_DENIED
    with pytest.raises(DomainError) as caught:
        payment_promise_create(
            actor=company.rep_east,  # the owner reads promises, the collector records them
            customer_id=assigned.pk,
            amount=D(10),
            promised_date=TODAY,
            today=TODAY,
        )
    assert caught.value.code == CoreError.PERMISSION_DENIED
    assert not PaymentPromise.objects.exists() and not Interaction.objects.exists()


def test_a_promise_is_kept_automatically_when_a_payment_arrives_before_its_date(
    company, collector, assigned
):
    log_promise(collector, assigned)
    payment_promises_check(today=TODAY + timedelta(days=1))
    assert PaymentPromise.objects.get().status == PromiseStatus.OPEN
    pay(company, assigned, "500.00", TODAY + timedelta(days=2))
    pay(company, assigned, "630.00", TODAY + timedelta(days=4))
    result = payment_promises_check(today=TODAY + timedelta(days=5))
    promise = PaymentPromise.objects.get()
    assert (result.kept, result.broken) == (1, 0)
    assert promise.status == PromiseStatus.KEPT and promise.paid == D("1130.00")
    assert promise.resolved_on == TODAY + timedelta(days=4)  # the day it was covered
    # Checked again: nothing left to do.
    assert payment_promises_check(today=TODAY + timedelta(days=6)).checked == 0
    assert_verified()


def test_a_promise_not_covered_by_its_date_is_broken_and_the_owner_and_collector_told(
    company, collector, assigned
):
    log_promise(collector, assigned, days=3)
    pay(company, assigned, "200.00", TODAY + timedelta(days=1))
    # A payment before the promise was made does not count towards it.
    payment_promises_check(today=TODAY + timedelta(days=3))  # the date itself: still open
    assert PaymentPromise.objects.get().status == PromiseStatus.OPEN
    with TestCase.captureOnCommitCallbacks(execute=True), translation.override("en"):
        result = payment_promises_check(today=TODAY + timedelta(days=4))
    promise = PaymentPromise.objects.get()
    assert result.broken == 1 and promise.status == PromiseStatus.BROKEN
    assert promise.paid == D("200.00") and promise.resolved_on == TODAY + timedelta(days=4)
    told = Notification.objects.filter(title__contains="promise")
    assert {n.user for n in told} == {company.rep_east, collector}
    # Broken: the customer's priority rises by ten points.
    [row] = worklist(user=collector, today=TODAY + timedelta(days=4))
    assert row.broken_promises == 1 and ("broken_promises", 10) in row.priority.parts
    # And the credit score counts it.
    score = score_compute(assigned.pk, TODAY + timedelta(days=4))
    assert {"code": "broken_promises", "points": -5}.items() <= score.explained[-1].items()
    assert_verified()


def test_payments_count_once_across_promises_in_order_of_date(company, collector, assigned):
    for days in (2, 6):
        payment_promise_create(
            actor=collector,
            customer_id=assigned.pk,
            amount=D(500),
            promised_date=TODAY + timedelta(days=days),
            today=TODAY,
        )
    pay(company, assigned, "600.00", TODAY + timedelta(days=1))
    payment_promises_check(today=TODAY + timedelta(days=3))
    first, second = PaymentPromise.objects.order_by("promised_date")
    assert first.status == PromiseStatus.KEPT
    assert second.status == PromiseStatus.OPEN and second.paid == D(100)
    assert_verified()


def test_a_cancelled_promise_is_not_checked_and_cannot_be_cancelled_twice(
    company, collector, assigned
):
    log_promise(collector, assigned)
    promise = PaymentPromise.objects.get()
    payment_promise_cancel(actor=collector, promise_id=promise.pk, today=TODAY)
    assert payment_promises_check(today=TODAY + timedelta(days=30)).checked == 0
    with pytest.raises(DomainError) as caught:
        payment_promise_cancel(actor=collector, promise_id=promise.pk, today=TODAY)
    assert caught.value.code == CollectionError.PROMISE_NOT_OPEN


def test_the_worklist_orders_by_priority_and_lists_tasks_and_untasked_debtors(
    company, collector, assigned
):
    small = CustomerFactory(owner=company.rep_east, code="SMALL")
    issue(company, small, price="100.00")
    customer_dunning_set(actor=company.finance, customer_id=small.pk, collector_id=collector.pk)
    big = CustomerFactory(owner=company.rep_east, code="BIG")
    issue(company, big, price="90000.00", issue_date=DUE - timedelta(days=90))
    customer_dunning_set(actor=company.finance, customer_id=big.pk, collector_id=collector.pk)
    other = CustomerFactory(owner=company.rep_south, code="OTHER")
    issue(company, other)  # not the collector's: its owner's worklist
    rows = worklist(user=collector, today=TODAY)
    assert [row.code for row in rows] == ["BIG", "DEBTOR", "SMALL"]
    assert rows[0].priority.score > rows[1].priority.score > rows[2].priority.score
    assert rows[0].oldest_days == 70 and rows[1].overdue == D("1130.00")
    # A follow-up due later takes the customer off today's list; due today, it is the row.
    task = collection_task_create(
        actor=collector, customer_id=small.pk, due_date=TODAY + timedelta(days=1), today=TODAY
    )
    assert [row.code for row in worklist(user=collector, today=TODAY)] == ["BIG", "DEBTOR"]
    [row] = [r for r in worklist(user=collector, today=TODAY + timedelta(days=1)) if r.task]
    assert row.task == task and row.code == "SMALL"
    collection_task_done(actor=collector, task_id=task.pk)
    assert len(worklist(user=collector, today=TODAY + timedelta(days=1))) == 3
    assert [r.code for r in worklist(user=company.rep_south, today=TODAY)] == ["OTHER"]
    # Finance sees every collector's list.
    everyone = worklist(user=company.finance, today=TODAY, everyone=True)
    assert {r.code for r in everyone} == {"BIG", "DEBTOR", "SMALL", "OTHER"}


def test_the_worklist_reads_a_bounded_number_of_queries(company, collector):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = worklist(user=collector, today=TODAY)
        return len(rows), len(queries)

    def add(n: int) -> None:
        for _ in range(n):
            customer = CustomerFactory(owner=collector)
            issue(company, customer, price="500.00")
            collection_task_create(
                actor=collector, customer_id=customer.pk, due_date=TODAY, today=TODAY
            )
            payment_promise_create(
                actor=collector,
                customer_id=customer.pk,
                amount=D(10),
                promised_date=TODAY,
                today=TODAY,
            )

    add(2)
    rows_few, few = count()
    add(6)
    rows_many, many = count()
    assert (rows_few, rows_many) == (2, 8)
    assert few == many


def test_the_promise_check_reads_a_bounded_number_of_queries(company, collector):
    def run(n: int) -> int:
        for _ in range(n):
            customer = CustomerFactory(owner=collector)
            payment_promise_create(
                actor=collector,
                customer_id=customer.pk,
                amount=D(10),
                promised_date=TODAY + timedelta(days=5),
                today=TODAY,
            )
            payment_create(
                actor=company.finance,
                customer_id=customer.pk,
                amount=D(10),
                payment_date=TODAY + timedelta(days=1),
            )
        with CaptureQueriesContext(connection) as queries:
            result = payment_promises_check(today=TODAY + timedelta(days=2))
        assert result.kept == n
        return len(queries)

    assert run(2) == run(7)


def test_escalation_goes_to_the_owners_team_manager_else_finance(company, collector, assigned):
    company.east.manager = company.manager_east
    company.east.save()
    with TestCase.captureOnCommitCallbacks(execute=True), translation.override("en"):
        task = collection_escalate(
            actor=collector, customer_id=assigned.pk, note="三次未接", today=TODAY
        )
    assert task.kind == TaskKind.ESCALATION and task.assignee == company.manager_east
    told = {n.user for n in Notification.objects.filter(title__contains="escalated")}
    assert told == {company.manager_east, company.finance}
    company.east.manager = None
    company.east.save()
    task = collection_escalate(actor=collector, customer_id=assigned.pk, note="again")
    assert task.assignee is None  # finance's list
    with pytest.raises(DomainError) as caught:
        collection_escalate(actor=collector, customer_id=assigned.pk, note=" ")
    assert caught.value.code == CollectionError.ESCALATION_NOTE_REQUIRED


def test_sending_a_statement_emails_the_pdf_and_logs_the_contact(company, collector, assigned):
    with TestCase.captureOnCommitCallbacks(execute=True):
        activity = collection_statement_send(actor=collector, customer_id=assigned.pk, today=TODAY)
    assert activity.outcome == ActivityOutcome.REACHED
    assert activity.interaction.kind == "email"
    [message] = [m for m in mail.outbox if m.to == ["ap@debtor.example"]]
    assert message.attachments[0][1].startswith(b"%PDF")
    Contact.objects.filter(customer=assigned).update(email="")
    with pytest.raises(DomainError) as caught:
        collection_statement_send(actor=collector, customer_id=assigned.pk, today=TODAY)
    assert caught.value.code == CollectionError.STATEMENT_NO_EMAIL
    assert CollectionActivity.objects.count() == 1


def test_task_create_refuses_bad_input(company, collector, assigned):
    for changes, code in (
        ({"due_date": TODAY - timedelta(days=1)}, CollectionError.TASK_DUE_IN_PAST),
        ({"kind": "dunning"}, CollectionError.TASK_KIND_INVALID),
        ({"customer_id": 999999}, CollectionError.CUSTOMER_NOT_FOUND),
    ):
        args = {"actor": collector, "customer_id": assigned.pk, "due_date": TODAY, "today": TODAY}
        with pytest.raises(DomainError) as caught:
            collection_task_create(**{**args, **changes})
        assert caught.value.code == code
    assert not CollectionTask.objects.exists()


def test_the_customer_page_data(company, collector, assigned):
    log_promise(collector, assigned)
    page = collection_customer(user=collector, customer_id=assigned.pk, today=TODAY)
    assert page.collector == collector and page.overdue == D("1130.00")
    assert [p.status for p in page.promises] == ["open"]
    assert page.history[0].collection.outcome == ActivityOutcome.PROMISED
    assert page.contacts[0].email == "ap@debtor.example"
    assert (
        page.priority.score
        == priority_of(overdue=D("1130.00"), days=10, credit_score=None, broken=0).score
    )

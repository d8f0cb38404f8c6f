"""The dunning run: levels walked by simulated days, once each, one message per customer,
installment-level, exclusions, holds, preview, and bad input with codes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cashloop.collections.choices import ExclusionReason, Language
from cashloop.collections.errors import DunningError
from cashloop.collections.models import (
    CollectionTask,
    CustomerDunning,
    DunningLog,
    DunningLogItem,
)
from cashloop.collections.selectors import collector_of
from cashloop.collections.services import (
    LevelInput,
    customer_dunning_set,
    dunning_policy_save,
    dunning_run,
    invoice_exclusion_add,
)
from cashloop.collections.tests.conftest import DUE, LEVELS, issue
from cashloop.core.errors import CoreError, DomainError
from cashloop.core.tests.test_sql import _jit
from cashloop.credit.models import CreditHold
from cashloop.receivables.choices import DueRule
from cashloop.receivables.services import InstallmentIn, payment_auto_allocate, payment_create
from tests.factories import CustomerFactory

D = Decimal


def on_commit():
    return TestCase.captureOnCommitCallbacks(execute=True)


def test_an_overdue_invoice_walks_up_the_levels_by_itself(company, policy, debtor):
    """Every day for 100 days the run goes; each level is done once, on its day."""
    invoice = issue(company, debtor)
    reached: dict[str, date] = {}
    day = DUE - timedelta(days=5)
    while day <= DUE + timedelta(days=100):
        with on_commit():
            result = dunning_run(actor=None, today=day, send=True)
        for plan in result.customers:
            assert plan.level.name not in reached, "a level was done twice"
            reached[plan.level.name] = day
        day += timedelta(days=1)
    assert reached == {level.name: DUE + timedelta(days=level.days_overdue) for level in LEVELS}
    logs = DunningLog.objects.filter(customer=debtor).order_by("run_date")
    assert [log.days_overdue for log in logs] == [-3, 1, 15, 30, 60, 90]
    assert DunningLogItem.objects.filter(installment__invoice=invoice).count() == 6
    # One email per level, to the customer's contact, each with the statement of the month
    # (decision 051), the third with its letter PDF too.
    reminders = [m for m in mail.outbox if m.to == ["ap@debtor.example"]]
    assert len(reminders) == 6
    names = [[name for name, _pdf, _type in m.attachments] for m in reminders]
    assert all(
        f"statement-DEBTOR-{log.run_date}.pdf" in n for n, log in zip(names, logs, strict=True)
    )
    letters = [m for m in reminders if len(m.attachments) == 2]
    assert len(letters) == 1 and letters[0].attachments[0][2] == "application/pdf"
    assert letters[0].attachments[0][1].startswith(b"%PDF")
    assert letters[0].attachments[1][1].startswith(b"%PDF")
    assert invoice.number in reminders[1].body
    third = logs.get(days_overdue=30)
    assert third.fee == D("50.00") and third.currency == "CNY"
    # The collector's tasks: due two days after the second reminder, and after the final.
    tasks = CollectionTask.objects.filter(customer=debtor).order_by("due_date")
    assert [t.due_date for t in tasks] == [DUE + timedelta(days=17), DUE + timedelta(days=63)]
    assert {t.assignee for t in tasks} == {company.rep_east}  # no collector: the owner
    # The final notice put the customer on hold through credit control, once.
    holds = CreditHold.objects.filter(customer=debtor, source="dunning")
    assert holds.count() == 1 and holds.get().released_at is None


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Follow up “Second reminder” with 欠款客户"),
        ("zh-hans", "跟进 欠款客户 的“Second reminder”"),
    ],
)
def test_the_task_title_is_in_the_run_language(company, policy, debtor, language, title):
    """The database writes the title; the translation puts the placeholders in its order."""
    issue(company, debtor)
    with on_commit(), translation.override(language):
        run = dunning_run(actor=None, today=DUE + timedelta(days=15), send=True)
    assert run.tasks == 1
    task = CollectionTask.objects.get(customer=debtor)
    assert task.title == title and task.kind == "dunning" and task.note == ""
    assert task.log.customer == debtor and task.created_at == run.made_at


def test_a_second_run_the_same_day_does_nothing(company, policy, debtor):
    issue(company, debtor)
    day = DUE + timedelta(days=1)
    with on_commit():
        first = dunning_run(actor=company.finance, today=day, send=True)
    assert first.logs == 1 and first.emails == 1
    with on_commit():
        second = dunning_run(actor=company.finance, today=day, send=True)
    assert second.customers == [] and second.logs == 0
    assert DunningLog.objects.count() == 1 and len(mail.outbox) == 1


def test_the_preview_shows_the_run_and_writes_nothing(company, policy, debtor):
    issue(company, debtor)
    day = DUE + timedelta(days=20)
    with on_commit():
        preview = dunning_run(actor=company.finance, today=day, send=False)
    assert not preview.sent
    [plan] = preview.customers
    assert plan.level.name == "Second reminder" and plan.emails == ["ap@debtor.example"]
    assert not DunningLog.objects.exists() and not CollectionTask.objects.exists()
    assert mail.outbox == []
    # Jumping straight to day 20 does the level reached, not the ones it skipped.
    with on_commit():
        run = dunning_run(actor=company.finance, today=day, send=True)
    assert [p.level.name for p in run.customers] == ["Second reminder"]


def test_a_limited_preview_reads_the_first_customers_and_counts_them_all(company, policy, debtor):
    """The page's preview builds plans for a screenful; the database counts the rest."""
    issue(company, debtor, issue_date=date(2026, 2, 1))
    issue(company, debtor)
    issue(company, CustomerFactory(owner=company.rep_south, code="AHEAD"))
    issue(company, CustomerFactory(owner=company.rep_south, code="ZLAST"))
    day = DUE + timedelta(days=1)
    whole = dunning_run(actor=company.finance, today=day, send=False)
    assert [c.code for c in whole.customers] == ["AHEAD", "DEBTOR", "ZLAST"]
    assert (whole.plan.customer_count, whole.installments) == (3, 4)
    shown = dunning_run(actor=company.finance, today=day, send=False, limit=2)
    assert [c.code for c in shown.customers] == ["AHEAD", "DEBTOR"]
    assert (shown.plan.customer_count, shown.installments) == (3, 4)
    assert shown.customers[1].items == whole.customers[1].items
    # Only installments newly at a level count: after today's run, none does.
    with on_commit():
        dunning_run(actor=company.finance, today=day, send=True)
    after = dunning_run(actor=company.finance, today=day, send=False, limit=2)
    assert (after.customers, after.plan.customer_count, after.installments) == ([], 0, 0)


def test_one_combined_message_per_customer_lists_every_overdue_item(company, policy, debtor):
    old = issue(company, debtor, issue_date=date(2026, 2, 1))  # due 2026-03-03
    new = issue(company, debtor)  # due 2026-03-31
    other = CustomerFactory(owner=company.rep_south, code="OTHER")
    issue(company, other)
    with on_commit():
        result = dunning_run(actor=None, today=DUE + timedelta(days=1), send=True)
    assert len(result.customers) == 2 and len(mail.outbox) == 1  # OTHER has no email
    body = mail.outbox[0].body
    assert old.number in body and new.number in body
    log = DunningLog.objects.get(customer=debtor)
    # The oldest item (29 days overdue) reached the second reminder.
    assert log.level_name == "Second reminder" and log.items.count() == 2


def test_only_the_overdue_installments_of_an_invoice_are_dunned(company, policy, debtor):
    invoice = issue(
        company,
        debtor,
        installments=[
            InstallmentIn(share=D(1), due_rule=DueRule.DAYS_AFTER, due_days=30),
            InstallmentIn(share=D(1), due_rule=DueRule.DAYS_AFTER, due_days=90),
        ],
    )
    first, later = invoice.installments.order_by("sequence")
    with on_commit():
        dunning_run(actor=None, today=DUE + timedelta(days=10), send=True)
    assert list(DunningLogItem.objects.values_list("installment_id", flat=True)) == [first.pk]
    assert f"{invoice.number}/2" not in mail.outbox[0].body
    # Paying the first installment takes it out of dunning; the second is dunned on its own.
    payment = payment_create(
        actor=company.finance, customer_id=debtor.pk, amount=first.residual, payment_date=DUE
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk, allocation_date=DUE)
    with on_commit():
        result = dunning_run(actor=None, today=DUE + timedelta(days=61), send=True)
    [plan] = result.customers
    assert [item.installment_id for item in plan.items] == [later.pk]
    assert plan.level.name == "First reminder"


def test_excluded_invoices_and_customers_are_left_out(company, policy, debtor):
    disputed = issue(company, debtor)
    day = DUE + timedelta(days=5)
    invoice_exclusion_add(
        actor=company.finance,
        invoice_id=disputed.pk,
        reason=ExclusionReason.DISPUTE,
        until=day + timedelta(days=10),
        today=day,
    )
    assert dunning_run(actor=None, today=day, send=False).customers == []
    # When the exclusion ends the invoice is dunned again, at the level it has reached.
    [plan] = dunning_run(actor=None, today=day + timedelta(days=11), send=False).customers
    assert plan.level.name == "Second reminder"
    customer_dunning_set(
        actor=company.finance,
        customer_id=debtor.pk,
        excluded_until=day + timedelta(days=40),
        exclusion_reason=ExclusionReason.KEY_ACCOUNT,
        today=day,
    )
    assert dunning_run(actor=None, today=day + timedelta(days=11), send=False).customers == []


def test_the_collector_gets_the_task_and_reminders_follow_the_language(company, debtor):
    dunning_policy_save(
        actor=company.finance,
        name="Key accounts",
        is_default=True,
        levels=[
            LevelInput(
                name="Reminder",
                days_overdue=1,
                create_task=True,
                subject_zh="催款：{{ customer.name }}",
                subject_en="Reminder: {{ customer.code }}",
            )
        ],
    )
    assert collector_of(debtor) is None
    settings = customer_dunning_set(
        actor=company.finance,
        customer_id=debtor.pk,
        collector_id=company.manager_east.pk,
        language=Language.EN,
    )
    assert collector_of(debtor) == company.manager_east == settings.collector
    issue(company, debtor)
    with on_commit():
        dunning_run(actor=None, today=DUE + timedelta(days=1), send=True)
    assert mail.outbox[0].subject == "Reminder: DEBTOR"
    body = mail.outbox[0].body
    assert body.startswith("Dear 欠款客户,") and "Total open:" in body and "1,130.00" in body
    assert CollectionTask.objects.get().assignee == company.manager_east


def test_the_daily_task_sends_only_for_automatic_policies(company, policy, debtor):
    from cashloop.collections.tasks import dunning_daily

    issue(company, debtor)
    with on_commit():
        dunning_daily.call()
    assert not DunningLog.objects.exists()  # auto_send is off by default: preview only
    dunning_policy_save(
        actor=company.finance,
        name=policy.name,
        levels=LEVELS,
        is_default=True,
        auto_send=True,
        policy_id=policy.pk,
    )
    with on_commit():
        result = dunning_run(actor=None, today=DUE + timedelta(days=1), send=True, auto_only=True)
    assert result.logs == 1


def test_queries_do_not_grow_with_installments(company, policy, debtor):
    """The run reads and writes in sets: ten times the installments, the same queries."""

    def run(day: date) -> int:
        with CaptureQueriesContext(connection) as queries, on_commit():
            result = dunning_run(actor=None, today=day, send=True)
        assert result.logs
        return len(queries)

    few = [CustomerFactory(owner=company.rep_east) for _ in range(2)]
    for customer in few:
        issue(company, customer)
    small = run(DUE + timedelta(days=1))
    many = [CustomerFactory(owner=company.rep_east) for _ in range(10)]
    for customer in many:
        for _ in range(3):
            issue(company, customer)
    big = run(DUE + timedelta(days=2))
    assert big == small


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT compiler")
@pytest.mark.parametrize("send", [True, False])
def test_the_run_and_its_preview_select_without_jit(company, policy, debtor, send):
    """Compiling the selection cost more than running it (decision 047)."""
    issue(company, debtor)
    seen: list[str] = []

    def jit_when_selecting(execute, sql, params, many, context):
        if "collections_dunninglogitem" in sql and sql.lstrip().startswith(("CREATE", "SELECT")):
            seen.append(_jit())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(jit_when_selecting), on_commit():
        dunning_run(actor=company.finance, today=DUE + timedelta(days=1), send=send)
    assert seen and set(seen) == {"off"}


@pytest.mark.parametrize(
    ("levels", "code"),
    [
        ([], DunningError.NO_LEVELS),
        (
            [LevelInput(name="a", days_overdue=15), LevelInput(name="b", days_overdue=1)],
            DunningError.LEVELS_OUT_OF_ORDER,
        ),
        (
            [LevelInput(name="a", days_overdue=15), LevelInput(name="b", days_overdue=15)],
            DunningError.LEVELS_OVERLAP,
        ),
        ([LevelInput(name="a", days_overdue=1, fee=D("-1"))], DunningError.LEVEL_INVALID),
        ([LevelInput(name="a", days_overdue=1, body_zh="{% if %}")], DunningError.TEMPLATE_INVALID),
    ],
)
def test_bad_levels_are_refused_and_nothing_changes(company, levels, code):
    with pytest.raises(DomainError) as caught:
        dunning_policy_save(actor=company.finance, name="Bad", levels=levels)
    assert caught.value.code == code
    from cashloop.collections.models import DunningPolicy

    assert not DunningPolicy.objects.exists()


def test_a_second_default_policy_is_refused(company, policy):
    with pytest.raises(DomainError) as caught:
        dunning_policy_save(actor=company.finance, name="Other", levels=LEVELS, is_default=True)
    assert caught.value.code == DunningError.SECOND_DEFAULT


def test_an_exclusion_ending_in_the_past_is_refused(company, debtor):
    invoice = issue(company, debtor)
    today = date(2026, 4, 10)
    with pytest.raises(DomainError) as caught:
        invoice_exclusion_add(
            actor=company.finance,
            invoice_id=invoice.pk,
            reason=ExclusionReason.DISPUTE,
            until=today - timedelta(days=1),
            today=today,
        )
    assert caught.value.code == DunningError.EXCLUSION_IN_PAST
    with pytest.raises(DomainError) as caught:
        customer_dunning_set(
            actor=company.finance,
            customer_id=debtor.pk,
            excluded_until=today - timedelta(days=1),
            exclusion_reason=ExclusionReason.OTHER,
            today=today,
        )
    assert caught.value.code == DunningError.EXCLUSION_IN_PAST
    assert not CustomerDunning.objects.exists()


def test_running_dunning_needs_the_right(company, policy):
    with pytest.raises(DomainError) as caught:
        dunning_run(actor=company.rep_east, send=True)
    assert caught.value.code == CoreError.PERMISSION_DENIED


def test_the_customer_panel_shows_level_exclusions_and_tasks(company, policy, debtor):
    from cashloop.collections.selectors import customer_dunning

    invoice = issue(company, debtor)
    day = DUE + timedelta(days=16)
    with on_commit():
        dunning_run(actor=None, today=day, send=True)
    invoice_exclusion_add(
        actor=company.finance,
        invoice_id=invoice.pk,
        reason=ExclusionReason.PAYMENT_PLAN,
        until=day + timedelta(days=30),
        today=day,
    )
    panel = customer_dunning(user=company.rep_east, customer_id=debtor.pk, today=day)
    assert panel.last is not None and panel.last.level_name == "Second reminder"
    assert [e.invoice_id for e in panel.exclusions] == [invoice.pk]
    assert [t.assignee for t in panel.open_tasks] == [company.rep_east]
    with pytest.raises(DomainError):
        customer_dunning(user=company.rep_south, customer_id=debtor.pk, today=day)


def test_each_log_is_audited_in_its_customers_history(company, policy, debtor):
    """The run writes its logs in sets; each still has its audit row, in the customer's
    history, and its message is written when it is emailed."""
    from cashloop.core.audit import audit_history

    issue(company, debtor)
    with on_commit():
        dunning_run(actor=company.finance, today=DUE + timedelta(days=1), send=True)
    log = DunningLog.objects.get(customer=debtor)
    [entry] = audit_history(instance=debtor).filter(object_id=str(log.pk))
    assert entry.actor == company.finance and entry.action == "create"
    assert entry.changes["level_name"] == [None, log.level_name]
    assert entry.changes["emailed_to"] == [None, "ap@debtor.example"]
    assert entry.object_repr.startswith(f"{debtor.code} {log.run_date.isoformat()}")
    assert log.emailed_at is not None and log.body and log.subject

"""Writes of collections: dunning policies with their levels, customer settings, invoice
exclusions, collection tasks, and the dunning run itself (decision 047).

The run takes the plan (`selectors.dunning_plan`) and, when sending, writes it in bulk:
one log row per customer with the message, one item per installment and level reached,
the collection tasks; then holds through credit control, and the emails after commit.
The unique constraints on the log make a second run of the same day a no-op.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property, partial
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.collections.choices import (
    ActivityOutcome,
    ChargeBooking,
    ChargeKind,
    ChargeStatus,
    DisputeReason,
    DisputeStatus,
    ExclusionReason,
    Language,
    PromiseStatus,
    TaskKind,
)
from cashloop.collections.documents import template_check
from cashloop.collections.errors import CollectionError, DisputeError, DunningError
from cashloop.collections.models import (
    CollectionActivity,
    CollectionTask,
    CustomerDunning,
    Dispute,
    DunningCharge,
    DunningLevel,
    DunningLog,
    DunningLogItem,
    DunningPolicy,
    InvoiceExclusion,
    PaymentPromise,
)
from cashloop.collections.selectors import (
    DISPUTE_OPEN,
    OPEN_STATUSES,
    ZERO,
    CustomerPlan,
    DunningPlan,
    PolicyResolver,
    collector_of,
    customer_plans,
    customer_settings,
    dunning_plan,
    plan_rows,
    policies,
    run_customers,
    today_or,
)
from cashloop.core.audit import (
    audit_created_rows,
    audit_record,
    audit_record_many,
    audit_snapshot,
)
from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import (
    base_currency,
    currency_check,
    format_money,
    quantize,
    split,
    to_decimal,
)
from cashloop.core.scoping import get_scoped, require
from cashloop.core.sql import (
    DaysBetween,
    analyze,
    insert_select,
    temporary_table,
    without_jit,
)
from cashloop.customers.choices import InteractionKind
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Contact, Customer, CustomerGroup
from cashloop.customers.services import interaction_create
from cashloop.identity.models import User
from cashloop.ledger.models import Account
from cashloop.notifications.services import notification_send
from cashloop.receivables.choices import DueRule, HoldStatus, InvoiceStatus
from cashloop.receivables.models import HeldPosting, Installment, Invoice, Payment
from cashloop.receivables.services import LineIn
from cashloop.receivables.statement import Statement, default_period, statement_get, statement_pdf

logger = logging.getLogger(__name__)

# Emails are queued in tasks of this many reminders each.
EMAIL_BATCH = 500
# Installments read per query when charging interest: a bound on the query's parameters.
CHARGE_CHUNK = 5000
LEVEL_FIELDS = (
    "name",
    "days_overdue",
    "send_email",
    "subject_zh",
    "body_zh",
    "subject_en",
    "body_en",
    "letter",
    "create_task",
    "task_due_days",
    "fee",
    "hold",
)


# --- policies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelInput:
    """One level as typed: its position in the list is its order."""

    name: str
    days_overdue: int
    send_email: bool = True
    subject_zh: str = ""
    body_zh: str = ""
    subject_en: str = ""
    body_en: str = ""
    letter: bool = False
    create_task: bool = False
    task_due_days: int = 3
    fee: Decimal = Decimal(0)
    hold: bool = False


def _levels_check(levels: Sequence[LevelInput]) -> None:
    if not levels:
        raise DomainError(DunningError.NO_LEVELS)
    seen: set[int] = set()
    previous: LevelInput | None = None
    for position, level in enumerate(levels, start=1):
        if not level.name.strip():
            raise DomainError(
                DunningError.LEVEL_INVALID, position=position, reason=_("a name is required.")
            )
        if not -365 <= level.days_overdue <= 3650:
            raise DomainError(
                DunningError.LEVEL_INVALID,
                position=position,
                reason=_("days overdue must be between -365 and 3650."),
            )
        if level.fee < 0:
            raise DomainError(
                DunningError.LEVEL_INVALID,
                position=position,
                reason=_("the fee cannot be negative."),
            )
        if not 0 <= level.task_due_days <= 365:
            raise DomainError(
                DunningError.LEVEL_INVALID,
                position=position,
                reason=_("a task is due within 0 to 365 days."),
            )
        if level.days_overdue in seen:
            raise DomainError(DunningError.LEVELS_OVERLAP, days=level.days_overdue)
        if previous is not None and level.days_overdue < previous.days_overdue:
            raise DomainError(
                DunningError.LEVELS_OUT_OF_ORDER,
                name=level.name,
                days=level.days_overdue,
                previous=previous.days_overdue,
            )
        for text in (level.subject_zh, level.body_zh, level.subject_en, level.body_en):
            template_check(text, position=position)
        seen.add(level.days_overdue)
        previous = level


def _policy_fields_check(*, name: str, is_default: bool, policy_id: int | None) -> str:
    text = name.strip()
    if not text:
        raise DomainError(CoreError.VALIDATION, details={"name": [_("Required.")]})
    others = DunningPolicy.objects.all()
    if policy_id is not None:
        others = others.exclude(pk=policy_id)
    if others.filter(name=text).exists():
        raise DomainError(DunningError.POLICY_NAME_TAKEN, name=text)
    if is_default:
        current = others.select_for_update().filter(is_default=True).first()
        if current is not None:
            raise DomainError(DunningError.SECOND_DEFAULT, name=current.name)
    return text


@transaction.atomic
def dunning_policy_save(
    *,
    actor: User,
    name: str,
    levels: Sequence[LevelInput],
    is_default: bool = False,
    auto_send: bool = False,
    group_ids: Iterable[int] = (),
    policy_id: int | None = None,
    interest_rate: Decimal = Decimal(0),
    charge_booking: str = ChargeBooking.ON_RUN,
) -> DunningPolicy:
    """Create a policy, or replace one's fields, groups and levels (levels kept by order)."""
    if policy_id is None:
        require(actor, "add", DunningPolicy)
        policy, before = DunningPolicy(), None
    else:
        policy = get_scoped(
            DunningPolicy.objects.all(),
            user=actor,
            action="change",
            pk=policy_id,
            lock=True,
            not_found=DunningError.POLICY_NOT_FOUND,
        )
        before = audit_snapshot(policy)
    policy.name = _policy_fields_check(name=name, is_default=is_default, policy_id=policy_id)
    _levels_check(levels)
    groups = list(CustomerGroup.objects.filter(pk__in=list(group_ids)))
    policy.is_default, policy.auto_send = is_default, auto_send
    policy.interest_rate, policy.charge_booking = _charge_terms(interest_rate, charge_booking)
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        # Another admin made a default (or took the name) at the same moment.
        raise DomainError(CoreError.CONFLICT) from None
    policy.groups.set(groups)
    _levels_replace(policy, levels)
    audit_record(
        actor=actor,
        instance=policy,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        before=before,
    )
    return policies().get(pk=policy.pk)


def _charge_terms(interest_rate: Decimal, charge_booking: str) -> tuple[Decimal, str]:
    """Interest per year in percent (0 to 100, four decimals) and when charges are booked."""
    rate = to_decimal(interest_rate)
    if not 0 <= rate <= 100 or rate != rate.quantize(Decimal("0.0001")):
        raise DomainError(
            CoreError.VALIDATION,
            details={"interest_rate": [_("Between 0 and 100 %, at most four decimals.")]},
        )
    if charge_booking not in ChargeBooking.values:
        raise DomainError(
            CoreError.VALIDATION, details={"charge_booking": [_("Choose when to book.")]}
        )
    return rate, charge_booking


def _levels_replace(policy: DunningPolicy, levels: Sequence[LevelInput]) -> None:
    """Keep the level rows by position (the log points at them), add or drop the rest."""
    existing = list(policy.levels.order_by("order"))
    # Order and days are unique per policy: park the kept rows out of the way first.
    DunningLevel.objects.filter(policy=policy).update(
        order=F("order") + 10000, days_overdue=F("order") - 20000
    )
    keep: list[DunningLevel] = []
    for position, typed in enumerate(levels, start=1):
        row = existing[position - 1] if position <= len(existing) else DunningLevel(policy=policy)
        for name in LEVEL_FIELDS:
            setattr(row, name, getattr(typed, name))
        row.order, row.name = position, typed.name.strip()
        row.fee = quantize(typed.fee, base_currency())
        keep.append(row)
    DunningLevel.objects.filter(policy=policy).exclude(
        pk__in=[row.pk for row in keep if row.pk]
    ).delete()
    for row in keep:
        row.save()


@transaction.atomic
def dunning_policy_delete(*, actor: User, policy_id: int) -> None:
    policy = get_scoped(
        DunningPolicy.objects.all(),
        user=actor,
        action="delete",
        pk=policy_id,
        lock=True,
        not_found=DunningError.POLICY_NOT_FOUND,
    )
    if CustomerDunning.objects.filter(policy=policy).exists():
        raise DomainError(DunningError.POLICY_IN_USE)
    audit_record(actor=actor, instance=policy, action=AuditAction.DELETE)
    policy.delete()


# --- customer settings and exclusions ----------------------------------------------------------


@transaction.atomic
def customer_dunning_set(
    *,
    actor: User,
    customer_id: int,
    policy_id: int | None = None,
    collector_id: int | None = None,
    language: str = Language.ZH_HANS,
    excluded_until: date | None = None,
    exclusion_reason: str = "",
    exclusion_note: str = "",
    today: date | None = None,
) -> CustomerDunning:
    """Set a customer's policy override, collector, reminder language and exclusion."""
    require(actor, "change", CustomerDunning)
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    settings, created = CustomerDunning.objects.select_for_update().get_or_create(customer=customer)
    before = None if created else audit_snapshot(settings)
    policy = None
    if policy_id is not None:
        policy = DunningPolicy.objects.filter(pk=policy_id).first()
        if policy is None:
            raise DomainError(DunningError.POLICY_NOT_FOUND)
    collector = None
    if collector_id is not None:
        collector = User.objects.filter(pk=collector_id, is_active=True).first()
        if collector is None:
            raise DomainError(DunningError.COLLECTOR_INVALID)
    if language not in Language.values:
        raise DomainError(CoreError.VALIDATION, details={"language": [_("Unknown language.")]})
    if excluded_until is not None:
        _until_check(excluded_until, today)
        if exclusion_reason not in ExclusionReason.values:
            raise DomainError(
                CoreError.VALIDATION, details={"exclusion_reason": [_("Choose a reason.")]}
            )
    settings.policy, settings.collector, settings.language = policy, collector, language
    settings.excluded_until = excluded_until
    settings.exclusion_reason = exclusion_reason if excluded_until else ""
    settings.exclusion_note = exclusion_note.strip()[:500] if excluded_until else ""
    settings.save()
    audit_record(
        actor=actor,
        instance=settings,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        before=before,
    )
    return settings


def _until_check(until: date, today: date | None) -> None:
    if until < today_or(today):
        raise DomainError(DunningError.EXCLUSION_IN_PAST, until=until.isoformat())


@transaction.atomic
def invoice_exclusion_add(
    *,
    actor: User,
    invoice_id: int,
    reason: str,
    until: date,
    note: str = "",
    today: date | None = None,
) -> InvoiceExclusion:
    """Leave an invoice out of dunning until `until` (a dispute, a payment plan ...)."""
    require(actor, "add", InvoiceExclusion)
    invoice = get_scoped(
        Invoice.objects.all(),
        user=actor,
        action="view",
        pk=invoice_id,
        not_found=DunningError.INVOICE_NOT_FOUND,
    )
    if reason not in ExclusionReason.values:
        raise DomainError(CoreError.VALIDATION, details={"reason": [_("Choose a reason.")]})
    _until_check(until, today)
    exclusion = InvoiceExclusion.objects.create(
        invoice=invoice, reason=reason, until=until, note=note.strip()[:500], created_by=actor
    )
    audit_record(actor=actor, instance=exclusion, action=AuditAction.CREATE)
    return exclusion


@transaction.atomic
def invoice_exclusion_end(
    *, actor: User, exclusion_id: int, today: date | None = None
) -> InvoiceExclusion:
    """End an exclusion now: the invoice is dunned again from the next run."""
    exclusion = get_scoped(
        InvoiceExclusion.objects.all(),
        user=actor,
        action="change",
        pk=exclusion_id,
        lock=True,
        not_found=DunningError.EXCLUSION_NOT_FOUND,
    )
    before = audit_snapshot(exclusion)
    exclusion.until = min(exclusion.until, today_or(today) - timedelta(days=1))
    exclusion.save(update_fields=["until"])
    audit_record(actor=actor, instance=exclusion, action=AuditAction.UPDATE, before=before)
    return exclusion


@transaction.atomic
def collection_task_done(*, actor: User, task_id: int) -> CollectionTask:
    task = get_scoped(
        CollectionTask.objects.all(), user=actor, action="change", pk=task_id, lock=True
    )
    if task.done_at is None:
        before = audit_snapshot(task)
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit_record(actor=actor, instance=task, action=AuditAction.UPDATE, before=before)
    return task


# --- the run ---------------------------------------------------------------------------------


@dataclass
class DunningRunResult:
    """What a run did (send) or would do (preview)."""

    run_date: date
    sent: bool
    plan: DunningPlan | None = None  # the preview's
    made_at: datetime | None = None  # when a run wrote its logs (their `created_at`)
    limit: int | None = None  # how many customers a run's `customers` reads back
    installments: int = 0
    logs: int = 0
    emails: int = 0
    tasks: int = 0
    holds: int = 0
    holds_skipped: int = 0
    charges: int = 0
    charge_invoices: int = 0

    @cached_property
    def customers(self) -> list[CustomerPlan]:
        """Per customer, the level and the items: the preview's plan, or read back from the
        logs a run wrote."""
        if self.plan is not None:
            return self.plan.customers
        if self.made_at is None:
            return []
        return run_customers(run_date=self.run_date, made_at=self.made_at, limit=self.limit)

    @property
    def customer_count(self) -> int:
        """The customers reminded, whether or not `customers` lists them all: a run writes
        one log per customer."""
        return self.plan.customer_count if self.plan is not None else self.logs


def dunning_run(
    *,
    actor: User | None,
    today: date | None = None,
    send: bool,
    auto_only: bool = False,
    limit: int | None = None,
) -> DunningRunResult:
    """Evaluate every open installment due for a level and, with `send`, act on it.

    Without `send` it is the preview: the same selection, read into a plan, nothing
    written.  `limit` reads only the first customers by code into the result's `customers`
    (the counts cover them all).  `auto_only` (the daily task) limits the run to customers
    whose policy sends automatically.  actor None is the system.
    """
    if actor is not None:
        require(actor, "view" if not send else "run", DunningLog)
    day = today_or(today)
    # One transaction for either: the selection is compiled by no JIT (`without_jit`).
    with without_jit():
        if not send:
            plan = dunning_plan(today=day, auto_only=auto_only, limit=limit)
            return DunningRunResult(
                run_date=day, sent=False, plan=plan, installments=plan.installments
            )
        result = _send(day, auto_only, actor)
        result.limit = limit
        return result


def _send(day: date, auto_only: bool, actor: User | None) -> DunningRunResult:
    """The run, set-based (decision 047), in its caller's transaction: the database inserts
    one log per customer and one item per installment newly at a level from the plan's
    selection (`plan_rows`), and the audit rows of the logs; Python only touches what is per
    customer and rare (tasks, holds, charges).  Messages are written when they are emailed
    (`tasks.dunning_email`)."""
    made_at = timezone.now()
    result = DunningRunResult(run_date=day, sent=True, made_at=made_at)
    resolver = PolicyResolver(policies())
    rows = plan_rows(day, resolver, auto_only=auto_only)
    if rows is None:
        return result
    # Each candidate looks up what was done before in the items, by index when the planner
    # knows the table's size.
    analyze(DunningLogItem)
    # Charges need each customer's items: read only for policies that charge, before the
    # writes make today's items "done".
    charging = {
        policy.pk
        for policy in resolver.by_id.values()
        if policy.interest_rate > 0 or any(level.fee > 0 for level in policy.levels.all())
    }
    charged = (
        [
            plan
            for plan in customer_plans(day, resolver, rows.filter(policy_ref__in=charging))
            if plan.new_items
        ]
        if charging
        else []
    )
    # The selection is computed once; the logs and then their items are written from it.
    with temporary_table(RUN_TABLE, _run_rows(rows, day)) as table:
        try:
            with transaction.atomic():
                result.logs = _insert_logs(table, day, made_at, actor)
        except IntegrityError:
            # A run of the same day got there first (two workers, a click during the task).
            raise DomainError(CoreError.CONFLICT) from None
        if not result.logs:
            return result
        result.installments = _insert_items(table, day, made_at)
    made = DunningLog.objects.filter(run_date=day, created_at=made_at)
    audit_created_rows(
        actor=actor,
        rows=made,
        fields=LOG_AUDITED,
        represent=Concat(
            F("customer__code"), Value(" "), Cast("run_date", CharField()), Value(" "), "level_name"
        ),
        subject=(Customer, "customer_id"),
        at=made_at,
    )
    result.tasks = _tasks(made, day, made_at)
    _holds(made, actor, result)
    _charges(charged, made, day, actor, result)
    emailed = list(made.exclude(emailed_to="").order_by("pk").values_list("pk", flat=True))
    result.emails = len(emailed)
    if emailed:
        from cashloop.collections.tasks import dunning_email

        for start in range(0, len(emailed), EMAIL_BATCH):
            batch = emailed[start : start + EMAIL_BATCH]
            transaction.on_commit(partial(dunning_email.enqueue, batch))
    return result


LOG_COLUMNS = (
    "customer",
    "run_date",
    "policy",
    "level",
    "level_name",
    "days_overdue",
    "subject",
    "body",
    "emailed_to",
    "letter",
    "fee",
    "currency",
    "overdue_total",
    "hold",
    "created_by",
    "created_at",
)
# The audit keeps what the run decided; the message is the email's, the rest bookkeeping.
LOG_AUDITED = tuple(
    name
    for name in LOG_COLUMNS
    if name not in ("subject", "body", "letter", "created_by", "created_at")
)


# The temporary table a run computes its selection into.
RUN_TABLE = "cashloop_dunning_run"


def _run_rows(rows: QuerySet[Any, Any], day: date) -> QuerySet[Any, Any]:
    """What the writes need of each row of the plan: its customer, policy, days overdue and
    residual (`r_own` in the customer's currency, else 0), and `r_new`, the level it newly
    reached, or NULL."""
    money = DunningLog._meta.get_field("overdue_total")
    return (
        rows.order_by()
        .annotate(
            r_customer=F("invoice__customer_id"),
            r_currency=F("invoice__customer__currency"),
            r_id=F("pk"),
            r_days=DaysBetween(Value(day, DateField()), F("due_date")),
            r_new=Case(When(level_days__gt=F("done_days"), then=F("level_days"))),
            r_residual=F("residual"),
            r_own=Case(
                When(invoice__currency=F("invoice__customer__currency"), then=F("residual")),
                default=Value(ZERO),
                output_field=money,
            ),
        )
        .values(
            "r_customer",
            "r_currency",
            "policy_ref",
            "r_id",
            "r_days",
            "r_new",
            "r_residual",
            "r_own",
        )
    )


def _insert_logs(table: str, day: date, made_at: datetime, actor: User | None) -> int:
    """One log per customer with an installment newly at a level, at the highest level newly
    reached (joined from its policy's levels): `INSERT … SELECT` over the run's rows
    grouped per customer.  The message stays empty until it is emailed; the emails are
    joined by the database."""
    ops = connection.ops
    joined = "GROUP_CONCAT" if connection.vendor == "sqlite" else "STRING_AGG"
    columns = ", ".join(
        ops.quote_name(str(DunningLog._meta.get_field(name).column))  # type: ignore[union-attr]
        for name in LOG_COLUMNS
    )
    sql = f"""
        INSERT INTO {ops.quote_name(DunningLog._meta.db_table)} ({columns})
        SELECT g.customer_id, %s, g.policy_ref, lv.id, lv.name, g.days, '', '',
               CASE WHEN lv.send_email THEN COALESCE(SUBSTR((
                   SELECT {joined}(c.email, ', ') FROM {ops.quote_name(Contact._meta.db_table)} c
                   WHERE c.customer_id = g.customer_id AND c.email <> ''), 1, 1000), '')
               ELSE '' END,
               lv.letter, lv.fee, g.currency, g.total, lv.hold, %s, %s
        FROM (
            SELECT r.r_customer AS customer_id, r.r_currency AS currency, r.policy_ref,
                   MAX(r.r_new) AS top, MAX(r.r_days) AS days, SUM(r.r_own) AS total
            FROM {table} r
            GROUP BY r.r_customer, r.r_currency, r.policy_ref
        ) g
        INNER JOIN {ops.quote_name(DunningLevel._meta.db_table)} lv
            ON lv.policy_id = g.policy_ref AND lv.days_overdue = g.top
    """  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                ops.adapt_datefield_value(day),
                getattr(actor, "pk", None),
                ops.adapt_datetimefield_value(made_at),
            ],
        )
        return cursor.rowcount


def _insert_items(table: str, day: date, made_at: datetime) -> int:
    """Each installment newly at a level, under its customer's log of this run (known by
    the run's `created_at`): `INSERT … SELECT` of the run's rows joined to the logs just
    written."""
    ops = connection.ops
    sql = f"""
        INSERT INTO {ops.quote_name(DunningLogItem._meta.db_table)}
            (log_id, installment_id, days_overdue, level_days, residual)
        SELECT l.id, r.r_id, r.r_days, r.r_new, r.r_residual
        FROM {table} r
        INNER JOIN {ops.quote_name(DunningLog._meta.db_table)} l
            ON l.customer_id = r.r_customer AND l.run_date = %s AND l.created_at = %s
        WHERE r.r_new IS NOT NULL
    """  # noqa: S608 (table names from the models, values as parameters)
    analyze(DunningLog)  # its rows of this run were inserted a moment ago
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [ops.adapt_datefield_value(day), ops.adapt_datetimefield_value(made_at)]
        )
        return cursor.rowcount


def _tasks(made: QuerySet[DunningLog], day: date, made_at: datetime) -> int:
    """A collection task per log whose level makes one, for the customer's collector or
    owner; a phone call when the customer has no contact email (decision 051).  Written by
    the database (`INSERT … SELECT`): a run makes one per customer at such a level, too
    many to build as objects."""
    rows = made.filter(level__create_task=True)
    due_days = set(rows.values_list("level__task_due_days", flat=True).distinct())
    if not due_days:
        return 0
    values = rows.order_by("pk").annotate(
        t_customer=F("customer_id"),
        t_log=F("pk"),
        t_assignee=Coalesce("customer__dunning__collector_id", "customer__owner_id"),
        t_kind=Case(
            When(
                Exists(
                    Contact.objects.filter(customer_id=OuterRef("customer_id")).exclude(email="")
                ),
                then=Value(TaskKind.DUNNING.value),
            ),
            default=Value(TaskKind.CALL.value),
        ),
        t_title=_task_title(),
        t_note=Value(""),
        t_due=Case(
            *(
                When(level__task_due_days=days, then=Value(day + timedelta(days=days)))
                for days in sorted(due_days)
            ),
            output_field=DateField(),
        ),
        t_at=Value(made_at),
    )
    return insert_select(
        CollectionTask,
        ("customer", "log", "assignee", "kind", "title", "note", "due_date", "created_at"),
        values.values(
            "t_customer", "t_log", "t_assignee", "t_kind", "t_title", "t_note", "t_due", "t_at"
        ),
    )


def _task_title() -> Concat:
    """The task's title as SQL: the message translated once, its placeholders (in the
    order of the language) replaced by the log's level and the customer's name."""
    template = _("Follow up “%(level)s” with %(customer)s")
    columns = {"level": F("level_name"), "customer": F("customer__name")}
    pieces: list[Any] = []
    # split() leaves the placeholders' names at odd positions, the text around them even.
    for n, part in enumerate(re.split(r"%\((level|customer)\)s", template)):
        if n % 2:
            pieces.append(columns[part])
        elif part:
            pieces.append(Value(part.replace("%%", "%")))
    return Concat(*pieces, output_field=CharField())


def _holds(made: QuerySet[DunningLog], actor: User | None, result: DunningRunResult) -> None:
    holding = list(made.filter(hold=True).values_list("customer_id", "level_name"))
    if not holding:
        return
    try:
        from cashloop.credit.services import credit_hold_place
    except ImportError:
        logger.warning("dunning: credit control is not installed; %d holds skipped", len(holding))
        result.holds_skipped = len(holding)
        return
    for customer_id, level_name in holding:
        # The system places it: the run's actor may run dunning without placing holds.
        credit_hold_place(
            actor=None,
            customer_id=customer_id,
            source="dunning",
            reason=_("Dunning level “%(level)s” reached") % {"level": level_name},
            today=result.run_date,
        )
        result.holds += 1


# --- disputes and dunning charges (decision 051) ----------------------------------------------

DISPUTE_OUTCOMES = ("credit", "reject", "withdraw")
# Charges are booked to other business revenue (其他业务收入) unless the setting names another
# account by its code; an unknown code books them to the revenue role.
CHARGE_ACCOUNT_CODE = "6051"


def _installment_locked(actor: User, installment_id: int) -> Installment:
    """The installment (and its invoice) of an invoice the actor may see, locked."""
    installment = (
        Installment.objects.select_for_update(of=("self",))
        .select_related("invoice__customer")
        .filter(pk=installment_id, invoice__in=Invoice.objects.restrict(actor, "view"))
        .first()
    )
    if installment is None:
        raise DomainError(DisputeError.INSTALLMENT_NOT_FOUND)
    return installment


def _is_open(installment: Installment) -> bool:
    return installment.residual > 0 and installment.invoice.status in OPEN_STATUSES


@transaction.atomic
def dispute_open(
    *,
    actor: User,
    installment_id: int,
    reason: str,
    note: str = "",
    amount: Decimal | None = None,
    today: date | None = None,
) -> Dispute:
    """Mark an installment disputed (by default for all it still owes): it leaves dunning
    and interest until the dispute is resolved."""
    require(actor, "add", Dispute)
    installment = _installment_locked(actor, installment_id)
    invoice = installment.invoice
    if not _is_open(installment):
        raise DomainError(DisputeError.INSTALLMENT_NOT_OPEN)
    if reason not in DisputeReason.values:
        raise DomainError(DisputeError.REASON_INVALID)
    if Dispute.objects.filter(installment=installment, status__in=DISPUTE_OPEN).exists():
        raise DomainError(DisputeError.ALREADY_DISPUTED)
    value = installment.residual if amount is None else to_decimal(amount)
    if not 0 < value <= installment.residual or value != quantize(value, invoice.currency):
        raise DomainError(
            DisputeError.AMOUNT_INVALID,
            residual=format_money(installment.residual, invoice.currency),
        )
    dispute = Dispute.objects.create(
        installment=installment,
        customer=invoice.customer,
        reason=reason,
        note=note.strip()[:2000],
        amount=value,
        opened_by=actor,
        opened_on=today_or(today),
    )
    audit_record(actor=actor, instance=dispute, action=AuditAction.CREATE)
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    actor: User,
    dispute_id: int,
    outcome: str,
    note: str,
    credit_amount: Decimal | None = None,
    today: date | None = None,
) -> Dispute:
    """Resolve an open dispute: by a credit note on the invoice (through approval when a
    flow applies: the dispute waits as "credit pending" until it is posted), rejected (the
    item is dunned again) or withdrawn by the customer."""
    dispute = get_scoped(
        Dispute.objects.select_related("installment__invoice"),
        user=actor,
        action="change",
        pk=dispute_id,
        lock=True,
        not_found=DisputeError.NOT_FOUND,
    )
    if dispute.status != DisputeStatus.OPEN:
        raise DomainError(DisputeError.NOT_OPEN, status=dispute.get_status_display())
    if outcome not in DISPUTE_OUTCOMES:
        raise DomainError(DisputeError.OUTCOME_INVALID)
    if not note.strip():
        raise DomainError(DisputeError.NOTE_REQUIRED)
    before = audit_snapshot(dispute)
    day = today_or(today)
    dispute.resolution_note, dispute.resolved_by = note.strip()[:2000], actor
    if outcome == "credit":
        _dispute_credit(actor, dispute, credit_amount, day)
    else:
        dispute.status = DisputeStatus.REJECTED if outcome == "reject" else DisputeStatus.WITHDRAWN
        dispute.resolved_on = day
    dispute.save()
    audit_record(actor=actor, instance=dispute, action=AuditAction.UPDATE, before=before)
    return dispute


def _dispute_credit(actor: User, dispute: Dispute, amount: Decimal | None, day: date) -> None:
    from cashloop.receivables.services import credit_note_create

    invoice = dispute.installment.invoice
    value = dispute.amount if amount is None else to_decimal(amount)
    if not 0 < value <= dispute.amount or value != quantize(value, invoice.currency):
        raise DomainError(
            DisputeError.CREDIT_INVALID, amount=format_money(dispute.amount, invoice.currency)
        )
    reason = _("Dispute of %(item)s: %(reason)s") % {
        "item": f"{invoice.number}/{dispute.installment.sequence}",
        "reason": dispute.get_reason_display(),
    }
    made = credit_note_create(
        actor=actor,
        lines=_credit_lines(invoice, value, reason),
        reason=reason,
        credit_date=day,
        invoice_id=invoice.pk,
    )
    if isinstance(made, HeldPosting):
        dispute.status, dispute.held_posting = DisputeStatus.CREDIT_PENDING, made
    else:
        dispute.status, dispute.credit_note, dispute.resolved_on = DisputeStatus.CREDITED, made, day


def _credit_lines(invoice: Invoice, gross: Decimal, reason: str) -> list[LineIn]:
    """`gross` spread over the invoice's lines by their totals, each part with its line's VAT
    rate (and contract line), so the credit note reverses what the invoice booked."""
    lines = list(invoice.lines.order_by("position"))
    parts = split(gross, [line.total for line in lines], invoice.currency)
    made = []
    for line, part in zip(lines, parts, strict=True):
        if part <= 0:
            continue
        net = quantize(part / (1 + line.tax_rate), invoice.currency)
        made.append(
            LineIn(
                description=f"{reason} · {line.description}"[:300],
                quantity=Decimal(1),
                unit_price=net,
                tax_rate=line.tax_rate,
                contract_line_id=line.contract_line_id,
                revenue_account_id=line.revenue_account_id,
                tax=part - net,
            )
        )
    return made


def dispute_hold_decided(hold: HeldPosting) -> None:
    """A held credit note of a dispute was decided: posted, the dispute is credited;
    rejected or withdrawn, it is open again (and still out of dunning).  Called when the
    hold is saved (collections.apps), in the approval's transaction."""
    if hold.status == HoldStatus.PENDING:
        return
    for dispute in Dispute.objects.select_for_update().filter(
        held_posting=hold, status=DisputeStatus.CREDIT_PENDING
    ):
        before = audit_snapshot(dispute)
        if hold.status == HoldStatus.POSTED:
            dispute.status, dispute.credit_note = DisputeStatus.CREDITED, hold.credit_note
            dispute.resolved_on = timezone.localdate()
        else:
            dispute.status, dispute.resolved_by = DisputeStatus.OPEN, None
        dispute.save(update_fields=["status", "credit_note", "resolved_on", "resolved_by"])
        audit_record(actor=None, instance=dispute, action=AuditAction.UPDATE, before=before)


def interest_due(
    *, residual: Decimal, currency: str, rate: Decimal, since: date, day: date
) -> tuple[Decimal, int]:
    """Simple interest per year on `residual` from `since` to `day` (days / 365), rounded to
    the currency, and the days it is for."""
    days = max((day - since).days, 0)
    if rate <= 0 or not days:
        return ZERO, days
    return quantize(residual * rate / 100 * days / 365, currency), days


def _interest_since(installment_ids: Sequence[int]) -> dict[int, date]:
    """The day each installment's last interest charge ran to (waived ones count: that
    period is forgiven, not charged again)."""
    since: dict[int, date] = {}
    for start in range(0, len(installment_ids), CHARGE_CHUNK):
        rows = (
            DunningCharge.objects.filter(
                kind=ChargeKind.INTEREST,
                installment_id__in=installment_ids[start : start + CHARGE_CHUNK],
            )
            .values("installment_id")
            .annotate(last=Max("accrued_on"))
            .values_list("installment_id", "last")
        )
        since.update(rows)
    return since


def _charge_installments(installment_ids: Sequence[int]) -> set[int]:
    """Those of invoices of dunning charges: fees and interest bear no interest themselves."""
    found: set[int] = set()
    for start in range(0, len(installment_ids), CHARGE_CHUNK):
        found.update(
            Installment.objects.filter(
                pk__in=installment_ids[start : start + CHARGE_CHUNK],
                invoice__dunning_charges__isnull=False,
            ).values_list("pk", flat=True)
        )
    return found


def _charges(
    plans: Sequence[CustomerPlan],
    made: QuerySet[DunningLog],
    day: date,
    actor: User | None,
    result: DunningRunResult,
) -> None:
    """The fee of each customer's level, and interest on its overdue items since their last
    interest charge (or due date); booked now or left pending, as the policy says.  `plans`
    are the customers of charging policies, read before the run wrote."""
    if not plans:
        return
    log_of = dict(
        made.filter(customer_id__in=[plan.customer_id for plan in plans]).values_list(
            "customer_id", "pk"
        )
    )
    overdue = [
        item.installment_id
        for customer in plans
        if customer.policy.interest_rate > 0
        for item in customer.items
        if item.days_overdue > 0
    ]
    since = _interest_since(overdue)
    exempt = _charge_installments(overdue)
    rows: list[DunningCharge] = []
    for customer in plans:
        log_id = log_of[customer.customer_id]
        fee = quantize(customer.level.fee, customer.currency)
        if fee > 0:
            rows.append(
                DunningCharge(
                    customer_id=customer.customer_id,
                    log_id=log_id,
                    kind=ChargeKind.FEE,
                    amount=fee,
                    currency=customer.currency,
                    accrued_on=day,
                )
            )
        rate = customer.policy.interest_rate
        for item in customer.items if rate > 0 else ():
            if item.days_overdue <= 0 or item.installment_id in exempt:
                continue
            amount, days = interest_due(
                residual=item.residual,
                currency=item.currency,
                rate=rate,
                since=since.get(item.installment_id, item.due_date),
                day=day,
            )
            if amount > 0:
                rows.append(
                    DunningCharge(
                        customer_id=customer.customer_id,
                        log_id=log_id,
                        kind=ChargeKind.INTEREST,
                        installment_id=item.installment_id,
                        amount=amount,
                        currency=item.currency,
                        accrued_on=day,
                        days=days,
                        principal=item.residual,
                    )
                )
    if not rows:
        return
    charges = DunningCharge.objects.bulk_create(rows, batch_size=5000)
    audit_record_many(actor=actor, instances=charges, action=AuditAction.CREATE)
    result.charges = len(charges)
    on_run = {
        customer.customer_id
        for customer in plans
        if customer.policy.charge_booking == ChargeBooking.ON_RUN
    }
    booking = [row for row in charges if row.customer_id in on_run]
    if booking:
        booker = _charge_booker(actor)
        if booker is None:
            logger.warning("dunning: nobody may issue invoices; %d charges pending", len(booking))
            return
        result.charge_invoices = len(_charges_book(booker, booking, day))


def _charge_booker(actor: User | None) -> User | None:
    """Who books charge invoices: the actor if they may create and issue invoices for every
    customer, else the first such finance user (like contract billing): receivables act for
    a user, and the audit names a real one."""
    if actor is not None and _may_book(actor):
        return actor
    users = User.objects.filter(is_active=True, roles__isnull=False).annotate(
        finance=Count("roles", filter=Q(roles__code="finance"))
    )
    for user in users.order_by("-finance", "pk"):
        if _may_book(user):
            return user
    return None


def _may_book(user: User) -> bool:
    return (
        user.data_scope("receivables.invoice", "add") == "all"
        and user.data_scope("receivables.invoice", "issue") == "all"
    )


def _charge_text(charge: DunningCharge) -> str:
    if charge.kind == ChargeKind.FEE:
        level = charge.log.level_name if charge.log is not None else ""
        return _("Dunning fee %(level)s") % {"level": level}
    assert charge.installment is not None
    return _("Interest on %(item)s: %(days)s days on %(principal)s") % {
        "item": f"{charge.installment.invoice.number}/{charge.installment.sequence}",
        "days": charge.days,
        "principal": format_money(charge.principal, charge.currency),
    }


def _charge_rate(customer_id: int, currency: str) -> Decimal | None:
    """A foreign currency's rate: that of the customer's latest invoice in it."""
    if currency == base_currency():
        return None
    return (
        Invoice.objects.filter(customer_id=customer_id, currency=currency)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("-issue_date", "-pk")
        .values_list("rate", flat=True)
        .first()
    )


def _charges_book(booker: User, charges: Sequence[DunningCharge], day: date) -> list[Invoice]:
    """One charge invoice per customer and currency: fees and interest as lines to other
    revenue, without VAT; a fee installment, then an interest one, both due at once, so
    that a payment clears fees, then interest, then principal (receivables'
    `_apply_oldest_first` takes charge invoices first)."""
    from cashloop.receivables.services import (
        InstallmentIn,
        InvoiceIn,
        invoice_create_many,
        invoice_issue_charges,
    )

    code = getattr(django_settings, "CASHLOOP_DUNNING_CHARGE_ACCOUNT", CHARGE_ACCOUNT_CODE)
    account_id = Account.objects.filter(code=code).values_list("pk", flat=True).first()
    groups: dict[tuple[int, str], list[DunningCharge]] = defaultdict(list)
    for charge in sorted(charges, key=lambda row: (row.kind != ChargeKind.FEE, row.pk)):
        groups[(charge.customer_id, charge.currency)].append(charge)
    loaded = DunningCharge.objects.select_related("log", "installment__invoice").in_bulk(
        [charge.pk for charge in charges]
    )
    drafts = []
    for (customer_id, currency), rows in groups.items():
        fees = sum((row.amount for row in rows if row.kind == ChargeKind.FEE), ZERO)
        interest = sum((row.amount for row in rows if row.kind == ChargeKind.INTEREST), ZERO)
        drafts.append(
            InvoiceIn(
                customer_id=customer_id,
                issue_date=day,
                currency=currency,
                rate=_charge_rate(customer_id, currency),
                memo=_("Dunning fees and interest"),
                lines=[
                    LineIn(
                        description=_charge_text(loaded[row.pk]),
                        quantity=Decimal(1),
                        unit_price=row.amount,
                        tax_rate=ZERO,
                        revenue_account_id=account_id,
                    )
                    for row in rows
                ],
                installments=[
                    InstallmentIn(share=total, due_rule=DueRule.DAYS_AFTER, due_days=0)
                    for total in (fees, interest)
                    if total > 0
                ],
            )
        )
    invoices = invoice_create_many(actor=booker, invoices=drafts)
    invoice_issue_charges(actor=booker, invoice_ids=[invoice.pk for invoice in invoices])
    booked = []
    for invoice, rows in zip(invoices, groups.values(), strict=True):
        for row in rows:
            row.invoice, row.status = invoice, ChargeStatus.INVOICED
            booked.append(row)
    DunningCharge.objects.bulk_update(booked, ["invoice", "status"], batch_size=2000)
    return invoices


def _policy_of(customer: Customer) -> DunningPolicy | None:
    settings_row = customer_settings(customer.pk)
    resolver = PolicyResolver(policies())
    return resolver.policy(settings_row.policy_id if settings_row else None, customer.group_id)


@transaction.atomic
def dunning_charge_interest(
    *, actor: User, installment_id: int, today: date | None = None
) -> DunningCharge:
    """Charge interest on one overdue installment now, from its last interest charge (or
    due date) to today, at its customer's policy rate; booked as the policy says."""
    require(actor, "add", DunningCharge)
    installment = _installment_locked(actor, installment_id)
    invoice, day = installment.invoice, today_or(today)
    if Dispute.objects.filter(installment=installment, status__in=DISPUTE_OPEN).exists():
        raise DomainError(DisputeError.CHARGE_DISPUTED)
    if not _is_open(installment):
        raise DomainError(DisputeError.CHARGE_NOTHING_DUE, reason=_("it is not open."))
    if _charge_installments([installment.pk]):
        raise DomainError(
            DisputeError.CHARGE_NOTHING_DUE, reason=_("fees and interest bear no interest.")
        )
    policy = _policy_of(invoice.customer)
    if policy is None or policy.interest_rate <= 0:
        raise DomainError(
            DisputeError.CHARGE_NOTHING_DUE, reason=_("its dunning policy charges no interest.")
        )
    amount, days = interest_due(
        residual=installment.residual,
        currency=invoice.currency,
        rate=policy.interest_rate,
        since=_interest_since([installment.pk]).get(installment.pk, installment.due_date),
        day=day,
    )
    if amount <= 0:
        raise DomainError(
            DisputeError.CHARGE_NOTHING_DUE,
            reason=_("it is not overdue since its due date or last interest charge."),
        )
    charge = DunningCharge.objects.create(
        customer=invoice.customer,
        kind=ChargeKind.INTEREST,
        installment=installment,
        amount=amount,
        currency=invoice.currency,
        accrued_on=day,
        days=days,
        principal=installment.residual,
    )
    audit_record(actor=actor, instance=charge, action=AuditAction.CREATE)
    if policy.charge_booking == ChargeBooking.ON_RUN:
        booker = _charge_booker(actor)
        if booker is None:
            raise DomainError(DisputeError.CHARGE_NO_BOOKER)
        _charges_book(booker, [charge], day)
        charge.refresh_from_db()
    return charge


@transaction.atomic
def dunning_charge_waive(*, actor: User, charge_id: int, reason: str = "") -> DunningCharge:
    """Forgive a charge not booked yet: it is never invoiced (its interest period is not
    charged again)."""
    charge = get_scoped(
        DunningCharge.objects.all(),
        user=actor,
        action="change",
        pk=charge_id,
        lock=True,
        not_found=DisputeError.CHARGE_NOT_FOUND,
    )
    if charge.status != ChargeStatus.PENDING:
        raise DomainError(DisputeError.CHARGE_NOT_PENDING, status=charge.get_status_display())
    before = audit_snapshot(charge)
    charge.status = ChargeStatus.WAIVED
    charge.save(update_fields=["status"])
    audit_record(
        actor=actor, instance=charge, action=AuditAction.UPDATE, before=before, reason=reason
    )
    return charge


@transaction.atomic
def dunning_charges_book(
    *, actor: User, customer_id: int, today: date | None = None
) -> list[Invoice]:
    """Book a customer's pending fees and interest as a charge invoice now (policies that
    book them only when the customer pays; the daily task calls it for those who paid)."""
    require(actor, "change", DunningCharge)
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    pending = list(
        DunningCharge.objects.select_for_update().filter(
            customer=customer, status=ChargeStatus.PENDING
        )
    )
    if not pending:
        return []
    booker = _charge_booker(actor)
    if booker is None:
        raise DomainError(DisputeError.CHARGE_NO_BOOKER)
    return _charges_book(booker, pending, today_or(today))


def dunning_charges_book_paid(*, actor: User | None, today: date | None = None) -> int:
    """Book the pending charges of every customer with a payment (not voided) dated on or
    after its oldest pending charge; returns the invoices made.  The daily task."""
    day = today_or(today)
    booker = _charge_booker(actor)
    if booker is None:
        return 0
    first = dict(
        DunningCharge.objects.filter(status=ChargeStatus.PENDING)
        .values("customer_id")
        .annotate(first=Min("accrued_on"))
        .values_list("customer_id", "first")
    )
    last_paid = (
        Payment.objects.filter(customer_id__in=list(first), date__lte=day, voided_on__isnull=True)
        .values("customer_id")
        .annotate(last=Max("date"))
        .values_list("customer_id", "last")
    )
    customers = [customer_id for customer_id, last in last_paid if last >= first[customer_id]]
    made = 0
    for customer_id in customers:
        made += len(dunning_charges_book(actor=booker, customer_id=customer_id, today=day))
    return made


# --- the collector's worklist: contacts, promises to pay, tasks, escalation (decision 050) ---

COLLECTION_KINDS = (InteractionKind.CALL, InteractionKind.VISIT, InteractionKind.EMAIL)


def _collection_customer(actor: User, customer_id: int) -> Customer:
    return get_scoped(
        Customer.objects.select_related("owner", "team"),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CollectionError.CUSTOMER_NOT_FOUND,
    )


def collector_or_owner(customer: Customer) -> User | None:
    """Who works the customer's collection: its collector, else its owner."""
    return collector_of(customer) or customer.owner


@transaction.atomic
def collection_activity_log(
    *,
    actor: User,
    customer_id: int,
    kind: str,
    outcome: str,
    summary: str,
    contact_ids: Collection[int] = (),
    occurred_at: datetime | None = None,
    promise_amount: Decimal | None = None,
    promise_date: date | None = None,
    next_follow_up: date | None = None,
    today: date | None = None,
) -> CollectionActivity:
    """Log a collector's call, visit or email with its outcome.

    The contact is the customer's Interaction (so it is in the customer's history); a
    "promised" outcome records the promise to pay; `next_follow_up` schedules a follow-up
    task for the customer's collector (else its owner).
    """
    require(actor, "add", CollectionActivity)
    customer = _collection_customer(actor, customer_id)
    if kind not in COLLECTION_KINDS:
        raise DomainError(CollectionError.KIND_INVALID)
    if outcome not in ActivityOutcome.values:
        raise DomainError(CollectionError.OUTCOME_INVALID)
    if not summary.strip():
        raise DomainError(CollectionError.SUMMARY_REQUIRED)
    day = today_or(today)
    if outcome == ActivityOutcome.PROMISED:
        if promise_amount is None or promise_date is None:
            raise DomainError(CollectionError.PROMISE_REQUIRED)
        _promise_check(promise_amount, promise_date, day)
    if next_follow_up is not None:
        _due_check(next_follow_up, day)
    interaction = interaction_create(
        actor=actor,
        customer_id=customer.pk,
        kind=kind,
        summary=summary,
        occurred_at=occurred_at,
        contact_ids=contact_ids,
    )
    activity = CollectionActivity.objects.create(
        interaction=interaction, customer=customer, outcome=outcome, created_by=actor
    )
    audit_record(actor=actor, instance=activity, action=AuditAction.CREATE)
    if outcome == ActivityOutcome.PROMISED:
        assert promise_amount is not None and promise_date is not None  # checked above
        _promise_make(
            actor=actor,
            customer=customer,
            amount=promise_amount,
            promised_date=promise_date,
            currency=customer.currency,
            activity=activity,
            note="",
            day=day,
        )
    if next_follow_up is not None:
        _task_make(
            actor=actor,
            customer=customer,
            kind=TaskKind.FOLLOW_UP,
            title=_("Follow up with %(customer)s") % {"customer": customer.name},
            note=summary.strip()[:2000],
            due_date=next_follow_up,
            assignee=collector_or_owner(customer),
        )
    return activity


def _promise_check(amount: Decimal, promised_date: date, day: date) -> None:
    if amount <= 0:
        raise DomainError(CollectionError.PROMISE_AMOUNT_INVALID)
    if promised_date < day:
        raise DomainError(CollectionError.PROMISE_DATE_IN_PAST, date=promised_date.isoformat())


def _promise_make(
    *,
    actor: User,
    customer: Customer,
    amount: Decimal,
    promised_date: date,
    currency: str,
    activity: CollectionActivity | None,
    note: str,
    day: date,
) -> PaymentPromise:
    promise = PaymentPromise.objects.create(
        customer=customer,
        activity=activity,
        amount=quantize(amount, currency),
        currency=currency,
        made_on=day,
        promised_date=promised_date,
        note=note.strip()[:500],
        created_by=actor,
    )
    audit_record(actor=actor, instance=promise, action=AuditAction.CREATE)
    return promise


@transaction.atomic
def payment_promise_create(
    *,
    actor: User,
    customer_id: int,
    amount: Decimal,
    promised_date: date,
    currency: str | None = None,
    note: str = "",
    today: date | None = None,
) -> PaymentPromise:
    """Record a customer's promise to pay `amount` by `promised_date` (承诺付款)."""
    require(actor, "add", PaymentPromise)
    customer = _collection_customer(actor, customer_id)
    day = today_or(today)
    _promise_check(amount, promised_date, day)
    return _promise_make(
        actor=actor,
        customer=customer,
        amount=amount,
        promised_date=promised_date,
        currency=currency_check(currency or customer.currency),
        activity=None,
        note=note,
        day=day,
    )


@transaction.atomic
def payment_promise_cancel(
    *, actor: User, promise_id: int, today: date | None = None
) -> PaymentPromise:
    """Cancel an open promise (taken back, or recorded in error): it is neither kept nor
    broken."""
    promise = get_scoped(
        PaymentPromise.objects.all(),
        user=actor,
        action="change",
        pk=promise_id,
        lock=True,
        not_found=CollectionError.PROMISE_NOT_FOUND,
    )
    if promise.status != PromiseStatus.OPEN:
        raise DomainError(
            CollectionError.PROMISE_NOT_OPEN, status=str(promise.get_status_display())
        )
    before = audit_snapshot(promise)
    promise.status, promise.resolved_on = PromiseStatus.CANCELLED, today_or(today)
    promise.save(update_fields=["status", "resolved_on"])
    audit_record(actor=actor, instance=promise, action=AuditAction.UPDATE, before=before)
    return promise


@dataclass
class PromiseCheckResult:
    checked: int = 0
    kept: int = 0
    broken: int = 0


@transaction.atomic
def payment_promises_check(
    *, actor: User | None = None, today: date | None = None
) -> PromiseCheckResult:
    """Resolve every open promise (decision 050).

    A promise's payments are the customer's payments (not voided, in the promise's
    currency) dated from `made_on` to the earlier of today and `promised_date`; each
    payment counts once, towards the customer's promises in order of promised date.
    Covered: KEPT on the day the payments reached the amount.  Not covered and past its
    date: BROKEN, and the owner and collector are told.  The others keep what is paid so
    far.  A constant number of queries for all promises, plus the broken ones' notices.
    """
    if actor is not None:
        require(actor, "check", PaymentPromise)
    day = today_or(today)
    promises = list(
        PaymentPromise.objects.select_for_update(of=("self",))
        .filter(status=PromiseStatus.OPEN, made_on__lte=day)
        .select_related("customer__owner", "customer__dunning__collector", "created_by")
        .order_by("customer_id", "currency", "promised_date", "id")
    )
    result = PromiseCheckResult(checked=len(promises))
    if not promises:
        return result
    # What each customer paid per day and currency, from the earliest promise on: one query.
    paid_days: dict[tuple[int, str], list[list]] = defaultdict(list)
    rows = (
        Payment.objects.filter(
            customer_id__in={p.customer_id for p in promises},
            voided_on__isnull=True,
            date__gte=min(p.made_on for p in promises),
            date__lte=day,
        )
        .values("customer_id", "currency", "date")
        .annotate(total=Sum("amount"))
        .order_by("customer_id", "currency", "date")
    )
    for row in rows:
        paid_days[(row["customer_id"], row["currency"])].append([row["date"], row["total"]])
    befores = [audit_snapshot(p) for p in promises]
    broken: list[PaymentPromise] = []
    for promise in promises:
        until = min(day, promise.promised_date)
        paid, covered_on = Decimal(0), None
        # Each day's money is taken once: what one promise used is gone for the next.
        for bucket in paid_days[(promise.customer_id, promise.currency)]:
            on, left = bucket
            if on < promise.made_on or on > until or left <= 0:
                continue
            use = min(left, promise.amount - paid)
            bucket[1] -= use
            paid += use
            if paid >= promise.amount:
                covered_on = on
                break
        promise.paid = paid
        if covered_on is not None:
            promise.status, promise.resolved_on = PromiseStatus.KEPT, covered_on
            result.kept += 1
        elif promise.promised_date < day:
            promise.status, promise.resolved_on = PromiseStatus.BROKEN, day
            broken.append(promise)
            result.broken += 1
    PaymentPromise.objects.bulk_update(promises, ["paid", "status", "resolved_on"])
    changed = [(p, b) for p, b in zip(promises, befores, strict=True) if p.status != b["status"]]
    if changed:
        audit_record_many(
            actor=actor,
            instances=[p for p, _b in changed],
            action=AuditAction.UPDATE,
            befores=[b for _p, b in changed],
        )
    for promise in broken:
        _promise_broken_notify(promise)
    return result


def _promise_broken_notify(promise: PaymentPromise) -> None:
    customer = promise.customer
    settings = getattr(customer, "dunning", None)
    people = [customer.owner, settings.collector if settings is not None else None]
    notification_send(
        users=[user for user in people if user is not None],
        title=_("%(customer)s broke a promise to pay") % {"customer": customer.name},
        body=_("%(amount)s %(currency)s promised by %(date)s; %(paid)s paid.")
        % {
            "amount": promise.amount,
            "currency": promise.currency,
            "date": promise.promised_date.isoformat(),
            "paid": promise.paid,
        },
        url=reverse("worklist:customer", args=[customer.pk]),
    )


def _due_check(due_date: date, day: date) -> None:
    if due_date < day:
        raise DomainError(CollectionError.TASK_DUE_IN_PAST, date=due_date.isoformat())


def _task_make(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    title: str,
    note: str,
    due_date: date,
    assignee: User | None,
) -> CollectionTask:
    task = CollectionTask.objects.create(
        customer=customer,
        assignee=assignee,
        kind=kind,
        title=title[:300],
        note=note[:2000],
        due_date=due_date,
        created_by=actor,
    )
    audit_record(actor=actor, instance=task, action=AuditAction.CREATE)
    return task


@transaction.atomic
def collection_task_create(
    *,
    actor: User,
    customer_id: int,
    due_date: date,
    kind: str = TaskKind.FOLLOW_UP,
    title: str = "",
    note: str = "",
    assignee_id: int | None = None,
    today: date | None = None,
) -> CollectionTask:
    """Schedule a follow-up (or a call, an escalation ...) by hand; for the customer's
    collector (else its owner) unless `assignee_id` names someone."""
    require(actor, "add", CollectionTask)
    customer = _collection_customer(actor, customer_id)
    if kind not in TaskKind.values or kind == TaskKind.DUNNING:
        raise DomainError(CollectionError.TASK_KIND_INVALID)
    _due_check(due_date, today_or(today))
    assignee = collector_or_owner(customer)
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise DomainError(DunningError.COLLECTOR_INVALID)
    text = title.strip() or str(TaskKind(kind).label)
    return _task_make(
        actor=actor,
        customer=customer,
        kind=kind,
        title=text,
        note=note.strip(),
        due_date=due_date,
        assignee=assignee,
    )


def escalation_manager(customer: Customer) -> User | None:
    """The manager of the owner's team, or of the nearest team above it that has one."""
    team = customer.team or (customer.owner.team if customer.owner is not None else None)
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        if team.manager is not None and team.manager.is_active:
            return team.manager
        team = team.parent
    return None


@transaction.atomic
def collection_escalate(
    *, actor: User, customer_id: int, note: str, today: date | None = None
) -> CollectionTask:
    """Hand a customer up (decision 050): an escalation task for the manager of the owner's
    team (the nearest one up), else for finance (no assignee: the finance worklist), and a
    notification to them and to finance."""
    require(actor, "add", CollectionTask)
    customer = _collection_customer(actor, customer_id)
    if not note.strip():
        raise DomainError(CollectionError.ESCALATION_NOTE_REQUIRED)
    manager = escalation_manager(customer)
    task = _task_make(
        actor=actor,
        customer=customer,
        kind=TaskKind.ESCALATION,
        title=_("Escalated: %(customer)s") % {"customer": customer.name},
        note=note.strip(),
        due_date=today_or(today),
        assignee=manager,
    )
    finance = list(User.objects.filter(is_active=True, roles__code="finance").distinct())
    notification_send(
        users=[*([manager] if manager is not None else []), *finance],
        title=_("%(actor)s escalated %(customer)s")
        % {"actor": actor.display_name or actor.username, "customer": customer.name},
        body=note.strip(),
        url=reverse("worklist:customer", args=[customer.pk]),
    )
    return task


@transaction.atomic
def collection_statement_send(
    *,
    actor: User,
    customer_id: int,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> CollectionActivity:
    """Email the customer's statement of account (PDF) to its contacts with an email, after
    commit; logged as an email Interaction with the outcome "reached"."""
    customer = _collection_customer(actor, customer_id)
    first, last = default_period(today_or(today))
    statement = statement_get(
        user=actor, customer_id=customer.pk, start=start or first, end=end or last
    )
    contacts = list(
        Contact.objects.filter(customer=customer).exclude(email="").order_by("name", "id")
    )
    if not contacts:
        raise DomainError(CollectionError.STATEMENT_NO_EMAIL)
    emails = [contact.email for contact in contacts]
    activity = collection_activity_log(
        actor=actor,
        customer_id=customer.pk,
        kind=InteractionKind.EMAIL,
        outcome=ActivityOutcome.REACHED,
        summary=_("Statement of account %(start)s – %(end)s sent to %(emails)s")
        % {
            "start": statement.start.isoformat(),
            "end": statement.end.isoformat(),
            "emails": ", ".join(emails),
        },
        contact_ids=[contact.pk for contact in contacts],
        today=today,
    )
    transaction.on_commit(partial(_statement_email, statement, emails))
    return activity


def _statement_email(statement: Statement, emails: list[str]) -> None:
    subject = _("Statement of account %(customer)s %(start)s – %(end)s") % {
        "customer": statement.customer.name,
        "start": statement.start.isoformat(),
        "end": statement.end.isoformat(),
    }
    message = EmailMessage(
        subject=subject,
        body=_("Please find attached your statement of account. Balance: %(balance)s %(currency)s.")
        % {"balance": statement.closing, "currency": statement.currency},
        to=emails,
    )
    message.attach(
        f"statement-{statement.customer.code}-{statement.end.isoformat()}.pdf",
        statement_pdf(statement),
        "application/pdf",
    )
    message.send()

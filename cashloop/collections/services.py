"""Writes of collections: dunning policies with their levels, customer settings, invoice
exclusions, collection tasks, and the dunning run itself (decision 047).

The run takes the plan (`selectors.dunning_plan`) and, when sending, writes it in bulk:
one log row per customer with the message, one item per installment and level reached,
the collection tasks; then holds through credit control, and the emails after commit.
The unique constraints on the log make a second run of the same day a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.collections.choices import ExclusionReason, Language
from cashloop.collections.documents import MessageRenderer, template_check
from cashloop.collections.errors import DunningError
from cashloop.collections.models import (
    CollectionTask,
    CustomerDunning,
    DunningLevel,
    DunningLog,
    DunningLogItem,
    DunningPolicy,
    InvoiceExclusion,
)
from cashloop.collections.selectors import (
    CustomerPlan,
    DunningPlan,
    dunning_plan,
    policies,
    today_or,
)
from cashloop.core.audit import audit_record, audit_record_many, audit_snapshot
from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import get_scoped, require
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer, CustomerGroup
from cashloop.identity.models import User
from cashloop.receivables.models import Invoice

logger = logging.getLogger(__name__)

# Emails are queued in tasks of this many reminders each.
EMAIL_BATCH = 500
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

    plan: DunningPlan
    sent: bool
    logs: int = 0
    emails: int = 0
    tasks: int = 0
    holds: int = 0
    holds_skipped: int = 0

    @property
    def customers(self) -> list[CustomerPlan]:
        return self.plan.customers

    @property
    def installments(self) -> int:
        return self.plan.installments


def dunning_run(
    *, actor: User | None, today: date | None = None, send: bool, auto_only: bool = False
) -> DunningRunResult:
    """Evaluate every open installment due for a level and, with `send`, act on it.

    Without `send` it is the preview: the same computation, nothing written.  `auto_only`
    (the daily task) limits the run to customers whose policy sends automatically.  actor
    None is the system.
    """
    if actor is not None:
        require(actor, "view" if not send else "run", DunningLog)
    plan = dunning_plan(today=today, auto_only=auto_only)
    result = DunningRunResult(plan=plan, sent=send)
    if send and plan.customers:
        _send(plan, actor, result)
    return result


@transaction.atomic
def _send(plan: DunningPlan, actor: User | None, result: DunningRunResult) -> None:
    renderer = MessageRenderer(plan.run_date)
    logs = []
    for customer in plan.customers:
        level = customer.level
        mailed = level.send_email and bool(customer.emails)
        # The message is written only when someone receives it (an email or a letter): the
        # log keeps what was sent, and rendering is most of a run's time.
        subject, body = renderer.render(customer) if mailed or level.letter else ("", "")
        totals = customer.totals()
        logs.append(
            DunningLog(
                # The customer as the plan read it: the audit names it without a query each.
                customer=Customer(pk=customer.customer_id, code=customer.code, name=customer.name),
                run_date=plan.run_date,
                policy=customer.policy,
                level=level,
                level_name=level.name,
                days_overdue=max(item.days_overdue for item in customer.items),
                subject=subject,
                body=body,
                emailed_to=", ".join(customer.emails)[:1000] if mailed else "",
                letter=level.letter,
                fee=level.fee,
                currency=customer.currency,
                overdue_total=totals.get(customer.currency, Decimal(0)),
                hold=level.hold,
                created_by=actor,
            )
        )
    try:
        with transaction.atomic():
            made = DunningLog.objects.bulk_create(logs, batch_size=2000)
    except IntegrityError:
        # A run of the same day got there first (two workers, a click during the task).
        raise DomainError(CoreError.CONFLICT) from None
    items: list[DunningLogItem] = []
    tasks: list[CollectionTask] = []
    for log, customer in zip(made, plan.customers, strict=True):
        items.extend(
            DunningLogItem(
                log=log,
                installment_id=item.installment_id,
                days_overdue=item.days_overdue,
                level_days=item.level_days,
                residual=item.residual,
            )
            for item in customer.new_items
        )
        if customer.level.create_task:
            tasks.append(
                CollectionTask(
                    customer_id=customer.customer_id,
                    log=log,
                    assignee_id=customer.assignee_id,
                    title=_("Follow up “%(level)s” with %(customer)s")
                    % {"level": customer.level.name, "customer": customer.name},
                    due_date=plan.run_date + timedelta(days=customer.level.task_due_days),
                )
            )
    DunningLogItem.objects.bulk_create(items, batch_size=5000)
    CollectionTask.objects.bulk_create(tasks, batch_size=2000)
    audit_record_many(actor=actor, instances=made, action=AuditAction.CREATE)
    result.logs, result.tasks = len(made), len(tasks)
    _holds(plan, actor, result)
    emailed = [log.pk for log in made if log.emailed_to]
    result.emails = len(emailed)
    if emailed:
        from cashloop.collections.tasks import dunning_email

        for start in range(0, len(emailed), EMAIL_BATCH):
            batch = emailed[start : start + EMAIL_BATCH]
            transaction.on_commit(partial(dunning_email.enqueue, batch))


def _holds(plan: DunningPlan, actor: User | None, result: DunningRunResult) -> None:
    holding = [customer for customer in plan.customers if customer.level.hold]
    if not holding:
        return
    try:
        from cashloop.credit.services import credit_hold_place
    except ImportError:
        logger.warning("dunning: credit control is not installed; %d holds skipped", len(holding))
        result.holds_skipped = len(holding)
        return
    for customer in holding:
        # The system places it: the run's actor may run dunning without placing holds.
        credit_hold_place(
            actor=None,
            customer_id=customer.customer_id,
            source="dunning",
            reason=_("Dunning level “%(level)s” reached") % {"level": customer.level.name},
            today=plan.run_date,
        )
        result.holds += 1

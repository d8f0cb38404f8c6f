"""Reads of collections: who collects from a customer, which policy applies, and the
dunning plan of a day — what a run would do, computed in a handful of set queries
whatever the number of installments (decision 047)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cashloop.collections.choices import DisputeStatus, Language, PromiseStatus
from cashloop.collections.errors import CollectionError, DisputeError, DunningError
from cashloop.collections.models import (
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
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import ScopedQuerySet, get_scoped, may, require
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Contact, Customer, Interaction
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import Installment

if TYPE_CHECKING:
    from cashloop.identity.models import User

ZERO = Decimal(0)
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
# Contacts are read for this many customers per query: a bound, not a query per customer.
CHUNK = 2000
# Promises the customer 360 lists.
PANEL_ROWS = 5
DISPUTE_OPEN = (DisputeStatus.OPEN, DisputeStatus.CREDIT_PENDING)


def today_or(today: date | None) -> date:
    return today or timezone.localdate()


def collector_of(customer: Customer) -> User | None:
    """The customer's collector from its dunning settings, or None (callers fall back to
    the owner)."""
    settings = CustomerDunning.objects.filter(customer=customer).select_related("collector")
    row = settings.first()
    return row.collector if row is not None else None


def customer_settings(customer_id: int) -> CustomerDunning | None:
    return (
        CustomerDunning.objects.filter(customer_id=customer_id)
        .select_related("policy", "collector")
        .first()
    )


def policies() -> ScopedQuerySet[DunningPolicy]:
    return DunningPolicy.objects.prefetch_related(
        Prefetch("levels", queryset=DunningLevel.objects.order_by("order")), "groups"
    )


def policy_list(*, user: User) -> QuerySet[DunningPolicy]:
    require(user, "view", DunningPolicy)
    return policies()


def policy_get(*, user: User, policy_id: int) -> DunningPolicy:
    return get_scoped(
        policies(),
        user=user,
        action="view",
        pk=policy_id,
        not_found=DunningError.POLICY_NOT_FOUND,
    )


def log_list(*, user: User, customer_id: int | None = None) -> QuerySet[DunningLog]:
    require(user, "view", DunningLog)
    rows = DunningLog.objects.restrict(user, "view").select_related("customer", "policy")
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows


def log_get(*, user: User, log_id: int) -> DunningLog:
    return get_scoped(
        DunningLog.objects.select_related("customer", "policy").prefetch_related(
            "items__installment__invoice"
        ),
        user=user,
        action="view",
        pk=log_id,
        not_found=DunningError.LOG_NOT_FOUND,
    )


@dataclass(frozen=True)
class CustomerDunningPanel:
    """What the customer 360 page shows of dunning."""

    settings: CustomerDunning | None
    last: DunningLog | None
    exclusions: list[InvoiceExclusion]
    open_tasks: list[CollectionTask]
    promises: list[PaymentPromise]
    disputes: list[Dispute]


def customer_dunning(
    *, user: User, customer_id: int, today: date | None = None
) -> CustomerDunningPanel:
    """The customer's dunning level (its last log), settings, exclusions and open tasks."""
    customer = get_scoped(
        Customer.objects.all(),
        user=user,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    day = today_or(today)
    return CustomerDunningPanel(
        settings=customer_settings(customer.pk),
        last=DunningLog.objects.filter(customer=customer).first(),
        exclusions=list(
            InvoiceExclusion.objects.filter(
                invoice__customer=customer, until__gte=day
            ).select_related("invoice")
        ),
        open_tasks=list(
            CollectionTask.objects.filter(customer=customer, done_at__isnull=True).select_related(
                "assignee"
            )
        ),
        # Open promises first, then the latest kept or broken ones.
        promises=list(
            PaymentPromise.objects.filter(customer=customer).order_by(
                Case(When(status=PromiseStatus.OPEN, then=0), default=1),
                "-promised_date",
                "-id",
            )[:PANEL_ROWS]
        ),
        disputes=list(
            Dispute.objects.filter(customer=customer, status__in=DISPUTE_OPEN).select_related(
                "installment__invoice"
            )
        ),
    )


# --- the plan of a run -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    installment_id: int
    invoice_number: str
    sequence: int
    due_date: date
    days_overdue: int
    residual: Decimal
    currency: str
    level_days: int  # the level this installment reaches today
    new: bool


@dataclass
class CustomerPlan:
    customer_id: int
    code: str
    name: str
    currency: str
    owner_id: int | None
    collector_id: int | None
    language: str
    policy: DunningPolicy
    level: DunningLevel
    items: list[PlanItem] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    @property
    def new_items(self) -> list[PlanItem]:
        return [item for item in self.items if item.new]

    @property
    def assignee_id(self) -> int | None:
        return self.collector_id or self.owner_id

    @property
    def days_overdue(self) -> int:
        return max(item.days_overdue for item in self.items)

    @property
    def actions(self) -> list[str]:
        """What the level does for this customer: email, letter, task, fee, hold."""
        level = self.level
        flags = (
            ("email", level.send_email and bool(self.emails)),
            ("letter", level.letter),
            ("task", level.create_task),
            ("fee", level.fee > 0),
            ("hold", level.hold),
        )
        return [name for name, on in flags if on]

    def totals(self) -> dict[str, Decimal]:
        """Open amount per currency of the items the message lists."""
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in self.items:
            sums[item.currency] += item.residual
        return dict(sums)


@dataclass
class DunningPlan:
    """The customers a run would remind (all of them, or the first ones by code), and how
    many customers and installments the whole run covers."""

    run_date: date
    customers: list[CustomerPlan]
    customer_count: int = 0
    installments: int = 0


class PolicyResolver:
    """A customer's policy: its override, else its group's, else the default."""

    def __init__(self, rows: Iterable[DunningPolicy]) -> None:
        self.by_id: dict[int, DunningPolicy] = {}
        self.by_group: dict[int, DunningPolicy] = {}
        self.default: DunningPolicy | None = None
        self.levels: dict[tuple[int, int], DunningLevel] = {}
        for policy in rows:
            levels = list(policy.levels.all())
            if not levels:
                continue
            self.by_id[policy.pk] = policy
            self.levels.update(((policy.pk, level.days_overdue), level) for level in levels)
            for group in policy.groups.all():
                self.by_group.setdefault(group.pk, policy)
            if policy.is_default:
                self.default = policy

    def policy(self, override_id: int | None, group_id: int | None) -> DunningPolicy | None:
        if override_id is not None:
            # An override that is not run today (not automatic) keeps the customer out.
            return self.by_id.get(override_id)
        if group_id is not None and group_id in self.by_group:
            return self.by_group[group_id]
        return self.default

    def policy_sql(self) -> Case:
        """`policy` as an expression over an installment's customer."""
        whens = [
            When(
                invoice__customer__dunning__policy__isnull=False,
                then=F("invoice__customer__dunning__policy_id"),
            ),
            *(
                When(invoice__customer__group_id=group_id, then=Value(policy.pk))
                for group_id, policy in self.by_group.items()
            ),
        ]
        default = self.default.pk if self.default is not None else None
        return Case(*whens, default=Value(default), output_field=IntegerField())

    def running_sql(self, running: set[int]) -> Q:
        """ "The installment's customer has one of the `running` policies".

        Most days every customer's policy runs, and the test is left out (one query to know).
        Otherwise, the customers' own settings are tested with EXISTS rather than through
        the LEFT JOIN of `policy_sql`: the planner cannot estimate a NULL in an outer join
        to a small table, takes it for rare, and then joins a million installments by
        index one at a time."""
        settings = CustomerDunning.objects.filter(customer_id=OuterRef("invoice__customer_id"))
        overrides = settings.filter(policy__isnull=False)
        fallback = Q(
            invoice__customer__group_id__in=[
                group for group, policy in self.by_group.items() if policy.pk in running
            ]
        )
        if self.default is not None and self.default.pk in running:
            fallback |= ~Q(invoice__customer__group_id__in=list(self.by_group))
            if all(policy.pk in running for policy in self.by_group.values()) and not (
                CustomerDunning.objects.filter(policy__isnull=False)
                .exclude(policy_id__in=running)
                .exists()
            ):
                return Q()
        return Q(Exists(overrides.filter(policy_id__in=running))) | (
            ~Q(Exists(overrides)) & fallback
        )


# An installment no run has dunned yet: below every level.
NEVER = -(10**6)


def plan_rows(
    day: date,
    resolver: PolicyResolver,
    *,
    auto_only: bool = False,
    customer_id: int | None = None,
    again: bool = False,
) -> QuerySet[Any, Any] | None:
    """The candidate installments of `day` that reached a level, with, computed by the
    database: `policy_ref` (the customer's policy), `level_days` (the highest level of it
    the installment reached) and `done_days` (the highest level a run did before, or NEVER).
    An installment is new when `level_days > done_days`.  `again` keeps the customers a run
    of `day` already dunned (to write their message).  None when no policy runs."""
    running = [p for p in resolver.by_id.values() if p.auto_send or not auto_only]
    if not running:
        return None
    # With one policy running (the usual case) the level needs no test of the policy: the
    # rows of others are filtered out.  Shorter SQL, and each test is repeated per level.
    several = len(running) > 1
    reached = [
        When(
            Q(policy_ref=policy.pk) if several else Q(),
            due_date__lte=day - timedelta(days=days),
            then=Value(days),
        )
        for policy in running
        for days in sorted((level.days_overdue for level in policy.levels.all()), reverse=True)
    ]
    done = (
        DunningLogItem.objects.filter(installment_id=OuterRef("pk"))
        .order_by("-level_days")
        .values("level_days")[:1]
    )
    earliest = min(level.days_overdue for policy in running for level in policy.levels.all())
    rows = candidates(day, earliest, again=again)
    if customer_id is not None:
        rows = rows.filter(invoice__customer_id=customer_id)
    rows = (
        rows.filter(resolver.running_sql({policy.pk for policy in running}))
        .annotate(policy_ref=resolver.policy_sql())
        .annotate(
            level_days=Case(*reached, output_field=IntegerField()),
            done_days=Coalesce(Subquery(done), Value(NEVER)),
        )
    )
    # With one policy every candidate is due for its earliest level already; a test the
    # planner cannot estimate would only make it guess fewer rows.
    return rows.filter(level_days__isnull=False) if several else rows


def candidates(day: date, earliest_days: int, *, again: bool = False) -> QuerySet[Installment]:
    """Open installments due early enough for the earliest level, not excluded, not
    disputed (decision 051), of customers not dunned today already (unless `again`)."""
    rows = (
        Installment.objects.filter(
            residual__gt=0,
            invoice__status__in=OPEN_STATUSES,
            due_date__lte=day - timedelta(days=earliest_days),
        )
        .exclude(invoice__dunning_exclusions__until__gte=day)
        .exclude(disputes__status__in=DISPUTE_OPEN)
        # Fees and interest are not dunned themselves: no fee on a fee (decision 051).
        .exclude(invoice__dunning_charges__isnull=False)
        # EXISTS, not the outer join's column: see `PolicyResolver.running_sql`.
        .exclude(
            Exists(
                CustomerDunning.objects.filter(
                    customer_id=OuterRef("invoice__customer_id"), excluded_until__gte=day
                )
            )
        )
    )
    return rows if again else rows.exclude(invoice__customer__dunning_logs__run_date=day)


PLAN_COLUMNS = (
    "pk",
    "sequence",
    "due_date",
    "residual",
    "invoice__number",
    "invoice__currency",
    "invoice__customer_id",
    "invoice__customer__code",
    "invoice__customer__name",
    "invoice__customer__currency",
    "invoice__customer__owner_id",
    "invoice__customer__dunning__collector_id",
    "invoice__customer__dunning__language",
    "policy_ref",
    "level_days",
    "done_days",
)


def customer_plans(
    day: date, resolver: PolicyResolver, rows: QuerySet[Installment]
) -> list[CustomerPlan]:
    """The rows grouped per customer; a customer's level is the highest one an installment
    newly reached (a level already done for every installment that reached it is never done
    again)."""
    plans: dict[int, CustomerPlan] = {}
    ordered = rows.order_by("due_date", "invoice__number", "sequence").values_list(*PLAN_COLUMNS)
    for (
        pk,
        sequence,
        due_date,
        residual,
        number,
        currency,
        customer_id,
        code,
        name,
        customer_currency,
        owner_id,
        collector_id,
        language,
        policy_id,
        level_days,
        done_days,
    ) in ordered.iterator(chunk_size=5000):
        level = resolver.levels[(policy_id, level_days)]
        new = level_days > done_days
        plan = plans.get(customer_id)
        if plan is None:
            plan = plans[customer_id] = CustomerPlan(
                customer_id=customer_id,
                code=code,
                name=name,
                currency=customer_currency,
                owner_id=owner_id,
                collector_id=collector_id,
                language=language or Language.ZH_HANS,
                policy=resolver.by_id[policy_id],
                level=level,
            )
        if new and (not plan.new_items or level_days > plan.level.days_overdue):
            plan.level = level
        plan.items.append(
            PlanItem(
                installment_id=pk,
                invoice_number=number,
                sequence=sequence,
                due_date=due_date,
                days_overdue=(day - due_date).days,
                residual=residual,
                currency=currency,
                level_days=level_days,
                new=new,
            )
        )
    return list(plans.values())


def dunning_plan(
    *, today: date | None = None, auto_only: bool = False, limit: int | None = None
) -> DunningPlan:
    """What a run on `today` would do: per customer, the level reached and the items.

    With `limit`, only the first `limit` customers by code are read into plans, and the
    database counts the rest: a company's first run may remind tens of thousands, more than
    a page shows and too many to build in Python to show a few hundred."""
    day = today_or(today)
    resolver = PolicyResolver(policies())
    rows = plan_rows(day, resolver, auto_only=auto_only)
    if rows is None:
        return DunningPlan(run_date=day, customers=[])
    counted = None
    if limit is not None:
        # One pass over the selection: each customer's count of installments newly at a
        # level, in code order; the first `limit` are read into plans.
        counted = list(
            rows.filter(level_days__gt=F("done_days"))
            .values_list("invoice__customer_id")
            .annotate(new=Count("pk"))
            .order_by("invoice__customer__code")
        )
        rows = rows.filter(invoice__customer_id__in=[pk for pk, _ in counted[:limit]])
    chosen = [plan for plan in customer_plans(day, resolver, rows) if plan.new_items]
    _add_emails(chosen)
    chosen.sort(key=lambda plan: plan.code)
    if counted is None:
        counted = [(plan.customer_id, len(plan.new_items)) for plan in chosen]
    return DunningPlan(
        run_date=day,
        customers=chosen,
        customer_count=len(counted),
        installments=sum(new for _, new in counted),
    )


def log_plan(log: DunningLog, resolver: PolicyResolver | None = None) -> CustomerPlan:
    """The plan a log was written from, read again for its message: the customer's items
    that reached a level on the run's day (as they stand now), at the log's level.  Pass a
    `resolver` when reading many logs: it is three queries to build."""
    resolver = resolver or PolicyResolver(policies())
    rows = plan_rows(log.run_date, resolver, customer_id=log.customer_id, again=True)
    found = customer_plans(log.run_date, resolver, rows) if rows is not None else []
    plan = found[0] if found else _logged_plan(log)
    if log.level is not None:
        plan.level = log.level
    return plan


def _logged_plan(log: DunningLog) -> CustomerPlan:
    """The customer, policy, level and emails of a log, without items."""
    customer = log.customer
    settings = getattr(customer, "dunning", None)
    return CustomerPlan(
        customer_id=customer.pk,
        code=customer.code,
        name=customer.name,
        currency=customer.currency,
        owner_id=customer.owner_id,
        collector_id=settings.collector_id if settings else None,
        language=settings.language if settings else Language.ZH_HANS,
        policy=log.policy,  # type: ignore[arg-type]
        level=log.level,  # type: ignore[arg-type]
        emails=log.emailed_to.split(", ") if log.emailed_to else [],
    )


def run_customers(
    *, run_date: date, made_at: datetime, limit: int | None = None
) -> list[CustomerPlan]:
    """What a run did, read back from its logs: per customer the level and the items it
    dunned (a run knows its logs by their `created_at`); with `limit`, the first customers
    by code."""
    logs = (
        DunningLog.objects.filter(run_date=run_date, created_at=made_at)
        .select_related("customer__dunning", "policy", "level")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=DunningLogItem.objects.select_related("installment__invoice").order_by(
                    "installment__due_date", "installment__invoice__number", "installment__sequence"
                ),
            )
        )
        .order_by("customer__code")
    )
    plans = []
    for log in logs[:limit]:
        plan = _logged_plan(log)
        plan.items = [
            PlanItem(
                installment_id=item.installment_id,
                invoice_number=item.installment.invoice.number,
                sequence=item.installment.sequence,
                due_date=item.installment.due_date,
                days_overdue=item.days_overdue,
                residual=item.residual,
                currency=item.installment.invoice.currency,
                level_days=item.level_days,
                new=True,
            )
            for item in log.items.all()
        ]
        plans.append(plan)
    return plans


def _add_emails(plans: list[CustomerPlan]) -> None:
    by_customer = {plan.customer_id: plan for plan in plans}
    ids = list(by_customer)
    for start in range(0, len(ids), CHUNK):
        contacts = (
            Contact.objects.filter(customer_id__in=ids[start : start + CHUNK])
            .exclude(email="")
            .order_by("customer_id", "name", "id")
            .values_list("customer_id", "email")
        )
        for customer_id, email in contacts:
            by_customer[customer_id].emails.append(email)


# --- the collector's worklist (decision 050) ----------------------------------------------------

# Priority = amount points + days points + risk points + broken-promise points (0-110).
AMOUNT_CAP, DAYS_CAP, RISK_CAP, BROKEN_POINTS, BROKEN_CAP = 40, 30, 20, 10, 20
BROKEN_WINDOW = 90  # days a broken promise keeps raising the priority


@dataclass(frozen=True)
class Priority:
    score: int
    # (what, points) of each part that added something, largest first: the page says why.
    parts: tuple[tuple[str, int], ...]


def priority_of(*, overdue: Decimal, days: int, credit_score: int | None, broken: int) -> Priority:
    """The worklist's priority of a customer (decision 050).

    amount: 10 points per tenfold of the base-currency amount overdue above 100, at most 40
    (1,000 → 10, 10,000 → 20, 1,000,000 → 40); days: one point per 3 days of its oldest
    overdue item, at most 30 (90 days); risk: a fifth of what the credit score lacks of 100,
    at most 20 (no score: 0); broken promises in the last 90 days: 10 each, at most 20.
    """
    amount = 0
    if overdue > 100:
        amount = min(AMOUNT_CAP, int(10 * ((overdue / 100).log10())))
    day_points = min(DAYS_CAP, max(0, days) // 3)
    risk = 0 if credit_score is None else min(RISK_CAP, max(0, 100 - credit_score) // 5)
    promises = min(BROKEN_CAP, BROKEN_POINTS * broken)
    parts = [
        ("amount", amount),
        ("days", day_points),
        ("risk", risk),
        ("broken_promises", promises),
    ]
    parts = sorted((part for part in parts if part[1] > 0), key=lambda part: -part[1])
    return Priority(score=amount + day_points + risk + promises, parts=tuple(parts))


@dataclass
class WorklistRow:
    """One line of the worklist: a customer to work today, with its task if it has one."""

    customer_id: int
    code: str
    name: str
    assignee_id: int | None
    overdue: Decimal  # in the base currency
    oldest_days: int
    credit_score: int | None
    broken_promises: int
    promise: PaymentPromise | None  # the open one due first, else the latest resolved
    task: CollectionTask | None
    priority: Priority


def _credit_scores(customer_ids: list[int]) -> dict[int, int | None]:
    """Credit scores where credit control has one (read lazily: the app may be absent)."""
    try:
        from cashloop.credit.models import CreditProfile
    except ImportError:  # pragma: no cover - credit control is installed with collections
        return {}
    return dict(
        CreditProfile.objects.filter(customer_id__in=customer_ids).values_list(
            "customer_id", "score"
        )
    )


def worklist(*, user: User, today: date | None = None, everyone: bool = False) -> list[WorklistRow]:
    """What the collector works today, by priority: their open tasks due today or earlier,
    and the customers they collect from (collector, else owner) with money overdue and no
    open task.  `everyone`: every collector's, as far as the user's scope reaches (managers
    their team, finance all).  A fixed number of queries whatever the number of rows."""
    require(user, "view", CollectionTask)
    day = today_or(today)
    tasks_qs = (
        CollectionTask.objects.restrict(user, "view")
        .filter(done_at__isnull=True, due_date__lte=day)
        .select_related("customer", "assignee")
        .order_by("due_date", "id")
    )
    if not everyone:
        tasks_qs = tasks_qs.filter(assignee=user)
    tasks = list(tasks_qs)
    overdue_qs = Installment.objects.filter(
        residual__gt=0, invoice__status__in=OPEN_STATUSES, due_date__lt=day
    )
    if everyone:
        overdue_qs = overdue_qs.filter(
            invoice__customer__in=Customer.objects.restrict(user, "view").values("pk")
        )
    else:
        overdue_qs = overdue_qs.filter(
            Q(invoice__customer__dunning__collector=user)
            | Q(invoice__customer__dunning__collector__isnull=True, invoice__customer__owner=user)
            | Q(invoice__customer_id__in=[task.customer_id for task in tasks])
        )
    overdue = {
        row["invoice__customer_id"]: row
        for row in overdue_qs.values(
            "invoice__customer_id",
            "invoice__customer__code",
            "invoice__customer__name",
            "invoice__customer__owner_id",
            "invoice__customer__dunning__collector_id",
        ).annotate(total=Sum("base_residual"), oldest=Min("due_date"))
    }
    ids = sorted({*overdue, *(task.customer_id for task in tasks)})
    # A customer with an open task (due later) is scheduled already: not listed again.
    tasked = set(
        CollectionTask.objects.filter(customer_id__in=ids, done_at__isnull=True).values_list(
            "customer_id", flat=True
        )
    )
    scores = _credit_scores(ids)
    broken = dict(
        PaymentPromise.objects.filter(
            customer_id__in=ids,
            status=PromiseStatus.BROKEN,
            resolved_on__gt=day - timedelta(days=BROKEN_WINDOW),
        )
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    promises = _promise_of_customers(ids)
    rows: list[WorklistRow] = []

    def row_for(customer_id: int, task: CollectionTask | None) -> WorklistRow:
        found = overdue.get(customer_id)
        # SQLite sums lose the scale: quantized, the amount reads the same on both.
        total = quantize(found["total"], base_currency()) if found else ZERO
        days = (day - found["oldest"]).days if found else 0
        assignee: int | None
        if found:
            code, name = found["invoice__customer__code"], found["invoice__customer__name"]
            assignee = (
                found["invoice__customer__dunning__collector_id"]
                or found["invoice__customer__owner_id"]
            )
        else:
            assert task is not None
            code, name, assignee = task.customer.code, task.customer.name, task.assignee_id
        return WorklistRow(
            customer_id=customer_id,
            code=code,
            name=name,
            assignee_id=task.assignee_id if task is not None else assignee,
            overdue=total,
            oldest_days=days,
            credit_score=scores.get(customer_id),
            broken_promises=broken.get(customer_id, 0),
            promise=promises.get(customer_id),
            task=task,
            priority=priority_of(
                overdue=total,
                days=days,
                credit_score=scores.get(customer_id),
                broken=broken.get(customer_id, 0),
            ),
        )

    rows.extend(row_for(task.customer_id, task) for task in tasks)
    rows.extend(row_for(pk, None) for pk in overdue if pk not in tasked)
    rows.sort(key=lambda row: (-row.priority.score, -row.overdue, row.code))
    return rows


def _promise_of_customers(customer_ids: list[int]) -> dict[int, PaymentPromise]:
    """Per customer, its open promise due first, else its latest resolved one."""
    found: dict[int, PaymentPromise] = {}
    rows = PaymentPromise.objects.filter(customer_id__in=customer_ids).order_by(
        "customer_id", "-made_on", "-id"
    )
    for promise in rows:
        have = found.get(promise.customer_id)
        if have is None or (
            promise.status == PromiseStatus.OPEN
            and (have.status != PromiseStatus.OPEN or promise.promised_date < have.promised_date)
        ):
            found[promise.customer_id] = promise
    return found


@dataclass(frozen=True)
class CollectionCustomer:
    """Everything the collector needs on one customer's page."""

    customer: Customer
    collector: User | None
    open_items: list[Installment]
    overdue: Decimal
    history: list[Interaction]
    contacts: list[Contact]
    promises: list[PaymentPromise]
    open_tasks: list[CollectionTask]
    last_dunning: DunningLog | None
    disputes: list[Dispute]
    oldest_days: int
    credit_score: int | None
    broken_promises: int
    priority: Priority


def collection_customer(
    *, user: User, customer_id: int, today: date | None = None
) -> CollectionCustomer:
    """One customer for the collector: open items (overdue first), the contact history with
    each contact's collection outcome, contacts with phones, promises, open tasks, the
    dunning level reached and the open disputes."""
    require(user, "view", CollectionTask)
    customer = get_scoped(
        Customer.objects.select_related("owner", "dunning__collector"),
        user=user,
        action="view",
        pk=customer_id,
        not_found=CollectionError.CUSTOMER_NOT_FOUND,
    )
    day = today_or(today)
    items = list(
        Installment.objects.filter(
            invoice__customer=customer, residual__gt=0, invoice__status__in=OPEN_STATUSES
        )
        .select_related("invoice")
        .order_by("due_date", "invoice__number", "sequence")
    )
    for item in items:
        item.days_overdue = max(0, (day - item.due_date).days)  # type: ignore[attr-defined]
    overdue = [item for item in items if item.due_date < day]
    total = sum((item.base_residual for item in overdue), ZERO)
    oldest = (day - overdue[0].due_date).days if overdue else 0
    history = list(
        Interaction.objects.restrict(user, "view")
        .filter(customer=customer)
        .select_related("author", "collection")
        .prefetch_related("contacts")[:30]
    )
    promises = list(
        PaymentPromise.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-made_on", "-id")[:20]
    )
    broken = sum(
        1
        for p in promises
        if p.status == PromiseStatus.BROKEN
        and p.resolved_on is not None
        and p.resolved_on > day - timedelta(days=BROKEN_WINDOW)
    )
    scores = _credit_scores([customer.pk])
    settings = getattr(customer, "dunning", None)
    return CollectionCustomer(
        customer=customer,
        collector=settings.collector if settings is not None else None,
        open_items=overdue + [item for item in items if item.due_date >= day],
        overdue=total,
        history=history,
        contacts=list(customer.contacts.order_by("name", "id")),
        promises=promises,
        open_tasks=list(
            CollectionTask.objects.filter(customer=customer, done_at__isnull=True)
            .select_related("assignee")
            .order_by("due_date", "id")
        ),
        last_dunning=DunningLog.objects.filter(customer=customer).first(),
        disputes=list(
            Dispute.objects.filter(
                customer=customer, status__in=(DisputeStatus.OPEN, DisputeStatus.CREDIT_PENDING)
            ).select_related("installment__invoice")
        ),
        oldest_days=oldest,
        credit_score=scores.get(customer.pk),
        broken_promises=broken,
        priority=priority_of(
            overdue=total, days=oldest, credit_score=scores.get(customer.pk), broken=broken
        ),
    )


# --- disputes and dunning charges (decision 051) ----------------------------------------------


def dispute_list(
    *, user: User, status: str | None = None, customer_id: int | None = None
) -> QuerySet[Dispute]:
    require(user, "view", Dispute)
    rows = Dispute.objects.restrict(user, "view").select_related(
        "customer", "installment__invoice", "credit_note", "held_posting"
    )
    if status:
        rows = rows.filter(status=status)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows


def dispute_get(*, user: User, dispute_id: int) -> Dispute:
    return get_scoped(
        Dispute.objects.select_related(
            "customer", "installment__invoice", "credit_note", "held_posting", "opened_by"
        ),
        user=user,
        action="view",
        pk=dispute_id,
        not_found=DisputeError.NOT_FOUND,
    )


def charge_list(
    *, user: User, status: str | None = None, customer_id: int | None = None
) -> QuerySet[DunningCharge]:
    require(user, "view", DunningCharge)
    rows = DunningCharge.objects.restrict(user, "view").select_related(
        "customer", "installment__invoice", "invoice", "log"
    )
    if status:
        rows = rows.filter(status=status)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows


def promise_list(
    *, user: User, customer_id: int | None = None, status: str | None = None
) -> QuerySet[PaymentPromise]:
    require(user, "view", PaymentPromise)
    rows = PaymentPromise.objects.restrict(user, "view")
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if status:
        rows = rows.filter(status=status)
    return rows


def broken_promises_factor(customer_id: int, today: date) -> list[dict[str, Any]]:
    """The credit score's factor for broken promises (decision 050): 5 points each broken
    in the last 12 months, at most 15.  Registered with credit control at start-up."""
    from django.utils.translation import ngettext

    count = PaymentPromise.objects.filter(
        customer_id=customer_id,
        status=PromiseStatus.BROKEN,
        resolved_on__gt=today - timedelta(days=365),
    ).count()
    if not count:
        return []
    text = ngettext(
        "%(count)s broken promise to pay in 12 months",
        "%(count)s broken promises to pay in 12 months",
        count,
    ) % {"count": count}
    return [
        {
            "code": "broken_promises",
            "points": -min(15, 5 * count),
            "params": {"count": count},
            "text": text,
        }
    ]


# --- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelOverdue:
    """Overdue money of the customers standing at one dunning level (their last message)."""

    level: str  # "" = overdue but not dunned yet
    days: int | None
    customers: int
    amount: Decimal


@dataclass(frozen=True)
class PromisesDue:
    count: int
    amounts: list[tuple[str, Decimal]]  # (currency, amount), base currency first


def overdue_by_level(*, user: User, today: date | None = None) -> list[LevelOverdue] | None:
    """The dashboard's overdue receivables by the dunning level their customer stands at, in
    the base currency (like the AR card); None when the user may not read dunning."""
    if not may(user, "view", DunningLog):
        return None
    day = today_or(today)
    last = DunningLog.objects.filter(customer_id=OuterRef("invoice__customer_id")).order_by(
        "-run_date", "-id"
    )
    rows = (
        Installment.objects.filter(
            invoice__customer__in=Customer.objects.restrict(user, "view").values("pk"),
            invoice__status__in=OPEN_STATUSES,
            invoice__currency=base_currency(),
            residual__gt=0,
            due_date__lt=day,
        )
        .values("invoice__customer_id")
        .annotate(
            amount=Sum("residual"),
            level=Subquery(last.values("level_name")[:1]),
            days=Subquery(last.values("level__days_overdue")[:1]),
        )
        .values_list("level", "days", "amount")
    )
    grouped: dict[tuple[str, int | None], list[Decimal]] = defaultdict(list)
    for level, days, amount in rows:
        grouped[level or "", days].append(amount)
    # Not dunned first, then by how far the level goes; a deleted level goes last.
    order = sorted(grouped, key=lambda k: (k[0] != "", k[1] is None, k[1] or 0, k[0]))
    return [
        LevelOverdue(level=k[0], days=k[1], customers=len(grouped[k]), amount=sum(grouped[k], ZERO))
        for k in order
    ]


def promises_due(*, user: User, today: date | None = None) -> PromisesDue | None:
    """Open promises to pay falling due today, summed per currency; None without the
    right."""
    if not may(user, "view", PaymentPromise):
        return None
    rows = (
        PaymentPromise.objects.restrict(user, "view")
        .filter(status=PromiseStatus.OPEN, promised_date=today_or(today))
        .values("currency")
        .annotate(n=Count("id"), s=Sum("amount"))
    )
    base = base_currency()
    sums = sorted(((r["currency"], r["s"], r["n"]) for r in rows), key=lambda r: r[0] != base)
    return PromisesDue(
        count=sum(n for _, _, n in sums), amounts=[(cur, amount) for cur, amount, _ in sums]
    )

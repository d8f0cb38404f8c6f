"""Reads of collections: who collects from a customer, which policy applies, and the
dunning plan of a day — what a run would do, computed in a handful of set queries
whatever the number of installments (decision 047)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from cashloop.collections.choices import Language
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
from cashloop.core.scoping import ScopedQuerySet, get_scoped, require
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Contact, Customer
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import Installment

if TYPE_CHECKING:
    from cashloop.identity.models import User

ZERO = Decimal(0)
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
# Contacts are read for this many customers per query: a bound, not a query per customer.
CHUNK = 2000


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
    run_date: date
    customers: list[CustomerPlan]

    @property
    def installments(self) -> int:
        return sum(len(c.new_items) for c in self.customers)


class PolicyResolver:
    """A customer's policy: its override, else its group's, else the default."""

    def __init__(self, rows: Iterable[DunningPolicy]) -> None:
        self.by_id: dict[int, DunningPolicy] = {}
        self.by_group: dict[int, DunningPolicy] = {}
        self.default: DunningPolicy | None = None
        for policy in rows:
            levels = list(policy.levels.all())
            if not levels:
                continue
            self.by_id[policy.pk] = policy
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

    @property
    def earliest_days(self) -> int | None:
        days = [level.days_overdue for p in self.by_id.values() for level in p.levels.all()]
        return min(days) if days else None


def level_reached(policy: DunningPolicy, days_overdue: int) -> DunningLevel | None:
    """The highest level of the policy that starts on or before `days_overdue`."""
    reached = None
    for level in policy.levels.all():  # ordered by `order`, which follows the days
        if level.days_overdue <= days_overdue:
            reached = level
    return reached


def candidates(day: date, earliest_days: int) -> QuerySet[Installment]:
    """Open installments due early enough for the earliest level, not excluded, of
    customers not dunned today already."""
    return (
        Installment.objects.filter(
            residual__gt=0,
            invoice__status__in=OPEN_STATUSES,
            due_date__lte=day - timedelta(days=earliest_days),
        )
        .exclude(invoice__dunning_exclusions__until__gte=day)
        .exclude(invoice__customer__dunning__excluded_until__gte=day)
        .exclude(invoice__customer__dunning_logs__run_date=day)
    )


def dunning_plan(*, today: date | None = None, auto_only: bool = False) -> DunningPlan:
    """What a run on `today` would do: per customer, the level reached and the items."""
    day = today_or(today)
    resolver = PolicyResolver(policies())
    earliest = resolver.earliest_days
    if earliest is None:
        return DunningPlan(run_date=day, customers=[])
    open_items = candidates(day, earliest)
    done = dict(
        DunningLogItem.objects.filter(installment__in=open_items.values("pk"))
        .values("installment_id")
        .annotate(top=Max("level_days"))
        .values_list("installment_id", "top")
    )
    columns = (
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
        "invoice__customer__group_id",
        "invoice__customer__dunning__policy_id",
        "invoice__customer__dunning__collector_id",
        "invoice__customer__dunning__language",
    )
    plans: dict[int, CustomerPlan] = {}
    rows_of = open_items.order_by("due_date", "invoice__number", "sequence").values_list(*columns)
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
        group_id,
        override_id,
        collector_id,
        language,
    ) in rows_of.iterator(chunk_size=5000):
        policy = resolver.policy(override_id, group_id)
        if policy is None or (auto_only and not policy.auto_send):
            continue
        days = (day - due_date).days
        level = level_reached(policy, days)
        if level is None:
            continue
        new = level.days_overdue > done.get(pk, -(10**6))
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
                policy=policy,
                level=level,
            )
        # The customer's level is the highest one an installment newly reached: a level
        # already done for every installment that reached it is never done again.
        if new and (not plan.new_items or level.days_overdue > plan.level.days_overdue):
            plan.level = level
        plan.items.append(
            PlanItem(
                installment_id=pk,
                invoice_number=number,
                sequence=sequence,
                due_date=due_date,
                days_overdue=days,
                residual=residual,
                currency=currency,
                level_days=level.days_overdue,
                new=new,
            )
        )
    chosen = [plan for plan in plans.values() if plan.new_items]
    _add_emails(chosen)
    chosen.sort(key=lambda plan: plan.code)
    return DunningPlan(run_date=day, customers=chosen)


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

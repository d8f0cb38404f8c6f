"""Writes of contracts (合同): draft, change, activate, accept milestones, terminate, renew.

A contract is drafted (directly or from an accepted quote), changed freely while it is a
draft, and activated once its payment plan sums exactly to its total; activation may go
through an approval flow.  Activation gives each plan item its due date where the rule
can tell one; an item waiting for a milestone gets its date when the milestone is
accepted.  From then on billing (`billing.py`) turns due items into invoices.  An active
contract changes only through an amendment (`amendments.py`), which never touches
what is invoiced already.

Line amounts are computed as invoices compute theirs (`receivables.services`), so an
invoice billing a whole contract gives the same net, tax and total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.approvals.models import ApprovalRequest
from cashloop.approvals.services import approval_request_submit
from cashloop.contracts.choices import (
    ContractStatus,
    MilestoneKind,
    MilestoneStatus,
    PlanDueRule,
    PlanItemStatus,
)
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import (
    Contract,
    ContractLine,
    ContractTemplate,
    Milestone,
    PlanItem,
)
from cashloop.contracts.terms import terms_render
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.dates import month_end
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import (
    base_currency,
    currency_check,
    format_money,
    split,
    to_decimal,
)
from cashloop.core.scoping import get_scoped, require
from cashloop.core.sequences import sequence_next
from cashloop.cpq.choices import QuoteStatus, Recognition
from cashloop.cpq.models import Product, Quote
from cashloop.credit.services import credit_check_sale
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer
from cashloop.customers.services import _owner_for
from cashloop.customfields.services import custom_values_validate
from cashloop.identity.models import User
from cashloop.receivables.choices import InvoiceOrigin, InvoiceStatus
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import LineIn, _exact, _line_amounts, _rate
from cashloop.webhooks.services import webhook_emit

CONTRACT_SERIES = "CON"
# Document types of the approval registry (see contracts.approval_types).
CONTRACT_TYPE = "contracts.contract"
AMENDMENT_TYPE = "contracts.amendment"
# Plan items billing has not touched yet: they may still be changed or cancelled.
OPEN_PLAN_STATUSES = (PlanItemStatus.WAITING, PlanItemStatus.SCHEDULED)
# Plan items billed, by Cashloop or before migration: never changed, never billed again.
BILLED_PLAN_STATUSES = (PlanItemStatus.INVOICED, PlanItemStatus.BILLED_BEFORE)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ContractLineIn:
    """A contract line as typed or copied from a quote; `milestone_position` names the
    milestone (1-based, in the order given) whose acceptance earns an AT_MILESTONE line."""

    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount_percent: Decimal = Decimal(0)
    unit: str = ""
    recognition: str = Recognition.AT_INVOICING
    service_start: date | None = None
    service_end: date | None = None
    milestone_position: int | None = None
    # Fixes the line's tax, as for a contract carried over with the total it was signed
    # for (tax included); otherwise it is computed from the net.
    tax: Decimal | None = None


@dataclass(frozen=True)
class PlanItemIn:
    """An installment: a percent of the total or a fixed amount (exactly one), and its rule."""

    label: str
    percent: Decimal | None = None
    amount: Decimal | None = None
    due_rule: str = PlanDueRule.ON_SIGNING
    due_days: int = 0
    fixed_date: date | None = None
    milestone_position: int | None = None
    discount_percent: Decimal = Decimal(0)
    discount_days: int = 0


@dataclass(frozen=True)
class MilestoneIn:
    name: str
    kind: str = MilestoneKind.ACCEPTANCE
    planned_date: date | None = None


# --- building a draft ----------------------------------------------------------------------


def _milestones_build(contract: Contract, milestones: Sequence[MilestoneIn]) -> list[Milestone]:
    built = []
    for n, spec in enumerate(milestones, 1):
        if not spec.name.strip():
            raise DomainError(ContractError.BAD_MILESTONE, n=n, reason=_("name it"))
        if spec.kind not in MilestoneKind.values:
            raise DomainError(ContractError.BAD_MILESTONE, n=n, reason=_("unknown kind"))
        built.append(
            Milestone(
                contract=contract,
                position=n,
                name=spec.name.strip()[:200],
                kind=spec.kind,
                # Without a plan, a milestone is expected on the contract's first day.
                planned_date=spec.planned_date or contract.start_date,
            )
        )
    return built


def _milestone_at(milestones: list[Milestone], position: int | None, error: Any, n: int) -> Any:
    if position is None:
        return None
    if not 1 <= position <= len(milestones):
        raise DomainError(
            error, n=n, line=n, reason=_("no milestone {position}").format(position=position)
        )
    return milestones[position - 1]


def _lines_build(
    contract: Contract, lines: Sequence[ContractLineIn], milestones: list[Milestone]
) -> list[ContractLine]:
    if not lines:
        raise DomainError(ContractError.NO_LINES)
    wanted = {spec.product_id for spec in lines if spec.product_id is not None}
    known = set(Product.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    built = []
    for n, spec in enumerate(lines, 1):
        amounts = _line_amounts(
            LineIn(
                description=spec.description,
                quantity=spec.quantity,
                unit_price=spec.unit_price,
                tax_rate=spec.tax_rate,
                discount_percent=spec.discount_percent,
                tax=spec.tax,
            ),
            contract.currency,
            n,
        )
        if spec.recognition not in Recognition.values:
            raise DomainError(ContractError.BAD_LINE, line=n, reason=_("unknown recognition"))
        if spec.product_id is not None and spec.product_id not in known:
            raise DomainError(ContractError.BAD_LINE, line=n, reason=_("no such product"))
        milestone = _milestone_at(milestones, spec.milestone_position, ContractError.BAD_LINE, n)
        if spec.recognition == Recognition.AT_MILESTONE and milestone is None:
            raise DomainError(
                ContractError.BAD_LINE, line=n, reason=_("name the milestone that earns it")
            )
        start, end = spec.service_start, spec.service_end
        # A ratable line without a period of its own is served over the contract's term.
        own_period = start is not None and end is not None and start <= end
        term = start is None and end is None and contract.end_date is not None
        if spec.recognition == Recognition.RATABLY and not (own_period or term):
            raise DomainError(
                ContractError.BAD_LINE, line=n, reason=_("give the service period (start to end)")
            )
        built.append(
            ContractLine(
                contract=contract,
                position=n,
                product_id=spec.product_id,
                description=amounts.description,
                unit=spec.unit.strip()[:20],
                quantity=amounts.quantity,
                unit_price=amounts.unit_price,
                discount_percent=amounts.discount_percent,
                tax_rate=amounts.tax_rate,
                net=amounts.net,
                tax=amounts.tax,
                total=amounts.total,
                recognition=spec.recognition,
                service_start=start if spec.recognition == Recognition.RATABLY else None,
                service_end=end if spec.recognition == Recognition.RATABLY else None,
                milestone=milestone if spec.recognition == Recognition.AT_MILESTONE else None,
            )
        )
    return built


def _plan_build(
    contract: Contract, plan: Sequence[PlanItemIn], milestones: list[Milestone]
) -> list[PlanItem]:
    """Plan items with their amounts: percents become amounts by largest remainder over the
    percent part of the total, so a plan of percents summing to 100 gives the total exactly;
    fixed amounts stay as typed.  Whether the whole sums to the total is activation's check.
    """
    currency = contract.currency
    for n, spec in enumerate(plan, 1):
        if not spec.label.strip():
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("label it"))
        if (spec.percent is None) == (spec.amount is None):
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("give a percent or an amount"))
        if spec.percent is not None and not 0 < to_decimal(spec.percent) <= HUNDRED:
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("percent from 0 to 100"))
        if spec.amount is not None and _exact(spec.amount, currency) <= 0:
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("the amount must be positive"))
        if spec.due_rule not in PlanDueRule.values:
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("unknown due rule"))
        if spec.due_rule == PlanDueRule.FIXED_DATE and spec.fixed_date is None:
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("give the fixed date"))
        if not 0 <= spec.due_days <= 3650:
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("days from 0 to 3650"))
        if not 0 <= to_decimal(spec.discount_percent) < HUNDRED or spec.discount_days < 0:
            raise DomainError(ContractError.BAD_PLAN, n=n, reason=_("early-payment discount"))
    percents = [to_decimal(spec.percent) for spec in plan if spec.percent is not None]
    by_percent = iter(
        split(contract.total * sum(percents, Decimal(0)) / HUNDRED, percents, currency)
        if percents
        else []
    )
    built = []
    for n, spec in enumerate(plan, 1):
        on_milestone = spec.due_rule == PlanDueRule.ON_MILESTONE
        milestone = _milestone_at(
            milestones, spec.milestone_position if on_milestone else None, ContractError.BAD_PLAN, n
        )
        built.append(
            PlanItem(
                contract=contract,
                sequence=n,
                label=spec.label.strip()[:100],
                percent=to_decimal(spec.percent) if spec.percent is not None else None,
                amount=next(by_percent) if spec.percent is not None else to_decimal(spec.amount),  # type: ignore[arg-type]
                due_rule=spec.due_rule,
                due_days=spec.due_days,
                fixed_date=spec.fixed_date if spec.due_rule == PlanDueRule.FIXED_DATE else None,
                milestone=milestone,
                discount_percent=to_decimal(spec.discount_percent),
                discount_days=spec.discount_days,
            )
        )
    return built


def _content_save(
    contract: Contract,
    lines: Sequence[ContractLineIn],
    plan: Sequence[PlanItemIn],
    milestones: Sequence[MilestoneIn],
) -> None:
    """(Re)write a saved draft's milestones, lines and plan, and its totals from the lines."""
    contract.plan.all().delete()
    contract.lines.all().delete()
    contract.milestones.all().delete()
    built_milestones = _milestones_build(contract, milestones)
    built_lines = _lines_build(contract, lines, built_milestones)
    contract.subtotal = sum((line.net for line in built_lines), Decimal(0))
    contract.tax_total = sum((line.tax for line in built_lines), Decimal(0))
    contract.total = contract.subtotal + contract.tax_total
    if contract.total <= 0:
        raise DomainError(ContractError.TOTAL_NOT_POSITIVE)
    built_plan = _plan_build(contract, plan, built_milestones)
    for milestone in built_milestones:
        milestone.save()
    ContractLine.objects.bulk_create(_relinked(built_lines))
    PlanItem.objects.bulk_create(_relinked(built_plan))
    contract.save(update_fields=["subtotal", "tax_total", "total", "updated_at"])


def _relinked(rows: list[Any]) -> list[Any]:
    # Milestones were saved after the rows pointing at them were built.
    for row in rows:
        if row.milestone is not None:
            row.milestone_id = row.milestone.pk
    return rows


def _template(template_id: int | None) -> ContractTemplate | None:
    if template_id is None:
        return None
    template = ContractTemplate.objects.filter(pk=template_id, active=True).first()
    if template is None:
        raise DomainError(ContractError.TEMPLATE_NOT_FOUND)
    return template


def _dates_check(contract: Contract) -> None:
    if contract.end_date is not None and contract.end_date < contract.start_date:
        raise DomainError(ContractError.DATES, details={"end_date": ["before start"]})


def _draft_rate(currency: str, rate: Decimal | None) -> Decimal | None:
    """A draft's exchange rate: 1 in the base currency; in another, checked when given and
    otherwise left for the signer to set before activation (which requires it)."""
    if rate is None and currency != base_currency():
        return None
    return _rate(currency, rate)


@transaction.atomic
def contract_create(
    *,
    actor: User,
    customer_id: int,
    title: str,
    start_date: date,
    lines: Sequence[ContractLineIn],
    plan: Sequence[PlanItemIn] = (),
    milestones: Sequence[MilestoneIn] = (),
    end_date: date | None = None,
    signing_date: date | None = None,
    currency: str | None = None,
    rate: Decimal | None = None,
    template_id: int | None = None,
    owner_id: int | None = None,
    custom: Mapping[str, Any] | None = None,
    quote: Quote | None = None,
) -> Contract:
    """A draft contract for a customer the actor may see; it belongs to the actor unless
    `owner_id` names someone within the actor's scope."""
    scope = require(actor, "add", Contract)
    customer = get_scoped(
        Customer.objects.all(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    if quote is not None:
        # The quote's people stay on the deal, whoever pressed "accept".
        owner = quote.owner or actor
        team_id = quote.team_id if quote.owner else actor.team_id
    else:
        owner = _owner_for(actor=actor, scope=scope, owner_id=owner_id or actor.pk) or actor
        team_id = owner.team_id
    code = currency_check(currency or customer.currency)
    if not plan:
        from cashloop.credit.selectors import terms_for

        # The customer's score band may ask for prepayment or shorter terms (decision 048).
        terms = terms_for(customer)
        if terms is not None:
            plan = [PlanItemIn(terms.label, percent=HUNDRED, due_days=terms.due_days)]
    contract = Contract(
        title=title,
        customer=customer,
        quote=quote,
        start_date=start_date,
        end_date=end_date,
        signing_date=signing_date,
        currency=code,
        rate=_draft_rate(code, rate),
        template=_template(template_id),
        owner=owner,
        team_id=team_id,
        created_by=actor,
        custom=custom_values_validate(actor=actor, object_type=CONTRACT_TYPE, values=custom),
    )
    return _draft_save(actor, contract, lines, plan, milestones)


def _draft_save(
    actor: User,
    contract: Contract,
    lines: Sequence[ContractLineIn],
    plan: Sequence[PlanItemIn],
    milestones: Sequence[MilestoneIn],
) -> Contract:
    contract.title = contract.title.strip()[:200]
    _dates_check(contract)
    full_clean_or_raise(contract, exclude=["created_by", "number", "approval_request", "owner"])
    contract.save()
    _content_save(contract, lines, plan, milestones)
    terms_render(contract)
    audit_record(actor=actor, instance=contract, action=AuditAction.CREATE)
    return contract


CONTRACT_FIELDS = frozenset(
    {
        "title",
        "start_date",
        "end_date",
        "signing_date",
        "currency",
        "rate",
        "template_id",
        "owner_id",
        "renewal_notice_days",
        "custom",
        "lines",
        "plan",
        "milestones",
    }
)


def _locked(actor: User, action: str, contract_id: int) -> Contract:
    return get_scoped(
        Contract.objects.select_related("customer"),
        user=actor,
        action=action,
        pk=contract_id,
        lock=True,
        not_found=ContractError.NOT_FOUND,
    )


def _status_is(contract: Contract, *statuses: str) -> None:
    if contract.status not in statuses:
        raise DomainError(ContractError.WRONG_STATUS, status=contract.get_status_display())


def _lines_in(contract: Contract) -> list[ContractLineIn]:
    positions = {m.pk: m.position for m in contract.milestones.all()}
    return [
        ContractLineIn(
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.discount_percent,
            unit=line.unit,
            recognition=line.recognition,
            service_start=line.service_start,
            service_end=line.service_end,
            milestone_position=positions.get(line.milestone_id) if line.milestone_id else None,
            # A line kept as it is keeps its tax, fixed or computed.
            tax=line.tax,
        )
        for line in contract.lines.all()
    ]


def _plan_in(contract: Contract) -> list[PlanItemIn]:
    positions = {m.pk: m.position for m in contract.milestones.all()}
    return [
        PlanItemIn(
            label=item.label,
            percent=item.percent,
            amount=item.amount if item.percent is None else None,
            due_rule=item.due_rule,
            due_days=item.due_days,
            fixed_date=item.fixed_date,
            milestone_position=positions.get(item.milestone_id) if item.milestone_id else None,
            discount_percent=item.discount_percent,
            discount_days=item.discount_days,
        )
        for item in contract.plan.all()
    ]


def _milestones_in(contract: Contract) -> list[MilestoneIn]:
    return [MilestoneIn(m.name, m.kind, m.planned_date) for m in contract.milestones.all()]


@transaction.atomic
def contract_update(*, actor: User, contract_id: int, changes: Mapping[str, Any]) -> Contract:
    """Change a draft: its fields, and its lines, plan or milestones (each given whole).

    Lines refer to milestones and plan items to milestones by position, so whatever of the
    three is not given is kept as it is and renumbered with the rest.
    """
    for field in changes:
        if field not in CONTRACT_FIELDS:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})
    contract = _locked(actor, "change", contract_id)
    _status_is(contract, ContractStatus.DRAFT)
    before = audit_snapshot(contract)
    for field in ("title", "start_date", "end_date", "signing_date", "renewal_notice_days"):
        if field in changes:
            setattr(contract, field, changes[field])
    contract.title = contract.title.strip()[:200]
    if "currency" in changes or "rate" in changes:
        contract.currency = currency_check(changes.get("currency") or contract.currency)
        contract.rate = _draft_rate(contract.currency, changes.get("rate", contract.rate))
    if "template_id" in changes:
        contract.template = _template(changes["template_id"])
    if "owner_id" in changes and changes["owner_id"] != contract.owner_id:
        scope = require(actor, "change", Contract)
        owner = _owner_for(actor=actor, scope=scope, owner_id=changes["owner_id"])
        contract.owner, contract.team_id = owner, owner.team_id if owner else None
    if "custom" in changes:
        contract.custom = custom_values_validate(
            actor=actor,
            object_type=CONTRACT_TYPE,
            values=changes["custom"],
            current=contract.custom,
        )
    _dates_check(contract)
    full_clean_or_raise(contract, exclude=["created_by", "number", "approval_request"])
    contract.save()
    if {"lines", "plan", "milestones", "currency", "rate"} & set(changes):
        _content_save(
            contract,
            changes.get("lines", None) or _lines_in(contract),
            changes["plan"] if "plan" in changes else _plan_in(contract),
            changes["milestones"] if "milestones" in changes else _milestones_in(contract),
        )
    terms_render(contract)
    audit_record(actor=actor, instance=contract, action=AuditAction.UPDATE, before=before)
    return contract


# --- from a quote ----------------------------------------------------------------------------


def _quote_plan(quote: Quote) -> tuple[list[PlanItemIn], list[MilestoneIn]]:
    """The quote's proposed plan as plan items; each milestone it names becomes one."""
    names: list[str] = []
    plan = []
    for item in quote.payment_plan:
        name = (item.get("milestone") or "").strip()
        position = None
        if item["due_rule"] == PlanDueRule.ON_MILESTONE and name:
            if name not in names:
                names.append(name)
            position = names.index(name) + 1
        plan.append(
            PlanItemIn(
                label=item["label"],
                percent=Decimal(item["percent"]) if item.get("percent") else None,
                amount=Decimal(item["amount"]) if item.get("amount") else None,
                due_rule=item["due_rule"],
                due_days=item.get("due_days") or 0,
                fixed_date=date.fromisoformat(item["fixed_date"])
                if item.get("fixed_date")
                else None,
                milestone_position=position,
                discount_percent=Decimal(item.get("discount_percent") or 0),
                discount_days=item.get("discount_days") or 0,
            )
        )
    return plan, [MilestoneIn(name, MilestoneKind.ACCEPTANCE) for name in names]


def _one_year(start: date) -> date:
    """The day before the first anniversary (29 Feb rolls to 28 Feb)."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


@transaction.atomic
def contract_create_from_quote(*, actor: User, quote_id: int) -> Contract:
    """The draft contract of an accepted quote (one per quote version: asking again
    answers the contract made the first time).

    Included lines with an amount are copied (a bundle priced as one line keeps its
    components out: they carry no money); the proposed plan becomes plan items and each
    milestone it names a milestone.  The contract runs a year from today until edited.
    """
    require(actor, "add", Contract)
    quote = get_scoped(
        Quote.objects.select_related("customer"), user=actor, action="view", pk=quote_id
    )
    existing = Contract.objects.filter(quote=quote).order_by("pk").first()
    if existing is not None:
        return existing
    if quote.status != QuoteStatus.ACCEPTED:
        raise DomainError(ContractError.QUOTE_NOT_ACCEPTED, status=quote.get_status_display())
    if quote.customer_id is None:
        raise DomainError(ContractError.QUOTE_WITHOUT_CUSTOMER)
    plan, milestones = _quote_plan(quote)
    start = timezone.localdate()
    end = _one_year(start)
    quote_lines = quote.lines.filter(included=True).select_related("product").order_by("position")
    lines = []
    for line in quote_lines:
        if line.unit_price == 0:
            continue
        recognition = line.product.recognition if line.product else Recognition.AT_INVOICING
        if recognition == Recognition.AT_MILESTONE and not milestones:
            milestones.append(MilestoneIn(_("Acceptance"), MilestoneKind.ACCEPTANCE))
        lines.append(
            ContractLineIn(
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                discount_percent=line.discount_percent,
                unit=line.unit,
                recognition=recognition,
                service_start=start if recognition == Recognition.RATABLY else None,
                service_end=end if recognition == Recognition.RATABLY else None,
                # Earned when the last milestone (the final acceptance) is accepted.
                milestone_position=len(milestones)
                if recognition == Recognition.AT_MILESTONE
                else None,
            )
        )
    assert quote.customer is not None
    return contract_create(
        actor=actor,
        customer_id=quote.customer_id,
        title=_("%(customer)s · quote %(quote)s")
        % {"customer": quote.customer.name, "quote": quote},
        start_date=start,
        end_date=end,
        lines=lines,
        plan=plan,
        milestones=milestones,
        currency=quote.currency,
        quote=quote,
    )


# --- activation ------------------------------------------------------------------------------


def _activation_check(contract: Contract) -> list[PlanItem]:
    if contract.signing_date is None:
        raise DomainError(
            ContractError.SIGNING_DATE_REQUIRED, details={"signing_date": ["required"]}
        )
    plan = list(contract.plan.all())
    if not plan:
        raise DomainError(ContractError.EMPTY_PLAN)
    _plan_check(plan, contract.total, contract.currency)
    return plan


def _plan_check(plan: Sequence[PlanItem], total: Decimal, currency: str) -> None:
    """A plan to activate or amend to: sums exactly to the total, milestones named."""
    planned = sum((item.amount for item in plan), Decimal(0))
    if planned != total:
        raise DomainError(
            ContractError.PLAN_SUM,
            plan=format_money(planned, currency),
            total=format_money(total, currency),
            details={"plan": str(planned), "total": str(total)},
        )
    for item in plan:
        # A plan being built holds its milestone object before it has an id.
        if (
            item.due_rule == PlanDueRule.ON_MILESTONE
            and item.milestone_id is None
            and item.milestone is None
        ):
            raise DomainError(ContractError.MILESTONE_REQUIRED, n=item.sequence)


def plan_due_date(item: PlanItem, signing_date: date) -> date | None:
    """The due date a rule tells at signing; None for one waiting for its milestone."""
    if item.due_rule == PlanDueRule.ON_SIGNING:
        return signing_date + timedelta(days=item.due_days)
    if item.due_rule == PlanDueRule.END_OF_MONTH:
        return month_end(signing_date) + timedelta(days=item.due_days)
    if item.due_rule == PlanDueRule.FIXED_DATE:
        return item.fixed_date
    return None


def _activate(contract: Contract, *, announce: bool = True) -> None:
    """Make a checked contract active: its number, and its plan items' dates and states;
    `announce` tells the webhook subscribers (not of a contract they had before Cashloop)."""
    plan = _activation_check(contract)
    assert contract.signing_date is not None
    for item in plan:
        item.due_date = plan_due_date(item, contract.signing_date)
        item.status = PlanItemStatus.WAITING if item.due_date is None else PlanItemStatus.SCHEDULED
    PlanItem.objects.bulk_update(plan, ["due_date", "status"])
    if not contract.number:
        contract.number = sequence_next(series=CONTRACT_SERIES, year=contract.signing_date.year)
    contract.status = ContractStatus.ACTIVE
    contract.activated_at = timezone.now()
    contract.save()
    terms_render(contract)
    if announce:
        webhook_emit("contract.activated", [contract], _contract_event)


def _contract_event(contract: Contract) -> tuple[int, dict[str, Any]]:
    """What a webhook tells of a contract (docs/webhooks.md)."""
    return contract.pk, {
        "contract_id": contract.pk,
        "number": contract.number,
        "customer": {"id": contract.customer_id, "code": contract.customer.code},
        "title": contract.title,
        "currency": contract.currency,
        "total": contract.total,
        "signing_date": contract.signing_date,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
    }


@transaction.atomic
def contract_activate(*, actor: User, contract_id: int) -> Contract:
    """Activate a draft whose plan sums exactly to its total, or send it for approval.

    With an approval flow that applies, the contract waits (PENDING_APPROVAL) and is
    activated when approved, checked again then; without one it is active at once.
    """
    contract = _locked(actor, "activate", contract_id)
    _status_is(contract, ContractStatus.DRAFT)
    before = audit_snapshot(contract)
    _activation_check(contract)
    contract.rate = _rate(contract.currency, contract.rate)
    # Credit control (decision 048): no new contract for a customer on hold or over its limit.
    credit_check_sale(customer_id=contract.customer_id, amount=contract.total * contract.rate)
    request = approval_request_submit(actor=actor, document=contract, document_type=CONTRACT_TYPE)
    if request is None:
        _activate(contract)
    else:
        contract.status = ContractStatus.PENDING_APPROVAL
        contract.approval_request = request
        contract.save()
    audit_record(actor=actor, instance=contract, action=AuditAction.UPDATE, before=before)
    return contract


def contract_approved(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` of a contract: activate it, checked again."""
    contract = Contract.objects.select_for_update().get(pk=request.document_id)
    _status_is(contract, ContractStatus.PENDING_APPROVAL)
    before = audit_snapshot(contract)
    _activate(contract)
    audit_record(actor=actor, instance=contract, action=AuditAction.UPDATE, before=before)


def contract_rejected(request: ApprovalRequest, actor: User) -> None:
    """`on_rejected` of a contract: back to a draft to be corrected."""
    contract = Contract.objects.select_for_update().get(pk=request.document_id)
    if contract.status != ContractStatus.PENDING_APPROVAL:
        return
    before = audit_snapshot(contract)
    contract.status = ContractStatus.DRAFT
    contract.save()
    audit_record(actor=actor, instance=contract, action=AuditAction.UPDATE, before=before)


# --- carried over from another system --------------------------------------------------------


@dataclass(frozen=True)
class BilledBeforeIn:
    """An installment (by its sequence) that the old system billed, and the migrated open
    invoice it became there (None: settled before migration)."""

    sequence: int
    invoice_id: int | None = None


@transaction.atomic
def contract_activate_migrated(
    *,
    actor: User,
    contract_id: int,
    number: str = "",
    billed: Sequence[BilledBeforeIn] = (),
) -> Contract:
    """Activate a draft carried over from the system a company migrates from (decision 068).

    It was signed and approved there, and is no new sale: no approval flow and no credit
    check, and no `contract.activated` webhook (the subscriber's books had it before
    Cashloop did); it keeps the old system's `number` when one is given.  The installments the
    old system billed become BILLED_BEFORE, each linked to its migrated open invoice (an
    issued invoice of origin "opening", of the contract's customer and currency, asking no
    more than the installment), so billing never bills them again; the contract's
    `invoiced` counts those invoices, as it counts the ones billing issues.
    """
    contract = _locked(actor, "activate", contract_id)
    _status_is(contract, ContractStatus.DRAFT)
    before = audit_snapshot(contract)
    contract.rate = _rate(contract.currency, contract.rate)
    number = number.strip()[:30]
    if number:
        if Contract.objects.filter(number=number).exclude(pk=contract.pk).exists():
            raise DomainError(
                ContractError.NUMBER_TAKEN, number=number, details={"number": ["taken"]}
            )
        contract.number = number
    _activate(contract, announce=False)
    items = {item.sequence: item for item in contract.plan.select_for_update().order_by("pk")}
    wanted = sorted({spec.invoice_id for spec in billed if spec.invoice_id is not None})
    invoices = Invoice.objects.select_for_update().filter(pk__in=wanted).order_by("pk").in_bulk()
    linked = set(
        PlanItem.objects.filter(invoice_id__in=wanted).values_list("invoice_id", flat=True)
    )
    changed = []
    for spec in billed:
        item = items.get(spec.sequence)
        if item is None or item.status == PlanItemStatus.BILLED_BEFORE:
            raise DomainError(
                ContractError.BAD_PLAN, n=spec.sequence, reason=_("no such installment")
            )
        if spec.invoice_id is not None:
            invoice = invoices.get(spec.invoice_id)
            if (
                invoice is None
                or spec.invoice_id in linked
                or invoice.origin != InvoiceOrigin.OPENING
                or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED)
                or invoice.customer_id != contract.customer_id
                or invoice.currency != contract.currency
            ):
                raise DomainError(ContractError.MIGRATED_INVOICE, n=spec.sequence)
            if invoice.total > item.amount:
                raise DomainError(
                    ContractError.MIGRATED_INVOICE_AMOUNT,
                    n=spec.sequence,
                    invoice=format_money(invoice.total, contract.currency),
                    amount=format_money(item.amount, contract.currency),
                )
            linked.add(invoice.pk)
            item.invoice = invoice
            contract.invoiced += invoice.total
        item.status = PlanItemStatus.BILLED_BEFORE
        changed.append(item)
    PlanItem.objects.bulk_update(changed, ["status", "invoice"])
    contract.save(update_fields=["invoiced", "updated_at"])
    audit_record(
        actor=actor,
        instance=contract,
        action=AuditAction.UPDATE,
        before=before,
        reason=_("Migrated from another system, where it was approved"),
    )
    return contract


# --- milestones ------------------------------------------------------------------------------


def _milestone_locked(actor: User, milestone_id: int) -> tuple[Milestone, Contract]:
    require(actor, "milestone", Contract)
    contract_id = Milestone.objects.filter(pk=milestone_id).values_list("contract_id", flat=True)
    if not contract_id:
        raise DomainError(ContractError.MILESTONE_NOT_FOUND)
    contract = get_scoped(
        Contract.objects.all(),
        user=actor,
        action="milestone",
        pk=contract_id[0],
        lock=True,
        not_found=ContractError.MILESTONE_NOT_FOUND,
    )
    return Milestone.objects.select_for_update().get(pk=milestone_id), contract


@transaction.atomic
def contract_milestone_accept(*, actor: User, milestone_id: int, actual_date: date) -> Milestone:
    """The customer accepted a milestone of an active contract: the installments waiting
    for it fall due `due_days` after `actual_date`."""
    milestone, contract = _milestone_locked(actor, milestone_id)
    _status_is(contract, ContractStatus.ACTIVE)
    if milestone.status == MilestoneStatus.ACCEPTED:
        raise DomainError(ContractError.MILESTONE_ACCEPTED)
    before = audit_snapshot(milestone)
    milestone.actual_date = actual_date
    milestone.status = MilestoneStatus.ACCEPTED
    milestone.percent_delivered = HUNDRED
    milestone.accepted_by = actor
    milestone.save()
    waiting = list(milestone.plan_items.select_for_update().filter(status=PlanItemStatus.WAITING))
    for item in waiting:
        item.due_date = actual_date + timedelta(days=item.due_days)
        item.status = PlanItemStatus.SCHEDULED
    PlanItem.objects.bulk_update(waiting, ["due_date", "status"])
    audit_record(
        actor=actor,
        instance=milestone,
        action=AuditAction.UPDATE,
        before=before,
        reason=_("Milestone accepted"),
    )
    return milestone


@transaction.atomic
def milestone_update(
    *,
    actor: User,
    milestone_id: int,
    planned_date: date | None = None,
    percent_delivered: Decimal | None = None,
    note: str | None = None,
) -> Milestone:
    """Record progress on a milestone not accepted yet: a new planned date, how much is
    delivered (all of it marks it delivered), a note."""
    milestone, contract = _milestone_locked(actor, milestone_id)
    _status_is(contract, ContractStatus.DRAFT, ContractStatus.ACTIVE)
    if milestone.status == MilestoneStatus.ACCEPTED:
        raise DomainError(ContractError.MILESTONE_ACCEPTED)
    before = audit_snapshot(milestone)
    if planned_date is not None:
        milestone.planned_date = planned_date
    if percent_delivered is not None:
        delivered = to_decimal(percent_delivered)
        if not 0 <= delivered <= HUNDRED:
            raise DomainError(
                ContractError.BAD_MILESTONE, n=milestone.position, reason=_("percent from 0 to 100")
            )
        milestone.percent_delivered = delivered
        milestone.status = (
            MilestoneStatus.DELIVERED if delivered == HUNDRED else MilestoneStatus.PLANNED
        )
    if note is not None:
        milestone.note = note.strip()[:500]
    milestone.save()
    audit_record(actor=actor, instance=milestone, action=AuditAction.UPDATE, before=before)
    return milestone


# --- the end of a contract -------------------------------------------------------------------


@transaction.atomic
def contract_terminate(*, actor: User, contract_id: int, reason: str) -> Contract:
    """End an active contract early: its installments not invoiced yet are cancelled;
    what is invoiced stays owed (credit it separately if it should not be)."""
    contract = _locked(actor, "terminate", contract_id)
    if not reason.strip():
        raise DomainError(ContractError.REASON_REQUIRED, details={"reason": ["required"]})
    _status_is(contract, ContractStatus.ACTIVE)
    before = audit_snapshot(contract)
    contract.plan.filter(status__in=OPEN_PLAN_STATUSES).update(status=PlanItemStatus.CANCELLED)
    contract.status = ContractStatus.TERMINATED
    contract.termination_reason = reason.strip()[:500]
    contract.closed_at = timezone.now()
    contract.save()
    audit_record(
        actor=actor, instance=contract, action=AuditAction.UPDATE, before=before, reason=reason
    )
    return contract


@transaction.atomic
def contracts_close(*, on: date) -> int:
    """The daily close (idempotent): an active contract past its end with every installment
    invoiced is COMPLETED; a draft nobody activated before its end date EXPIRED.  An active
    contract with installments still to bill stays active: nothing contracted is forgotten.
    How many contracts changed."""
    now = timezone.now()
    done = (
        Contract.objects.select_for_update()
        .filter(status=ContractStatus.ACTIVE, end_date__lt=on)
        .exclude(plan__status__in=OPEN_PLAN_STATUSES)
    )
    completed = done.update(status=ContractStatus.COMPLETED, closed_at=now)
    expired = Contract.objects.filter(status=ContractStatus.DRAFT, end_date__lt=on).update(
        status=ContractStatus.EXPIRED, closed_at=now
    )
    return completed + expired

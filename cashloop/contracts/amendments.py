"""Amendments (变更) and renewal of active contracts.

An amendment proposes a new state of the contract (lines, amounts, plan, end date) with
the before and after side by side; it goes through approval when a flow applies and never
touches what billing has invoiced: invoiced installments keep their amount and place, no
line drops below what it billed.  Renewal drafts the next contract from the current one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cashloop.approvals.models import ApprovalRequest
from cashloop.approvals.services import approval_request_submit
from cashloop.contracts.choices import (
    AmendmentStatus,
    ContractStatus,
    PlanDueRule,
    PlanItemStatus,
)
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import (
    Amendment,
    Contract,
    ContractLine,
    PlanItem,
)
from cashloop.contracts.services import (
    AMENDMENT_TYPE,
    BILLED_PLAN_STATUSES,
    ContractLineIn,
    MilestoneIn,
    PlanItemIn,
    _dates_check,
    _draft_save,
    _lines_build,
    _lines_in,
    _locked,
    _milestones_in,
    _plan_build,
    _plan_check,
    _plan_in,
    _status_is,
    plan_due_date,
)
from cashloop.contracts.terms import terms_render
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.dates import add_months
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import (
    format_money,
    quantize,
)
from cashloop.identity.models import User


def contract_state(
    contract: Contract,
    *,
    lines: Sequence[ContractLine] | None = None,
    plan: Sequence[PlanItem] | None = None,
) -> dict[str, Any]:
    """The parts of a contract an amendment may change, as plain JSON (the before/after):
    the contract's own, or the `lines` and `plan` proposed for it."""
    positions: dict[int | None, int] = {m.pk: m.position for m in contract.milestones.all()}
    rows: Sequence[ContractLine] = list(contract.lines.all()) if lines is None else lines
    items: Sequence[PlanItem] = list(contract.plan.all()) if plan is None else plan

    def money(amount: Decimal) -> str:
        return str(quantize(amount, contract.currency))

    return {
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat() if contract.end_date else None,
        "total": money(contract.total),
        "lines": [
            {
                "product_id": line.product_id,
                "description": line.description,
                "unit": line.unit,
                "quantity": _plain(line.quantity),
                "unit_price": money(line.unit_price),
                "discount_percent": _plain(line.discount_percent),
                "tax_rate": _plain(line.tax_rate),
                "net": money(line.net),
                "tax": money(line.tax),
                "total": money(line.total),
                "recognition": line.recognition,
                "service_start": line.service_start.isoformat() if line.service_start else None,
                "service_end": line.service_end.isoformat() if line.service_end else None,
                "milestone_position": positions.get(line.milestone_id),
            }
            for line in rows
        ],
        "plan": [
            {
                "sequence": item.sequence,
                "label": item.label,
                "percent": _plain(item.percent) if item.percent is not None else None,
                "amount": money(item.amount),
                "due_rule": item.due_rule,
                "due_days": item.due_days,
                "fixed_date": item.fixed_date.isoformat() if item.fixed_date else None,
                "milestone_position": positions.get(item.milestone_id),
                "discount_percent": _plain(item.discount_percent),
                "discount_days": item.discount_days,
                "status": item.status,
            }
            for item in items
        ],
    }


def _plain(number: Decimal) -> str:
    """A quantity or percent without the storage's trailing zeros (10, 0.13, 12.5)."""
    return f"{number.normalize():f}"


def _state_check(contract: Contract, after: Mapping[str, Any]) -> None:
    """What billing has touched stays as it is: invoiced installments unchanged at their
    place, no line below what it has billed, the total not below what is invoiced."""
    after_plan = {item["sequence"]: item for item in after["plan"]}
    for item in contract.plan.all():
        if item.status not in BILLED_PLAN_STATUSES:
            continue
        kept = after_plan.get(item.sequence)
        if kept is None or Decimal(kept["amount"]) != item.amount:
            raise DomainError(
                ContractError.AMEND_INVOICED,
                n=item.sequence,
                invoiced=format_money(contract.invoiced, contract.currency),
            )
    for line in contract.lines.all():
        later = after["lines"][line.position - 1] if line.position <= len(after["lines"]) else None
        if line.invoiced and (later is None or Decimal(later["net"]) < line.invoiced):
            raise DomainError(
                ContractError.AMEND_INVOICED,
                n="-",
                invoiced=format_money(contract.invoiced, contract.currency),
            )
    if Decimal(after["total"]) < contract.invoiced:
        raise DomainError(
            ContractError.AMEND_INVOICED,
            n="-",
            invoiced=format_money(contract.invoiced, contract.currency),
        )


def _proposed_state(
    contract: Contract,
    *,
    lines: Sequence[ContractLineIn] | None,
    plan: Sequence[PlanItemIn] | None,
    end_date: date | None,
) -> dict[str, Any]:
    """The contract as the amendment would leave it, built without saving anything."""
    milestones = list(contract.milestones.all())
    draft = Contract(
        pk=contract.pk,
        currency=contract.currency,
        start_date=contract.start_date,
        end_date=end_date if end_date is not None else contract.end_date,
    )
    _dates_check(draft)
    built_lines = _lines_build(
        draft, lines if lines is not None else _lines_in(contract), milestones
    )
    draft.total = sum((line.total for line in built_lines), Decimal(0))
    if draft.total <= 0:
        raise DomainError(ContractError.TOTAL_NOT_POSITIVE)
    built_plan = _plan_build(draft, plan if plan is not None else _plan_in(contract), milestones)
    state = contract_state(draft, lines=built_lines, plan=built_plan)
    _plan_check(built_plan, draft.total, contract.currency)
    return state


@transaction.atomic
def amendment_create(
    *,
    actor: User,
    contract_id: int,
    reason: str,
    lines: Sequence[ContractLineIn] | None = None,
    plan: Sequence[PlanItemIn] | None = None,
    end_date: date | None = None,
) -> Amendment:
    """Propose a change to an active contract's lines, plan or end date (变更).

    The amendment keeps the contract as it is and as proposed; it is applied at once
    unless an approval flow applies, then when approved.  Invoiced installments cannot be
    changed or removed (credit them instead), nor the total cut below what is invoiced.
    """
    contract = _locked(actor, "amend", contract_id)
    if not reason.strip():
        raise DomainError(ContractError.REASON_REQUIRED, details={"reason": ["required"]})
    _status_is(contract, ContractStatus.ACTIVE)
    if contract.amendments.filter(status=AmendmentStatus.PENDING_APPROVAL).exists():
        raise DomainError(ContractError.AMENDMENT_PENDING)
    before = contract_state(contract)
    after = _proposed_state(contract, lines=lines, plan=plan, end_date=end_date)
    if _comparable(after) == _comparable(before):
        raise DomainError(ContractError.AMEND_NOTHING)
    _state_check(contract, after)
    last = contract.amendments.aggregate(last=Max("number"))["last"] or 0
    amendment = Amendment.objects.create(
        contract=contract,
        number=last + 1,
        reason=reason.strip()[:500],
        before=before,
        after=after,
        created_by=actor,
    )
    request = approval_request_submit(actor=actor, document=amendment, document_type=AMENDMENT_TYPE)
    if request is None:
        _amendment_apply(amendment, contract)
    else:
        amendment.status = AmendmentStatus.PENDING_APPROVAL
        amendment.approval_request = request
        amendment.save()
    audit_record(actor=actor, instance=amendment, action=AuditAction.CREATE)
    return amendment


def _comparable(state: Mapping[str, Any]) -> Any:
    # Plan statuses are billing's, not part of what an amendment proposes.
    plan = [{k: v for k, v in item.items() if k != "status"} for item in state["plan"]]
    return {**state, "plan": plan}


def _amendment_apply(amendment: Amendment, contract: Contract) -> None:
    """Write the proposed state onto the contract, in place: lines and installments keep
    their rows (billing and recognition point at them); rows past the new end go."""
    after = amendment.after
    _state_check(contract, after)
    milestones = {m.position: m for m in contract.milestones.all()}
    lines = {line.position: line for line in contract.lines.all()}
    for n, spec in enumerate(after["lines"], 1):
        line = lines.pop(n, None) or ContractLine(contract=contract, position=n)
        for field in ("description", "unit", "recognition", "product_id"):
            setattr(line, field, spec[field])
        for field in ("quantity", "unit_price", "discount_percent", "tax_rate", "net", "tax"):
            setattr(line, field, Decimal(spec[field]))
        line.total = line.net + line.tax
        line.service_start = _day(spec["service_start"])
        line.service_end = _day(spec["service_end"])
        line.milestone = milestones.get(spec["milestone_position"])
        line.save()
    for line in lines.values():
        line.delete()
    items = {item.sequence: item for item in contract.plan.all()}
    for spec in after["plan"]:
        item = items.pop(spec["sequence"], None) or PlanItem(
            contract=contract, sequence=spec["sequence"]
        )
        if item.status in BILLED_PLAN_STATUSES:
            continue
        item.label = spec["label"]
        item.percent = Decimal(spec["percent"]) if spec["percent"] is not None else None
        item.amount = Decimal(spec["amount"])
        item.due_rule, item.due_days = spec["due_rule"], spec["due_days"]
        item.fixed_date = _day(spec["fixed_date"])
        item.milestone = milestones.get(spec["milestone_position"])
        item.discount_percent = Decimal(spec["discount_percent"])
        item.discount_days = spec["discount_days"]
        _redate(item, contract)
        item.save()
    for item in items.values():
        item.delete()
    contract.subtotal = sum((Decimal(line["net"]) for line in after["lines"]), Decimal(0))
    contract.tax_total = sum((Decimal(line["tax"]) for line in after["lines"]), Decimal(0))
    contract.total = contract.subtotal + contract.tax_total
    contract.end_date = _day(after["end_date"])
    contract.save()
    terms_render(contract)
    amendment.status = AmendmentStatus.APPLIED
    amendment.applied_at = timezone.now()
    amendment.save()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _redate(item: PlanItem, contract: Contract) -> None:
    """An open installment's due date and state under its (possibly new) rule."""
    milestone = item.milestone
    if item.due_rule == PlanDueRule.ON_MILESTONE:
        accepted = milestone.actual_date if milestone is not None else None
        item.due_date = accepted + timedelta(days=item.due_days) if accepted else None
    else:
        assert contract.signing_date is not None
        item.due_date = plan_due_date(item, contract.signing_date)
    item.status = PlanItemStatus.SCHEDULED if item.due_date else PlanItemStatus.WAITING


def amendment_approved(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` of an amendment: apply it, checked again against billing since."""
    amendment = Amendment.objects.select_for_update().get(pk=request.document_id)
    contract = Contract.objects.select_for_update().get(pk=amendment.contract_id)
    if amendment.status != AmendmentStatus.PENDING_APPROVAL:
        raise DomainError(ContractError.WRONG_STATUS, status=amendment.get_status_display())
    _status_is(contract, ContractStatus.ACTIVE)
    before = audit_snapshot(contract)
    _amendment_apply(amendment, contract)
    audit_record(
        actor=actor,
        instance=contract,
        action=AuditAction.UPDATE,
        before=before,
        reason=str(amendment.reason),
    )


def amendment_rejected(request: ApprovalRequest, actor: User) -> None:
    """`on_rejected` of an amendment: nothing changes on the contract."""
    amendment = Amendment.objects.select_for_update().get(pk=request.document_id)
    if amendment.status == AmendmentStatus.PENDING_APPROVAL:
        amendment.status = AmendmentStatus.REJECTED
        amendment.save()


def _shift_maybe(day: date | None, months: int | None, days: int) -> date | None:
    return _shift(day, months, days) if day is not None else None


def _shift(day: date, months: int | None, days: int) -> date:
    return day + timedelta(days=days) if months is None else add_months(day, months)


def _term(start: date, end: date) -> tuple[int | None, int]:
    """A term in whole months when it is one (1 Jan - 31 Dec: 12), and in days."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    whole = after.day == start.day and months > 0
    return (months if whole else None), (after - start).days


@transaction.atomic
def contract_renew(*, actor: User, contract_id: int) -> Contract:
    """The next contract: a draft following on from this one's end for the same term,
    with its lines, plan and milestones copied and their dates moved on by the term."""
    contract = _locked(actor, "renew", contract_id)
    _status_is(contract, ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.EXPIRED)
    if contract.end_date is None:
        raise DomainError(ContractError.DATES, details={"end_date": ["required to renew"]})
    months, days = _term(contract.start_date, contract.end_date)
    start = contract.end_date + timedelta(days=1)
    lines = [
        ContractLineIn(
            **{
                **spec.__dict__,
                "service_start": _shift_maybe(spec.service_start, months, days),
                "service_end": _shift_maybe(spec.service_end, months, days),
            }
        )
        for spec in _lines_in(contract)
    ]
    plan = [
        PlanItemIn(**{**spec.__dict__, "fixed_date": _shift_maybe(spec.fixed_date, months, days)})
        for spec in _plan_in(contract)
    ]
    milestones = [
        MilestoneIn(spec.name, spec.kind, _shift_maybe(spec.planned_date, months, days))
        for spec in _milestones_in(contract)
    ]
    renewal = Contract(
        title=contract.title,
        customer=contract.customer,
        previous=contract,
        start_date=start,
        end_date=_shift(start, months, days) - timedelta(days=1),
        renewal_notice_days=contract.renewal_notice_days,
        currency=contract.currency,
        rate=contract.rate,
        template=contract.template,
        owner=contract.owner,
        team=contract.team,
        created_by=actor,
        custom=contract.custom,
    )
    return _draft_save(actor, renewal, lines, plan, milestones)

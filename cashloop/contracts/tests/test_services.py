"""Contracts core: drafting, the payment plan, activation, milestones, amendments, renewal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.approvals.services import (
    approval_flow_create,
    approval_request_approve,
    approval_request_reject,
)
from cashloop.contracts.amendments import amendment_create, contract_renew
from cashloop.contracts.choices import (
    AmendmentStatus,
    ContractStatus,
    MilestoneStatus,
    PlanDueRule,
    PlanItemStatus,
)
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract, PlanItem
from cashloop.contracts.services import (
    CONTRACT_TYPE,
    ContractLineIn,
    PlanItemIn,
    contract_activate,
    contract_create,
    contract_create_from_quote,
    contract_milestone_accept,
    contract_terminate,
    contract_update,
    contracts_close,
    milestone_update,
)
from cashloop.contracts.terms import contract_template_save
from cashloop.contracts.tests.conftest import SIGNED, lines_in, milestone_plan
from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import AuditEntry
from cashloop.core.money import split
from cashloop.receivables.errors import ReceivableError

D = Decimal


def plan_of(contract: Contract) -> list[tuple]:
    return list(contract.plan.values_list("sequence", "amount", "status", "due_date"))


# --- drafting ------------------------------------------------------------------------------


def test_a_draft_computes_lines_as_invoices_do_and_splits_percents_exactly(company, customers):
    # when: 1/3 of a price that does not divide evenly
    contract = contract_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        title="三期",
        start_date=date(2026, 3, 1),
        lines=[ContractLineIn(None, "服务", D("3"), D("333.33"), D("0.06"), D("10"))],
        plan=[
            PlanItemIn("一", percent=D("33.33")),
            PlanItemIn("二", percent=D("33.33")),
            PlanItemIn("三", percent=D("33.34")),
        ],
    )
    # then: net = 3 x 333.33 x 90% = 899.991 -> 899.99; tax 54.00; the plan sums exactly
    line = contract.lines.get()
    assert (line.net, line.tax, line.total) == (D("899.99"), D("54.00"), D("953.99"))
    assert (contract.subtotal, contract.tax_total, contract.total) == (
        D("899.99"),
        D("54.00"),
        D("953.99"),
    )
    amounts = [amount for _, amount, _, _ in plan_of(contract)]
    assert sum(amounts) == contract.total
    assert amounts == [D("317.97"), D("317.96"), D("318.06")]
    assert contract.status == ContractStatus.DRAFT and contract.number == ""
    assert contract.owner == company.rep_east and contract.team == company.east
    assert AuditEntry.objects.filter(object_id=str(contract.pk)).exists()


def test_a_draft_for_someone_elses_customer_is_not_found(company, customers):
    with pytest.raises(DomainError) as exc:
        contract_create(
            actor=company.rep_south,
            customer_id=customers["rep_east"].pk,
            title="x",
            start_date=date(2026, 3, 1),
            lines=lines_in(),
        )
    assert exc.value.code.code == "customer.not_found"
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        ([PlanItemIn("x", percent=D(50), amount=D(10))], "contract.bad_plan"),
        ([PlanItemIn("x", percent=D(120))], "contract.bad_plan"),
        ([PlanItemIn("x", amount=D("1.001"))], "money.too_many_decimals"),
        ([PlanItemIn("x", percent=D(100), due_rule=PlanDueRule.FIXED_DATE)], "contract.bad_plan"),
        (
            [PlanItemIn("x", percent=D(100), due_rule="on_milestone", milestone_position=3)],
            "contract.bad_plan",
        ),
    ],
)
def test_a_malformed_plan_is_refused_and_nothing_is_saved(company, customers, plan, code):
    with pytest.raises(DomainError) as exc:
        contract_create(
            actor=company.rep_east,
            customer_id=customers["rep_east"].pk,
            title="x",
            start_date=date(2026, 3, 1),
            lines=lines_in(),
            plan=plan,
        )
    assert exc.value.code.code == code
    assert not Contract.objects.exists() and not PlanItem.objects.exists()


def test_a_draft_changes_its_plan_and_keeps_what_is_not_given(company, draft):
    # when
    contract_update(
        actor=company.rep_east,
        contract_id=draft.pk,
        changes={"plan": [PlanItemIn("全款", amount=D("12360.00"))], "title": "ERP 二期"},
    )
    # then
    draft.refresh_from_db()
    assert draft.title == "ERP 二期"
    assert draft.lines.count() == 2 and draft.milestones.count() == 1
    assert plan_of(draft) == [(1, D("12360.00"), PlanItemStatus.SCHEDULED, None)]


# --- activation -----------------------------------------------------------------------------


def test_activation_dates_the_plan_and_numbers_the_contract(company, draft):
    # when
    contract = contract_activate(actor=company.manager_east, contract_id=draft.pk)
    # then: signing + 10; waiting for the milestone; end of March + 5
    assert contract.status == ContractStatus.ACTIVE
    assert contract.number == "CON-2026-000001"
    assert plan_of(contract) == [
        (1, D("3708.00"), PlanItemStatus.SCHEDULED, date(2026, 3, 20)),
        (2, D("7416.00"), PlanItemStatus.WAITING, None),
        (3, D("1236.00"), PlanItemStatus.SCHEDULED, date(2026, 4, 5)),
    ]


def test_a_fixed_date_installment_falls_due_on_its_date(company, draft):
    contract_update(
        actor=company.rep_east,
        contract_id=draft.pk,
        changes={
            "plan": [
                PlanItemIn(
                    "全款", amount=D("12360.00"), due_rule="fixed_date", fixed_date=date(2026, 9, 1)
                )
            ]
        },
    )
    contract = contract_activate(actor=company.finance, contract_id=draft.pk)
    assert plan_of(contract) == [(1, D("12360.00"), PlanItemStatus.SCHEDULED, date(2026, 9, 1))]


def _refused(actor, contract: Contract, code: ContractError | CoreError) -> None:
    before = plan_of(contract)
    with pytest.raises(DomainError) as exc:
        contract_activate(actor=actor, contract_id=contract.pk)
    assert exc.value.code == code
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT and contract.number == ""
    assert plan_of(contract) == before


def test_activation_is_refused_unless_the_plan_sums_exactly(company, draft):
    contract_update(
        actor=company.rep_east,
        contract_id=draft.pk,
        changes={"plan": [PlanItemIn("一", amount=D("12359.99"))]},
    )
    _refused(company.manager_east, draft, ContractError.PLAN_SUM)


def test_activation_is_refused_for_a_milestone_installment_without_milestone(company, draft):
    plan = [*milestone_plan()[:1], PlanItemIn("验收款", percent=D(70), due_rule="on_milestone")]
    contract_update(actor=company.rep_east, contract_id=draft.pk, changes={"plan": plan})
    _refused(company.manager_east, draft, ContractError.MILESTONE_REQUIRED)


def test_activation_needs_the_signing_date_and_a_plan(company, draft):
    contract_update(actor=company.rep_east, contract_id=draft.pk, changes={"signing_date": None})
    _refused(company.manager_east, draft, ContractError.SIGNING_DATE_REQUIRED)
    contract_update(
        actor=company.rep_east, contract_id=draft.pk, changes={"signing_date": SIGNED, "plan": []}
    )
    _refused(company.manager_east, draft, ContractError.EMPTY_PLAN)


def test_a_rep_may_not_activate_and_an_active_contract_is_not_activated_again(company, draft):
    _refused(company.rep_east, draft, CoreError.PERMISSION_DENIED)
    contract_activate(actor=company.manager_east, contract_id=draft.pk)
    with pytest.raises(DomainError) as exc:
        contract_activate(actor=company.manager_east, contract_id=draft.pk)
    assert exc.value.code == ContractError.WRONG_STATUS


def test_another_teams_manager_does_not_find_the_contract(company, draft):
    manager_south = company.manager_east.__class__.objects.create(
        username="mgr_south", team=company.south
    )
    manager_south.roles.set(company.manager_east.roles.all())
    _refused(manager_south, draft, ContractError.NOT_FOUND)


@pytest.fixture
def flow(company):
    return approval_flow_create(
        actor=company.admin,
        document_type=CONTRACT_TYPE,
        name="大额合同",
        conditions={"field": "base_total", "op": "gt", "value": "10000"},
        steps=[{"approvers": [{"kind": "user", "value": company.finance.pk}], "rule": "any"}],
    )


def test_with_a_flow_the_contract_waits_and_is_activated_when_approved(company, draft, flow):
    # when
    contract = contract_activate(actor=company.manager_east, contract_id=draft.pk)
    # then
    assert contract.status == ContractStatus.PENDING_APPROVAL and contract.number == ""
    approval_request_approve(actor=company.finance, request_id=contract.approval_request_id)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE and contract.number == "CON-2026-000001"
    assert contract.plan.get(sequence=1).due_date == date(2026, 3, 20)


def test_a_rejected_contract_goes_back_to_draft(company, draft, flow):
    contract = contract_activate(actor=company.manager_east, contract_id=draft.pk)
    approval_request_reject(
        actor=company.finance, request_id=contract.approval_request_id, reason="价格太低"
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert set(contract.plan.values_list("due_date", flat=True)) == {None}


# --- milestones -----------------------------------------------------------------------------


def test_accepting_the_milestone_makes_its_installments_due(company, draft):
    contract_activate(actor=company.manager_east, contract_id=draft.pk)
    milestone = draft.milestones.get()
    # when: the rep records the customer's acceptance
    accepted = contract_milestone_accept(
        actor=company.rep_east, milestone_id=milestone.pk, actual_date=date(2026, 7, 2)
    )
    # then
    assert accepted.status == MilestoneStatus.ACCEPTED
    assert accepted.percent_delivered == 100 and accepted.accepted_by == company.rep_east
    item = draft.plan.get(sequence=2)
    assert (item.status, item.due_date) == (PlanItemStatus.SCHEDULED, date(2026, 7, 17))
    with pytest.raises(DomainError) as exc:
        contract_milestone_accept(
            actor=company.rep_east, milestone_id=milestone.pk, actual_date=date(2026, 7, 3)
        )
    assert exc.value.code == ContractError.MILESTONE_ACCEPTED
    assert draft.plan.get(sequence=2).due_date == date(2026, 7, 17)


def test_a_milestone_of_a_draft_or_of_another_rep_cannot_be_accepted(company, draft):
    milestone = draft.milestones.get()
    with pytest.raises(DomainError) as exc:
        contract_milestone_accept(
            actor=company.rep_east, milestone_id=milestone.pk, actual_date=date(2026, 7, 2)
        )
    assert exc.value.code == ContractError.WRONG_STATUS
    contract_activate(actor=company.manager_east, contract_id=draft.pk)
    with pytest.raises(DomainError) as exc:
        contract_milestone_accept(
            actor=company.rep_south, milestone_id=milestone.pk, actual_date=date(2026, 7, 2)
        )
    assert exc.value.code == ContractError.MILESTONE_NOT_FOUND
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PLANNED and milestone.actual_date is None


def test_delivering_all_of_a_milestone_marks_it_delivered(company, draft):
    milestone = milestone_update(
        actor=company.rep_east,
        milestone_id=draft.milestones.get().pk,
        percent_delivered=D(100),
        planned_date=date(2026, 7, 15),
    )
    assert milestone.status == MilestoneStatus.DELIVERED
    assert milestone.planned_date == date(2026, 7, 15)


# --- from a quote ---------------------------------------------------------------------------


def test_an_accepted_quote_becomes_one_draft(company, accepted_quote):
    # when
    contract = contract_create_from_quote(actor=company.rep_east, quote_id=accepted_quote.pk)
    again = contract_create_from_quote(actor=company.rep_east, quote_id=accepted_quote.pk)
    # then: the zero-priced component and the excluded option stay out
    assert again.pk == contract.pk
    assert contract.quote == accepted_quote and contract.status == ContractStatus.DRAFT
    assert list(contract.lines.values_list("description", "total")) == [("套件", D("2260.00"))]
    assert contract.total == D("2260.00")
    milestone = contract.milestones.get()
    assert milestone.name == "终验"
    assert list(contract.plan.values_list("label", "amount", "milestone")) == [
        ("首付", D("1130.00"), None),
        ("验收", D("1130.00"), milestone.pk),
    ]
    assert (contract.owner, contract.team) == (company.rep_east, company.east)


def test_a_quote_not_accepted_makes_no_contract(company, accepted_quote):
    accepted_quote.status = "sent"
    accepted_quote.save()
    with pytest.raises(DomainError) as exc:
        contract_create_from_quote(actor=company.rep_east, quote_id=accepted_quote.pk)
    assert exc.value.code == ContractError.QUOTE_NOT_ACCEPTED
    assert not Contract.objects.exists()


def test_a_foreign_currency_quote_drafts_a_contract_whose_rate_is_set_before_activation(
    company, accepted_quote
):
    """A quote carries no exchange rate; the contract's is set at signing."""
    accepted_quote.currency = "USD"
    accepted_quote.save()
    contract = contract_create_from_quote(actor=company.rep_east, quote_id=accepted_quote.pk)
    assert contract.currency == "USD" and contract.rate is None
    contract_update(
        actor=company.rep_east, contract_id=contract.pk, changes={"signing_date": SIGNED}
    )
    # when: activated without a rate
    with pytest.raises(DomainError) as exc:
        contract_activate(actor=company.manager_east, contract_id=contract.pk)
    # then: refused, nothing changed
    assert exc.value.code == ReceivableError.RATE_REQUIRED
    contract.refresh_from_db()
    assert (contract.status, contract.rate, contract.number) == (ContractStatus.DRAFT, None, "")
    # when the signer sets it
    contract_update(actor=company.rep_east, contract_id=contract.pk, changes={"rate": D("7.1")})
    active = contract_activate(actor=company.manager_east, contract_id=contract.pk)
    assert (active.status, active.rate) == (ContractStatus.ACTIVE, D("7.1"))


# --- terms ----------------------------------------------------------------------------------


def test_terms_fill_the_templates_placeholders_escaped(company, draft):
    template = contract_template_save(
        actor=company.admin,
        name="标准合同",
        body="甲方：{{ customer.name }}，合同号 {{ contract.number }}，"
        "总价 {{ contract.total }}。\n{{ plan_table }}",
    )
    draft.customer.name = "<b>客户</b>"
    draft.customer.save()
    contract_update(
        actor=company.rep_east, contract_id=draft.pk, changes={"template_id": template.pk}
    )
    draft.refresh_from_db()
    assert "&lt;b&gt;客户&lt;/b&gt;" in draft.terms
    assert "12,360.00" in draft.terms and "3. 尾款: 10% " in draft.terms
    contract = contract_activate(actor=company.manager_east, contract_id=draft.pk)
    assert "CON-2026-000001" in contract.terms


def test_a_template_that_does_not_parse_is_refused(company):
    with pytest.raises(DomainError) as exc:
        contract_template_save(actor=company.admin, name="坏", body="{% if %}")
    assert exc.value.code == ContractError.TEMPLATE_INVALID
    with pytest.raises(DomainError) as exc:
        contract_template_save(actor=company.rep_east, name="x", body="x")
    assert exc.value.code == CoreError.PERMISSION_DENIED


# --- the end of a contract ------------------------------------------------------------------


@pytest.fixture
def active(company, draft):
    return contract_activate(actor=company.manager_east, contract_id=draft.pk)


def _invoice_first(contract: Contract) -> None:
    """What billing does to the first installment (its own tests live with billing)."""
    item = contract.plan.get(sequence=1)
    item.status = PlanItemStatus.INVOICED
    item.save()
    Contract.objects.filter(pk=contract.pk).update(invoiced=item.amount)
    contract.refresh_from_db()


def test_termination_cancels_what_is_not_invoiced(company, active):
    _invoice_first(active)
    with pytest.raises(DomainError) as exc:
        contract_terminate(actor=company.manager_east, contract_id=active.pk, reason=" ")
    assert exc.value.code == ContractError.REASON_REQUIRED
    contract = contract_terminate(
        actor=company.manager_east, contract_id=active.pk, reason="客户破产"
    )
    assert contract.status == ContractStatus.TERMINATED
    assert list(contract.plan.values_list("status", flat=True)) == [
        PlanItemStatus.INVOICED,
        PlanItemStatus.CANCELLED,
        PlanItemStatus.CANCELLED,
    ]


def test_the_daily_close_completes_billed_contracts_and_expires_stale_drafts(company, active):
    stale = contract_create(
        actor=company.rep_east,
        customer_id=active.customer_id,
        title="没签",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 2, 28),
        lines=lines_in(),
    )
    # when: past the end with an installment still to bill
    assert contracts_close(on=date(2027, 3, 1)) == 1
    active.refresh_from_db()
    assert active.status == ContractStatus.ACTIVE
    PlanItem.objects.filter(contract=active).update(status=PlanItemStatus.INVOICED)
    # then
    assert contracts_close(on=date(2027, 3, 1)) == 1
    assert contracts_close(on=date(2027, 3, 1)) == 0
    active.refresh_from_db()
    stale.refresh_from_db()
    assert (active.status, stale.status) == (ContractStatus.COMPLETED, ContractStatus.EXPIRED)


# --- amendments and renewal -----------------------------------------------------------------


def _amend(company, contract, **kwargs):
    return amendment_create(
        actor=company.manager_east, contract_id=contract.pk, reason="增加培训", **kwargs
    )


def test_an_amendment_without_a_flow_is_applied_and_keeps_before_and_after(company, active):
    _invoice_first(active)
    lines = [*lines_in(), ContractLineIn(None, "加购培训", D(1), D("1000.00"), D("0.06"))]
    plan = [
        PlanItemIn("预付款", amount=D("3708.00"), due_rule="on_signing", due_days=10),
        PlanItemIn("验收款", amount=D("8476.00"), due_rule="on_milestone", milestone_position=1),
        PlanItemIn("尾款", amount=D("1236.00"), due_rule="end_of_month", due_days=5),
    ]
    first_item = active.plan.get(sequence=1)
    # when
    amendment = _amend(company, active, lines=lines, plan=plan)
    # then
    assert amendment.status == AmendmentStatus.APPLIED
    assert amendment.before["total"] == "12360.00" and amendment.after["total"] == "13420.00"
    active.refresh_from_db()
    assert active.total == D("13420.00") and active.lines.count() == 3
    assert active.plan.get(sequence=1).pk == first_item.pk
    assert plan_of(active)[1] == (2, D("8476.00"), PlanItemStatus.WAITING, None)


def test_an_amendment_may_not_change_an_invoiced_installment(company, active):
    _invoice_first(active)
    plan = [
        PlanItemIn("预付款", amount=D("3000.00")),
        PlanItemIn("其余", amount=D("9360.00"), due_rule="on_milestone", milestone_position=1),
    ]
    with pytest.raises(DomainError) as exc:
        _amend(company, active, plan=plan)
    assert exc.value.code == ContractError.AMEND_INVOICED
    assert not active.amendments.exists()
    assert active.plan.get(sequence=1).amount == D("3708.00")


def test_an_amendment_may_not_cut_the_total_below_what_is_invoiced(company, active):
    _invoice_first(active)
    with pytest.raises(DomainError) as exc:
        _amend(
            company,
            active,
            lines=[ContractLineIn(None, "缩减", D(1), D("1000.00"), D("0.13"))],
            plan=[PlanItemIn("预付款", amount=D("1130.00"))],
        )
    assert exc.value.code == ContractError.AMEND_INVOICED
    active.refresh_from_db()
    assert active.total == D("12360.00")


def test_an_amendment_that_changes_nothing_is_refused(company, active):
    with pytest.raises(DomainError) as exc:
        _amend(company, active, end_date=active.end_date)
    assert exc.value.code == ContractError.AMEND_NOTHING


def test_renewal_drafts_the_next_term(company, active):
    renewal = contract_renew(actor=company.manager_east, contract_id=active.pk)
    assert renewal.previous == active and renewal.status == ContractStatus.DRAFT
    assert (renewal.start_date, renewal.end_date) == (date(2027, 3, 1), date(2028, 2, 29))
    assert renewal.total == active.total and renewal.plan.count() == 3
    assert renewal.milestones.get().planned_date == date(2027, 6, 30)
    assert renewal.signing_date is None and renewal.number == ""


def test_accepting_a_quote_built_from_the_catalog_drafts_its_contract(company, customers, catalog):
    """The hand-over from CPQ: `quote_accept` calls `contract_create_from_quote`."""
    from cashloop.cpq import services as cpq

    quote = cpq.quote_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        quote_date=date(2026, 3, 2),
        valid_until=date(2026, 3, 31),
        payment_plan=[
            {"label": "预付", "percent": "40", "due_rule": "on_signing", "due_days": 0},
            {"label": "验收", "percent": "60", "due_rule": "on_milestone", "milestone": "终验"},
        ],
    )
    cpq.quote_lines_set(
        actor=company.rep_east,
        quote_id=quote.pk,
        lines=[
            cpq.QuoteLineIn(product_id=catalog.suite.pk, quantity=D(2)),
            cpq.QuoteLineIn(product_id=catalog.seat.pk, quantity=D(3)),
        ],
    )
    cpq.quote_submit(actor=company.rep_east, quote_id=quote.pk)
    # when
    cpq.quote_accept(actor=company.rep_east, quote_id=quote.pk)
    # then: one draft with the quote's money and plan; its components priced at zero left out
    quote.refresh_from_db()
    contract = Contract.objects.get(quote=quote)
    priced = quote.lines.filter(included=True).exclude(unit_price=0)
    assert contract.total == quote.total
    assert list(contract.lines.values_list("description", "net")) == list(
        priced.order_by("position").values_list("description", "net")
    )
    assert [p.amount for p in contract.plan.all()] == split(quote.total, [40, 60], "CNY")
    assert contract.plan.get(sequence=2).milestone.name == "终验"
    signed = contract_update(
        actor=company.rep_east, contract_id=contract.pk, changes={"signing_date": date(2026, 3, 5)}
    )
    assert contract_activate(actor=company.manager_east, contract_id=signed.pk).status == "active"

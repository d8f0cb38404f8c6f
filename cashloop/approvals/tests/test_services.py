"""The approval engine: flows and versions, steps and rules, every action, delegation,
reminders and escalation, through the built-in expense claim."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cashloop.approvals.choices import ActionKind, DocumentStatus, RequestStatus, TaskStatus
from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.models import (
    ApprovalAction,
    ApprovalFlow,
    ApprovalFlowVersion,
    ApprovalRequest,
    ApprovalTask,
    Delegation,
)
from cashloop.approvals.selectors import approval_waiting_count
from cashloop.approvals.services import (
    approval_flow_update,
    approval_request_approve,
    approval_request_reject,
    approval_request_resubmit,
    approval_request_return,
    approval_request_withdraw,
    approval_tasks_remind_and_escalate,
    delegation_create,
    expense_claim_submit,
)
from cashloop.approvals.tests.conftest import claim, flow, step
from cashloop.core.errors import DomainError
from cashloop.notifications.models import Notification
from tests.factories import UserFactory

BIG = {"all": [{"field": "amount", "op": "gt", "value": "1000"}]}


def submit(c):
    expense_claim_submit(actor=c.submitter, claim_id=c.pk)
    c.refresh_from_db()
    return ApprovalRequest.objects.filter(document_id=str(c.pk)).order_by("-pk").first()


def refused(code, fn, *args, **kwargs):
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert exc.value.code is code
    return exc.value


def test_no_flow_applies_so_the_claim_is_approved_at_once(managed):
    c = claim(managed.rep_east)
    assert submit(c) is None
    assert c.status == DocumentStatus.APPROVED


def test_a_two_step_conditional_flow_runs_to_approval(managed, controller):
    # given: claims above 1,000 go to the rep's manager, then to the controller
    flow(
        managed.admin,
        conditions=BIG,
        steps=[step({"kind": "manager"}), step({"kind": "user", "value": controller.pk})],
    )
    small = claim(managed.rep_east, "800.00")
    assert submit(small) is None
    c = claim(managed.rep_east, "2000.00")
    # when
    request = submit(c)
    # then: held, step 1 waits for the manager, who was told
    assert (c.status, request.status, request.step) == (DocumentStatus.PENDING, "pending", 0)
    assert request.values["amount"] == "2000.0000"
    assert approval_waiting_count(user=managed.manager_east) == 1
    assert Notification.objects.filter(user=managed.manager_east).count() == 1
    refused(
        ApprovalError.NOT_YOUR_TURN,
        approval_request_approve,
        actor=controller,
        request_id=request.pk,
    )
    approval_request_approve(actor=managed.manager_east, request_id=request.pk, comment="ok")
    request.refresh_from_db()
    assert (request.status, request.step) == (RequestStatus.PENDING, 1)
    assert approval_waiting_count(user=controller) == 1
    approval_request_approve(actor=controller, request_id=request.pk)
    request.refresh_from_db()
    c.refresh_from_db()
    assert (request.status, c.status) == (RequestStatus.APPROVED, DocumentStatus.APPROVED)
    kinds = list(request.actions.values_list("kind", "step", "actor__username"))
    assert kinds == [
        (ActionKind.SUBMIT, 0, "rep_east"),
        (ActionKind.APPROVE, 0, "mgr_east"),
        (ActionKind.APPROVE, 1, "controller"),
    ]
    assert Notification.objects.filter(user=managed.rep_east, title__contains=f"#{c.pk}").exists()


def test_the_first_matching_active_flow_by_priority_wins(managed, controller):
    flow(
        managed.admin,
        name="inactive",
        priority=1,
        is_active=False,
        steps=[step({"kind": "manager"})],
    )
    flow(
        managed.admin,
        name="tag",
        priority=2,
        conditions={"all": [{"field": "category", "op": "eq", "value": "meals"}]},
        steps=[step({"kind": "manager"})],
    )
    wanted = flow(
        managed.admin, name="big", priority=3, conditions=BIG, steps=[step({"kind": "team_lead"})]
    )
    flow(managed.admin, name="later", priority=9, steps=[step({"kind": "manager"})])
    request = submit(claim(managed.rep_east))
    assert request.flow_version.flow == wanted
    # team lead = the manager one level above the submitter's team
    assert list(request.tasks.values_list("approver__username", flat=True)) == ["admin1"]


def test_editing_a_flow_makes_a_version_and_leaves_requests_in_progress_alone(managed, controller):
    f = flow(managed.admin, steps=[step({"kind": "manager"})])
    request = submit(claim(managed.rep_east))
    approval_flow_update(
        actor=managed.admin,
        flow_id=f.pk,
        name="Flow v2",
        steps=[step({"kind": "user", "value": controller.pk})],
    )
    assert list(f.versions.values_list("number", flat=True)) == [2, 1]
    request.refresh_from_db()
    assert request.flow_version.number == 1
    approval_request_approve(actor=managed.manager_east, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    second = submit(claim(managed.rep_east))
    assert second.flow_version.number == 2
    assert list(second.tasks.values_list("approver", flat=True)) == [controller.pk]


def test_rule_all_waits_for_every_approver(managed, controller):
    flow(
        managed.admin,
        steps=[step({"kind": "manager"}, {"kind": "user", "value": controller.pk}, rule="all")],
    )
    request = submit(claim(managed.rep_east))
    approval_request_approve(actor=controller, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    refused(
        ApprovalError.NOT_YOUR_TURN,
        approval_request_approve,
        actor=controller,
        request_id=request.pk,
    )
    approval_request_approve(actor=managed.manager_east, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_rule_any_closes_the_others_tasks(managed, controller):
    flow(managed.admin, steps=[step({"kind": "manager"}, {"kind": "user", "value": controller.pk})])
    request = submit(claim(managed.rep_east))
    approval_request_approve(actor=controller, request_id=request.pk)
    statuses = dict(request.tasks.values_list("approver__username", "status"))
    assert statuses == {"controller": TaskStatus.APPROVED, "mgr_east": TaskStatus.CANCELLED}


def test_reject_needs_a_reason_and_applies_nothing(managed):
    flow(managed.admin, steps=[step({"kind": "manager"})])
    c = claim(managed.rep_east)
    request = submit(c)
    refused(
        ApprovalError.REASON_REQUIRED,
        approval_request_reject,
        actor=managed.manager_east,
        request_id=request.pk,
        reason="  ",
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    approval_request_reject(
        actor=managed.manager_east, request_id=request.pk, reason="无发票 no receipt"
    )
    request.refresh_from_db()
    c.refresh_from_db()
    assert (request.status, c.status) == (RequestStatus.REJECTED, DocumentStatus.REJECTED)
    assert request.actions.last().comment == "无发票 no receipt"
    refused(
        ApprovalError.NOT_PENDING,
        approval_request_approve,
        actor=managed.manager_east,
        request_id=request.pk,
    )


def test_return_to_submitter_then_resubmit_and_return_to_an_earlier_step(managed, controller):
    flow(
        managed.admin,
        steps=[step({"kind": "manager"}), step({"kind": "user", "value": controller.pk})],
    )
    request = submit(claim(managed.rep_east))
    approval_request_return(actor=managed.manager_east, request_id=request.pk, comment="附上发票")
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    assert approval_waiting_count(user=managed.manager_east) == 0
    refused(
        ApprovalError.NOT_SUBMITTER,
        approval_request_resubmit,
        actor=managed.manager_east,
        request_id=request.pk,
    )
    approval_request_resubmit(actor=managed.rep_east, request_id=request.pk)
    approval_request_approve(actor=managed.manager_east, request_id=request.pk)
    refused(
        ApprovalError.BAD_RETURN_STEP,
        approval_request_return,
        actor=controller,
        request_id=request.pk,
        to_step=2,
    )
    approval_request_return(actor=controller, request_id=request.pk, to_step=1)
    request.refresh_from_db()
    assert (request.status, request.step) == (RequestStatus.PENDING, 0)
    assert approval_waiting_count(user=managed.manager_east) == 1


def test_only_the_submitter_withdraws(managed):
    flow(managed.admin, steps=[step({"kind": "manager"})])
    c = claim(managed.rep_east)
    request = submit(c)
    refused(
        ApprovalError.NOT_SUBMITTER,
        approval_request_withdraw,
        actor=managed.manager_east,
        request_id=request.pk,
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    approval_request_withdraw(actor=managed.rep_east, request_id=request.pk)
    request.refresh_from_db()
    c.refresh_from_db()
    assert (request.status, c.status) == (RequestStatus.WITHDRAWN, DocumentStatus.WITHDRAWN)
    assert not request.tasks.filter(status=TaskStatus.OPEN).exists()


def test_self_approval_is_refused_unless_the_flow_allows_it(managed):
    UserFactory(username="mgr_south", team=managed.south, roles=["sales_manager"])
    flow(managed.admin, steps=[step({"kind": "role", "value": "sales_manager"})])
    request = submit(claim(managed.manager_east))
    # the submitter is left out of the approvers, and cannot approve anyway
    assert not request.tasks.filter(approver=managed.manager_east).exists()
    refused(
        ApprovalError.SELF_APPROVAL,
        approval_request_approve,
        actor=managed.manager_east,
        request_id=request.pk,
    )


def test_self_approval_where_the_flow_allows_it(managed):
    flow(
        managed.admin,
        steps=[step({"kind": "role", "value": "sales_manager"})],
        allow_self_approval=True,
    )
    request = submit(claim(managed.manager_east))
    approval_request_approve(actor=managed.manager_east, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_a_step_nobody_can_approve_is_refused(managed):
    UserFactory(username="gone", team=managed.east, roles=["collector"], is_active=False)
    refused(
        ApprovalError.NO_APPROVER,
        flow,
        managed.admin,
        steps=[step({"kind": "role", "value": "collector"})],
    )
    inactive = UserFactory(username="left", is_active=False)
    refused(
        ApprovalError.NO_APPROVER,
        flow,
        managed.admin,
        steps=[step({"kind": "user", "value": inactive.pk})],
    )
    assert not ApprovalFlow.objects.exists()
    # the finance clerk has no team, hence no manager: the claim stays a draft
    flow(managed.admin, steps=[step({"kind": "manager"})])
    c = claim(managed.finance)
    refused(ApprovalError.NO_APPROVER, expense_claim_submit, actor=managed.finance, claim_id=c.pk)
    c.refresh_from_db()
    assert c.status == DocumentStatus.DRAFT
    assert not ApprovalRequest.objects.exists()


def test_conditions_are_checked_against_the_fields_of_the_type(managed):
    refused(
        ApprovalError.UNKNOWN_FIELD,
        flow,
        managed.admin,
        conditions={"all": [{"field": "colour", "op": "eq", "value": "red"}]},
        steps=[step({"kind": "manager"})],
    )
    refused(
        ApprovalError.BAD_OPERATOR,
        flow,
        managed.admin,
        conditions={"any": [{"field": "category", "op": "gt", "value": "meals"}]},
        steps=[step({"kind": "manager"})],
    )
    refused(
        ApprovalError.BAD_CONDITION,
        flow,
        managed.admin,
        conditions={"all": [{"field": "amount", "op": "gt", "value": "lots"}]},
        steps=[step({"kind": "manager"})],
    )
    assert not ApprovalFlow.objects.exists() and not ApprovalFlowVersion.objects.exists()


def test_nested_any_and_all(managed):
    flow(
        managed.admin,
        conditions={
            "any": [
                {"field": "category", "op": "in", "value": ["meals", "training"]},
                {
                    "all": [
                        {"field": "amount", "op": "gte", "value": 5000},
                        {"field": "submitter.team", "op": "eq", "value": "East"},
                    ]
                },
            ]
        },
        steps=[step({"kind": "manager"})],
    )
    assert submit(claim(managed.rep_east, "100", category="meals")) is not None
    assert submit(claim(managed.rep_east, "5000")) is not None
    assert submit(claim(managed.rep_east, "4999.99")) is None
    assert submit(claim(managed.rep_south, "9000")) is None


def test_a_delegate_gets_the_task_and_acts_on_behalf(managed, controller):
    today = timezone.localdate()
    delegation_create(actor=managed.manager_east, delegate_id=controller.pk, start=today, end=today)
    flow(managed.admin, steps=[step({"kind": "manager"})])
    request = submit(claim(managed.rep_east))
    task = request.tasks.get()
    assert (task.approver, task.on_behalf_of) == (controller, managed.manager_east)
    approval_request_approve(actor=controller, request_id=request.pk)
    action = request.actions.get(kind=ActionKind.APPROVE)
    assert (action.actor, action.on_behalf_of) == (controller, managed.manager_east)


def test_a_delegation_made_while_a_task_waits_lets_the_delegate_act(managed, controller):
    flow(managed.admin, steps=[step({"kind": "manager"})])
    request = submit(claim(managed.rep_east))
    today = timezone.localdate()
    delegation_create(actor=managed.manager_east, delegate_id=controller.pk, start=today, end=today)
    assert approval_waiting_count(user=controller) == 1
    approval_request_approve(actor=controller, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_a_delegation_cycle_is_refused(managed, controller):
    today = date(2026, 12, 1)
    delegation_create(
        actor=managed.manager_east,
        delegate_id=controller.pk,
        start=today,
        end=today + timedelta(days=7),
    )
    refused(
        ApprovalError.DELEGATION_CYCLE,
        delegation_create,
        actor=controller,
        delegate_id=managed.manager_east.pk,
        start=today + timedelta(days=3),
        end=today + timedelta(days=10),
    )
    # a longer cycle: A -> B, B -> C, then C -> A
    delegation_create(actor=controller, delegate_id=managed.admin.pk, start=today, end=today)
    refused(
        ApprovalError.DELEGATION_CYCLE,
        delegation_create,
        actor=managed.admin,
        delegate_id=managed.manager_east.pk,
        start=today,
        end=today,
    )
    # the same pair in periods that do not overlap is not a cycle
    delegation_create(
        actor=controller,
        delegate_id=managed.manager_east.pk,
        start=date(2027, 1, 1),
        end=date(2027, 1, 2),
    )
    assert Delegation.objects.count() == 3


def test_overdue_steps_are_reminded_then_escalated_once(managed):
    # given: the sub-team's rep; its manager is the East manager, above him the admin
    managed.east_sub.manager = managed.rep_east
    managed.east_sub.save()
    flow(managed.admin, steps=[step({"kind": "manager"}, hours=24)])
    request = submit(claim(managed.rep_east_sub))
    task = request.tasks.get()
    assert task.approver == managed.rep_east
    start = task.due_at - timedelta(hours=24)
    # before the deadline nothing happens
    assert approval_tasks_remind_and_escalate(now=start + timedelta(hours=23)) == 0
    # after it: one reminder, and running again sends nothing more
    sent = Notification.objects.count()
    assert approval_tasks_remind_and_escalate(now=start + timedelta(hours=25)) == 1
    assert approval_tasks_remind_and_escalate(now=start + timedelta(hours=26)) == 0
    assert Notification.objects.count() == sent + 1
    # after a second deadline: to the manager of the approver's team (East)
    assert approval_tasks_remind_and_escalate(now=start + timedelta(hours=49)) == 1
    assert approval_tasks_remind_and_escalate(now=start + timedelta(hours=49)) == 0
    statuses = list(request.tasks.order_by("pk").values_list("approver__username", "status"))
    assert statuses == [("rep_east", TaskStatus.ESCALATED), ("mgr_east", TaskStatus.OPEN)]
    assert list(request.actions.values_list("kind", flat=True)) == [
        ActionKind.SUBMIT,
        ActionKind.REMIND,
        ActionKind.ESCALATE,
    ]
    approval_request_approve(actor=managed.manager_east, request_id=request.pk)
    assert ApprovalAction.objects.filter(
        kind=ActionKind.APPROVE, on_behalf_of=managed.rep_east
    ).exists()
    assert ApprovalTask.objects.filter(status=TaskStatus.OPEN).count() == 0

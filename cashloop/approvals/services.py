"""Writes of approvals: flows and their versions, requests and every action on them,
delegations, and the built-in documents (expense claims, work plans).

A request moves through its pinned flow version's steps.  Each step makes one task per
resolved approver (sent on to a delegate when the approver is away); a step with rule
"any" is done at the first approval, "all" when every task is approved.  Approving the
last step calls the document type's `on_approved` in the same transaction; rejecting or
withdrawing calls `on_rejected`, so a held document is either applied or released,
never half of each.  Every action locks the request row first, so two approvers acting
at once queue instead of both advancing the same step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.approvals.choices import (
    ActionKind,
    ApproverKind,
    DocumentStatus,
    RequestStatus,
    StepRule,
    TaskStatus,
)
from cashloop.approvals.conditions import conditions_clean, conditions_match, values_plain
from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.models import (
    ApprovalAction,
    ApprovalFlow,
    ApprovalFlowVersion,
    ApprovalRequest,
    ApprovalTask,
    Delegation,
    ExpenseClaim,
    WorkPlan,
)
from cashloop.approvals.registry import DocumentType, document_type_get
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import currency_check, quantize
from cashloop.core.scoping import get_scoped, require
from cashloop.identity.models import Role, User
from cashloop.notifications.services import notification_send
from cashloop.webhooks.services import webhook_emit

DEADLINE_HOURS_MAX = 24 * 90
# Delegations chain (A away -> B, B away too -> C); refusing cycles keeps chains finite,
# and this bound keeps a chain made before that rule from looping.
DELEGATION_DEPTH_MAX = 10


# --- flows -------------------------------------------------------------------------------


def _doc_type(key: str) -> DocumentType:
    doc_type = document_type_get(key)
    if doc_type is None:
        raise DomainError(ApprovalError.UNKNOWN_DOCUMENT_TYPE, document_type=key)
    return doc_type


def _steps_clean(steps: Any) -> list[dict[str, Any]]:
    """Steps in canonical form; refuse one that nobody could ever approve."""
    if not isinstance(steps, list) or not steps:
        raise DomainError(ApprovalError.NO_STEPS)
    cleaned = []
    for n, step in enumerate(steps, 1):
        if not isinstance(step, dict):
            raise DomainError(ApprovalError.BAD_STEP, step=n, why="not an object")
        rule = step.get("rule", StepRule.ANY)
        if rule not in StepRule.values:
            raise DomainError(ApprovalError.BAD_STEP, step=n, why=f"rule {rule!r}")
        try:
            hours = int(step.get("deadline_hours") or 0)
        except (TypeError, ValueError):
            raise DomainError(ApprovalError.BAD_STEP, step=n, why="deadline_hours") from None
        if not 0 <= hours <= DEADLINE_HOURS_MAX:
            raise DomainError(ApprovalError.BAD_STEP, step=n, why="deadline_hours")
        approvers = step.get("approvers")
        if not isinstance(approvers, list) or not approvers:
            raise DomainError(ApprovalError.NO_APPROVER, step=n, why=_("no approver named"))
        cleaned.append(
            {
                "approvers": [_approver_clean(n, a) for a in approvers],
                "rule": str(rule),
                "deadline_hours": hours,
            }
        )
    return cleaned


def _approver_clean(n: int, approver: Any) -> dict[str, Any]:
    kind = approver.get("kind") if isinstance(approver, dict) else None
    if kind not in ApproverKind.values:
        raise DomainError(ApprovalError.BAD_STEP, step=n, why=f"approver kind {kind!r}")
    value = approver.get("value")
    if kind == ApproverKind.ROLE:
        role = Role.objects.filter(code=str(value)).first()
        if role is None:
            raise DomainError(ApprovalError.BAD_STEP, step=n, why=f"unknown role {value!r}")
        if not role.users.filter(is_active=True).exists():
            raise DomainError(
                ApprovalError.NO_APPROVER, step=n, why=_("nobody active has the role %s") % role
            )
        return {"kind": kind, "value": role.code}
    if kind == ApproverKind.USER:
        try:
            user = User.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            user = None
        if user is None:
            raise DomainError(ApprovalError.BAD_STEP, step=n, why=f"unknown user {value!r}")
        if not user.is_active:
            raise DomainError(ApprovalError.NO_APPROVER, step=n, why=_("%s is inactive") % user)
        return {"kind": kind, "value": user.pk}
    return {"kind": kind, "value": None}  # manager and team lead follow the submitter


def _version_add(
    *, actor: User, flow: ApprovalFlow, conditions: Any, steps: Any, allow_self_approval: bool
) -> ApprovalFlowVersion:
    doc_type = _doc_type(flow.document_type)
    last = flow.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ApprovalFlowVersion.objects.create(
        flow=flow,
        number=last + 1,
        conditions=conditions_clean(doc_type, conditions),
        steps=_steps_clean(steps),
        allow_self_approval=allow_self_approval,
        created_by=actor,
    )
    flow.current_version = version
    flow.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def approval_flow_create(
    *,
    actor: User,
    document_type: str,
    name: str,
    steps: list[dict[str, Any]],
    conditions: dict[str, Any] | None = None,
    priority: int = 100,
    is_active: bool = True,
    allow_self_approval: bool = False,
) -> ApprovalFlow:
    """A new flow with its first version."""
    require(actor, "manage", ApprovalFlow)
    _doc_type(document_type)
    flow = ApprovalFlow(
        document_type=document_type,
        name=name.strip(),
        priority=priority,
        is_active=is_active,
        created_by=actor,
    )
    full_clean_or_raise(flow, exclude=["created_by", "current_version"])
    flow.save()
    _version_add(
        actor=actor,
        flow=flow,
        conditions=conditions,
        steps=steps,
        allow_self_approval=allow_self_approval,
    )
    audit_record(actor=actor, instance=flow, action=AuditAction.CREATE)
    return flow


@transaction.atomic
def approval_flow_update(
    *,
    actor: User,
    flow_id: int,
    name: str,
    steps: list[dict[str, Any]],
    conditions: dict[str, Any] | None = None,
    priority: int = 100,
    is_active: bool = True,
    allow_self_approval: bool = False,
) -> ApprovalFlow:
    """Save a flow: its rules become a new version; requests keep the version they began on."""
    require(actor, "manage", ApprovalFlow)
    flow = ApprovalFlow.objects.select_for_update().filter(pk=flow_id).first()
    if flow is None:
        raise DomainError(ApprovalError.FLOW_NOT_FOUND)
    before = audit_snapshot(flow)
    flow.name, flow.priority, flow.is_active = name.strip(), priority, is_active
    full_clean_or_raise(flow, exclude=["created_by", "current_version"])
    flow.save()
    _version_add(
        actor=actor,
        flow=flow,
        conditions=conditions,
        steps=steps,
        allow_self_approval=allow_self_approval,
    )
    audit_record(actor=actor, instance=flow, action=AuditAction.UPDATE, before=before)
    return flow


# --- who approves ------------------------------------------------------------------------


def _delegate_of(user: User, on: date) -> tuple[User, User | None]:
    """Who acts for `user` on `on` (following chains), and for whom when not themselves."""
    current, seen = user, {user.pk}
    for _depth in range(DELEGATION_DEPTH_MAX):
        row = (
            Delegation.objects.filter(user=current, start__lte=on, end__gte=on)
            .select_related("delegate")
            .order_by("-start", "-pk")
            .first()
        )
        if row is None or row.delegate.pk in seen or not row.delegate.is_active:
            break
        current = row.delegate
        seen.add(current.pk)
    return current, (user if current.pk != user.pk else None)


def _team_manager(team: Any, *, not_user: User | None = None) -> User | None:
    """The manager of `team`, or of the first team above it whose manager is someone else."""
    while team is not None:
        manager = team.manager
        if manager is not None and manager.is_active and manager != not_user:
            return manager
        team = team.parent
    return None


def _approvers(step_no: int, step: dict[str, Any], submitter: User, allow_self: bool) -> list[User]:
    found: dict[int, User] = {}
    for approver in step["approvers"]:
        kind, value = approver["kind"], approver["value"]
        if kind == ApproverKind.ROLE:
            for user in User.objects.filter(roles__code=value, is_active=True).distinct():
                found[user.pk] = user
        elif kind == ApproverKind.USER:
            user = User.objects.filter(pk=value, is_active=True).first()
            if user is not None:
                found[user.pk] = user
        else:
            team = submitter.team
            if team is None:
                raise DomainError(
                    ApprovalError.NO_APPROVER,
                    step=step_no,
                    why=_("the submitter belongs to no team, so has no manager"),
                )
            if kind == ApproverKind.TEAM_LEAD:
                team = team.parent
            manager = team.manager if team is not None else None
            if manager is not None and manager.is_active:
                found[manager.pk] = manager
    if not allow_self:
        found.pop(submitter.pk, None)
    if not found:
        raise DomainError(
            ApprovalError.NO_APPROVER, step=step_no, why=_("nobody active fits this step")
        )
    return [found[pk] for pk in sorted(found)]


def _request_url(request: ApprovalRequest) -> str:
    return reverse("approvals:request_detail", args=[request.pk])


def _notify(users: Iterable[User], title: str, request: ApprovalRequest) -> None:
    notification_send(users=users, title=title, body=request.summary, url=_request_url(request))


def _step_open(request: ApprovalRequest, step_no: int, now: datetime) -> None:
    """Make the tasks of a step (delegations applied) and tell the approvers."""
    version = request.flow_version
    step = version.steps[step_no]
    approvers = _approvers(step_no + 1, step, request.submitter, version.allow_self_approval)
    hours = step["deadline_hours"]
    due = now + timedelta(hours=hours) if hours else None
    tasks = []
    for approver in approvers:
        acting, for_whom = _delegate_of(approver, timezone.localdate(now))
        if acting == request.submitter and not version.allow_self_approval:
            acting, for_whom = approver, None  # a delegation must not let one approve oneself
        tasks.append(
            ApprovalTask(
                request=request, step=step_no, approver=acting, on_behalf_of=for_whom, due_at=due
            )
        )
    ApprovalTask.objects.bulk_create(tasks)
    request.step = step_no
    _notify(
        {t.approver for t in tasks},
        _("Waiting for your approval: %(summary)s") % {"summary": request.summary},
        request,
    )


def _log(
    request: ApprovalRequest,
    kind: ActionKind,
    actor: User | None,
    comment: str = "",
    on_behalf_of: User | None = None,
) -> ApprovalAction:
    return ApprovalAction.objects.create(
        request=request,
        kind=kind,
        step=request.step,
        actor=actor,
        on_behalf_of=on_behalf_of,
        comment=comment.strip(),
    )


# --- requests ----------------------------------------------------------------------------


@transaction.atomic
def approval_request_submit(
    *, actor: User, document: Any, document_type: str
) -> ApprovalRequest | None:
    """Ask for approval of `document`: None when no active flow applies (apply it at once).

    Otherwise the first active flow (by priority) whose conditions match pins its current
    version, the step-1 approvers get their tasks, and the request is returned; the caller
    keeps the document held until `on_approved` or `on_rejected` runs.  A document not
    saved yet is saved here, only when it is to be held.
    """
    doc_type = _doc_type(document_type)
    values = values_plain(doc_type.values(document))
    flows = (
        ApprovalFlow.objects.filter(
            document_type=document_type, is_active=True, current_version__isnull=False
        )
        .select_related("current_version")
        .order_by("priority", "pk")
    )
    version = next(
        (
            f.current_version
            for f in flows
            if f.current_version
            and conditions_match(doc_type, f.current_version.conditions, values)
        ),
        None,
    )
    if version is None:
        return None
    if document.pk is None:
        document.save()
    request = ApprovalRequest.objects.create(
        document_type=document_type,
        document_id=str(document.pk),
        summary=str(doc_type.summary(document))[:300],
        flow_version=version,
        values=values,
        submitter=actor,
        submitter_team=actor.team,
    )
    _log(request, ActionKind.SUBMIT, actor)
    _step_open(request, 0, timezone.now())
    request.save(update_fields=["step"])
    return request


def _request_locked(request_id: int) -> ApprovalRequest:
    request = (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("flow_version", "submitter__team__parent")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise DomainError(ApprovalError.REQUEST_NOT_FOUND)
    return request


def _pending(request: ApprovalRequest, *also: RequestStatus) -> None:
    if request.status not in (RequestStatus.PENDING, *also):
        raise DomainError(ApprovalError.NOT_PENDING, status=request.get_status_display())


def _my_tasks(request: ApprovalRequest, actor: User) -> list[ApprovalTask]:
    """The open tasks of the current step the actor may act on: theirs, or an away colleague's."""
    today = timezone.localdate()
    away_for_me = Delegation.objects.filter(
        delegate=actor, start__lte=today, end__gte=today
    ).values("user")
    tasks = list(
        request.tasks.select_for_update()
        .filter(step=request.step, status=TaskStatus.OPEN)
        .filter(Q(approver=actor) | Q(approver__in=away_for_me))
        .order_by("pk")
    )
    if not tasks:
        raise DomainError(ApprovalError.NOT_YOUR_TURN)
    return tasks


def _close(tasks: Iterable[ApprovalTask], status: TaskStatus, now: datetime) -> None:
    ids = [t.pk for t in tasks]
    ApprovalTask.objects.filter(pk__in=ids).update(status=status, decided_at=now)


def _close_open(request: ApprovalRequest, now: datetime) -> None:
    _close(request.tasks.filter(status=TaskStatus.OPEN), TaskStatus.CANCELLED, now)


def _behalf(task: ApprovalTask, actor: User) -> User | None:
    if task.approver_id != actor.pk:
        return task.approver
    return task.on_behalf_of


def _decision_event(request: ApprovalRequest) -> tuple[int, dict[str, Any]]:
    """What a webhook tells of a decided approval request (docs/webhooks.md)."""
    return request.pk, {
        "request_id": request.pk,
        "document_type": request.document_type,
        "document_id": request.document_id,
        "summary": request.summary,
        "status": request.status,
        "decided_at": request.decided_at,
    }


def _finish(request: ApprovalRequest, status: RequestStatus, actor: User, now: datetime) -> None:
    request.status = status
    request.decided_at = now
    request.save(update_fields=["status", "decided_at", "step"])
    webhook_emit("approval.decided", [request], _decision_event)
    doc_type = _doc_type(request.document_type)
    if status == RequestStatus.APPROVED:
        doc_type.on_approved(request, actor)
    else:
        doc_type.on_rejected(request, actor)


@transaction.atomic
def approval_request_approve(*, actor: User, request_id: int, comment: str = "") -> ApprovalRequest:
    """Approve the current step for oneself (or for an away colleague one stands in for)."""
    request = _request_locked(request_id)
    _pending(request)
    if request.submitter_id == actor.pk and not request.flow_version.allow_self_approval:
        raise DomainError(ApprovalError.SELF_APPROVAL)
    tasks = _my_tasks(request, actor)
    now = timezone.now()
    _close(tasks, TaskStatus.APPROVED, now)
    for task in tasks:
        _log(request, ActionKind.APPROVE, actor, comment, _behalf(task, actor))
    step = request.flow_version.steps[request.step]
    still_open = request.tasks.filter(step=request.step, status=TaskStatus.OPEN)
    if step["rule"] == StepRule.ALL and still_open.exists():
        return request
    _close(still_open, TaskStatus.CANCELLED, now)
    if request.step + 1 < len(request.flow_version.steps):
        _step_open(request, request.step + 1, now)
        request.save(update_fields=["step"])
        return request
    _finish(request, RequestStatus.APPROVED, actor, now)
    notification_send(
        users=[request.submitter],
        title=_("Approved: %(summary)s") % {"summary": request.summary},
        body=comment,
        url=_request_url(request),
    )
    return request


@transaction.atomic
def approval_request_reject(*, actor: User, request_id: int, reason: str) -> ApprovalRequest:
    """Refuse the request: nothing of the document is applied."""
    request = _request_locked(request_id)
    _pending(request)
    if not reason.strip():
        raise DomainError(ApprovalError.REASON_REQUIRED, details={"reason": [_("Required.")]})
    tasks = _my_tasks(request, actor)
    now = timezone.now()
    _close(tasks, TaskStatus.REJECTED, now)
    _close_open(request, now)
    _log(request, ActionKind.REJECT, actor, reason, _behalf(tasks[0], actor))
    _finish(request, RequestStatus.REJECTED, actor, now)
    notification_send(
        users=[request.submitter],
        title=_("Rejected: %(summary)s") % {"summary": request.summary},
        body=reason,
        url=_request_url(request),
    )
    return request


@transaction.atomic
def approval_request_return(
    *, actor: User, request_id: int, comment: str = "", to_step: int | None = None
) -> ApprovalRequest:
    """Send the request back: to its submitter (None), or to an earlier step (1-based)."""
    request = _request_locked(request_id)
    _pending(request)
    tasks = _my_tasks(request, actor)
    if to_step is not None and not 1 <= to_step <= request.step:
        raise DomainError(ApprovalError.BAD_RETURN_STEP)
    now = timezone.now()
    _close(tasks, TaskStatus.RETURNED, now)
    _close_open(request, now)
    _log(request, ActionKind.RETURN, actor, comment, _behalf(tasks[0], actor))
    if to_step is None:
        request.status = RequestStatus.RETURNED
        request.save(update_fields=["status"])
        notification_send(
            users=[request.submitter],
            title=_("Returned to you: %(summary)s") % {"summary": request.summary},
            body=comment,
            url=_request_url(request),
        )
    else:
        _step_open(request, to_step - 1, now)
        request.save(update_fields=["step"])
    return request


def _submitter_locked(actor: User, request_id: int) -> ApprovalRequest:
    request = _request_locked(request_id)
    if request.submitter_id != actor.pk:
        raise DomainError(ApprovalError.NOT_SUBMITTER)
    return request


@transaction.atomic
def approval_request_resubmit(
    *, actor: User, request_id: int, comment: str = ""
) -> ApprovalRequest:
    """The submitter sends a returned request on again, from its first step."""
    request = _submitter_locked(actor, request_id)
    if request.status != RequestStatus.RETURNED:
        raise DomainError(ApprovalError.NOT_RETURNED)
    request.status = RequestStatus.PENDING
    request.step = 0
    _log(request, ActionKind.RESUBMIT, actor, comment)
    _step_open(request, 0, timezone.now())
    request.save(update_fields=["status", "step"])
    return request


@transaction.atomic
def approval_request_withdraw(
    *, actor: User, request_id: int, comment: str = ""
) -> ApprovalRequest:
    """The submitter takes the request back: nothing of the document is applied."""
    request = _submitter_locked(actor, request_id)
    _pending(request, RequestStatus.RETURNED)
    now = timezone.now()
    _close_open(request, now)
    _log(request, ActionKind.WITHDRAW, actor, comment)
    _finish(request, RequestStatus.WITHDRAWN, actor, now)
    return request


@transaction.atomic
def approval_tasks_remind_and_escalate(*, now: datetime | None = None) -> int:
    """Remind approvers whose step is past its deadline; escalate after a second deadline.

    A task past `due_at` gets one reminder.  When a further deadline passes without an
    answer, the task goes to the next level up (the manager of the approver's team, or
    above) and the original closes as escalated.  Both are recorded on the task, so
    running this again sends nothing twice.  Returns how many tasks it acted on.
    """
    now = now or timezone.now()
    request_ids = sorted(
        set(
            ApprovalTask.objects.filter(
                status=TaskStatus.OPEN,
                due_at__lte=now,
                request__status=RequestStatus.PENDING,
            ).values_list("request_id", flat=True)
        )
    )
    acted = 0
    for request_id in request_ids:
        request = _request_locked(request_id)
        if request.status != RequestStatus.PENDING:
            continue
        hours = request.flow_version.steps[request.step]["deadline_hours"]
        overdue = request.tasks.select_for_update(of=("self",)).filter(
            status=TaskStatus.OPEN, step=request.step, due_at__lte=now
        )
        for task in overdue.select_related("approver__team__parent__manager").order_by("pk"):
            acted += _remind_or_escalate(request, task, hours, now)
    return acted


def _remind_or_escalate(
    request: ApprovalRequest, task: ApprovalTask, hours: int, now: datetime
) -> int:
    if task.reminded_at is None:
        task.reminded_at = now
        task.save(update_fields=["reminded_at"])
        _log(request, ActionKind.REMIND, None, str(task.approver), task.approver)
        _notify(
            [task.approver],
            _("Reminder: waiting for your approval: %(summary)s") % {"summary": request.summary},
            request,
        )
        return 1
    if task.due_at is None or now < task.due_at + timedelta(hours=hours):
        return 0
    upper = _team_manager(task.approver.team, not_user=task.approver)
    if upper is None or upper == request.submitter:
        return 0  # nobody above: the reminder stands, and the admin sees it waiting
    acting, _for_whom = _delegate_of(upper, timezone.localdate(now))
    task.status, task.decided_at = TaskStatus.ESCALATED, now
    task.save(update_fields=["status", "decided_at"])
    ApprovalTask.objects.create(
        request=request,
        step=task.step,
        approver=acting,
        on_behalf_of=task.on_behalf_of or task.approver,
        due_at=now + timedelta(hours=hours),
    )
    _log(request, ActionKind.ESCALATE, None, str(acting), task.approver)
    _notify(
        [acting],
        _("Escalated to you: %(summary)s") % {"summary": request.summary},
        request,
    )
    return 1


# --- delegations -------------------------------------------------------------------------


@transaction.atomic
def delegation_create(*, actor: User, delegate_id: int, start: date, end: date) -> Delegation:
    """While away, let a colleague act on one's approvals; a cycle is refused."""
    delegate = User.objects.filter(pk=delegate_id).first()
    if delegate is None:
        raise DomainError(ApprovalError.DELEGATION_NOT_FOUND)
    if delegate.pk == actor.pk:
        raise DomainError(ApprovalError.DELEGATION_SELF)
    if not delegate.is_active:
        raise DomainError(ApprovalError.DELEGATE_INACTIVE)
    if end < start:
        raise DomainError(ApprovalError.DELEGATION_DATES, details={"end": [_("Too early.")]})
    # Lock this user's and the delegate's rows so two delegations cannot close a cycle at once.
    list(User.objects.select_for_update().filter(pk__in=[actor.pk, delegate.pk]).order_by("pk"))
    if _reaches(delegate, actor, start, end):
        raise DomainError(ApprovalError.DELEGATION_CYCLE, delegate=str(delegate))
    row = Delegation.objects.create(user=actor, delegate=delegate, start=start, end=end)
    audit_record(actor=actor, instance=row, action=AuditAction.CREATE)
    return row


def _reaches(start_user: User, target: User, start: date, end: date) -> bool:
    """Whether delegations overlapping [start, end] lead from `start_user` back to `target`."""
    frontier, seen = {start_user.pk}, {start_user.pk}
    while frontier:
        if target.pk in frontier:
            return True
        nxt = set(
            Delegation.objects.filter(
                user_id__in=frontier, start__lte=end, end__gte=start
            ).values_list("delegate_id", flat=True)
        )
        frontier = nxt - seen
        seen |= nxt
    return False


@transaction.atomic
def delegation_delete(*, actor: User, delegation_id: int) -> None:
    row = Delegation.objects.select_for_update().filter(pk=delegation_id, user=actor).first()
    if row is None:
        raise DomainError(ApprovalError.DELEGATION_NOT_FOUND)
    audit_record(actor=actor, instance=row, action=AuditAction.DELETE)
    row.delete()


# --- the built-in documents --------------------------------------------------------------

EDITABLE = (DocumentStatus.DRAFT, DocumentStatus.REJECTED, DocumentStatus.WITHDRAWN)


@transaction.atomic
def expense_claim_create(
    *,
    actor: User,
    date: date,
    category: str,
    amount: Decimal,
    currency: str = "CNY",
    description: str = "",
) -> ExpenseClaim:
    require(actor, "add", ExpenseClaim)
    claim = ExpenseClaim(submitter=actor, team=actor.team)
    return _claim_fill(actor, claim, date, category, amount, currency, description, None)


@transaction.atomic
def expense_claim_update(
    *,
    actor: User,
    claim_id: int,
    date: date,
    category: str,
    amount: Decimal,
    currency: str = "CNY",
    description: str = "",
) -> ExpenseClaim:
    claim = _document_locked(actor, ExpenseClaim, claim_id)
    before = audit_snapshot(claim)
    return _claim_fill(actor, claim, date, category, amount, currency, description, before)


def _claim_fill(
    actor: User,
    claim: ExpenseClaim,
    on: date,
    category: str,
    amount: Decimal,
    currency: str,
    description: str,
    before: dict | None,
) -> ExpenseClaim:
    code = currency_check(currency)
    claim.date, claim.category, claim.currency = on, category, code
    claim.amount = quantize(amount, code)
    claim.description = description.strip()
    return _document_save(actor, claim, before)


@transaction.atomic
def work_plan_create(
    *, actor: User, period_start: date, period_end: date, title: str, content: str
) -> WorkPlan:
    require(actor, "add", WorkPlan)
    plan = WorkPlan(submitter=actor, team=actor.team)
    return _plan_fill(actor, plan, period_start, period_end, title, content, None)


@transaction.atomic
def work_plan_update(
    *,
    actor: User,
    plan_id: int,
    period_start: date,
    period_end: date,
    title: str,
    content: str,
) -> WorkPlan:
    plan = _document_locked(actor, WorkPlan, plan_id)
    before = audit_snapshot(plan)
    return _plan_fill(actor, plan, period_start, period_end, title, content, before)


def _plan_fill(
    actor: User,
    plan: WorkPlan,
    start: date,
    end: date,
    title: str,
    content: str,
    before: dict | None,
) -> WorkPlan:
    if end < start:
        raise DomainError(ApprovalError.PERIOD_DATES, details={"period_end": [_("Too early.")]})
    plan.period_start, plan.period_end = start, end
    plan.title, plan.content = title.strip(), content.strip()
    return _document_save(actor, plan, before)


def _document_save(actor: User, document: Any, before: dict | None) -> Any:
    full_clean_or_raise(document, exclude=["submitter", "team"])
    document.save()
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    audit_record(actor=actor, instance=document, action=action, before=before)
    return document


def _document_locked(actor: User, model: Any, pk: int) -> Any:
    """A built-in document its submitter may still change (draft, rejected or withdrawn)."""
    document = get_scoped(
        model.objects.all(),
        user=actor,
        action="change",
        pk=pk,
        lock=True,
        not_found=ApprovalError.DOCUMENT_NOT_FOUND,
    )
    if document.submitter_id != actor.pk:
        raise DomainError(ApprovalError.NOT_SUBMITTER)
    if document.status not in EDITABLE:
        raise DomainError(ApprovalError.DOCUMENT_NOT_DRAFT)
    return document


@transaction.atomic
def expense_claim_submit(*, actor: User, claim_id: int) -> ExpenseClaim:
    return _document_submit(actor, ExpenseClaim, claim_id, "approvals.expenseclaim")


@transaction.atomic
def work_plan_submit(*, actor: User, plan_id: int) -> WorkPlan:
    return _document_submit(actor, WorkPlan, plan_id, "approvals.workplan")


def _document_submit(actor: User, model: Any, pk: int, key: str) -> Any:
    """Ask for approval; with no flow that applies, the document is approved at once."""
    document = _document_locked(actor, model, pk)
    before = audit_snapshot(document)
    request = approval_request_submit(actor=actor, document=document, document_type=key)
    document.status = DocumentStatus.APPROVED if request is None else DocumentStatus.PENDING
    document.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, instance=document, action=AuditAction.UPDATE, before=before)
    return document


def document_decided(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` / `on_rejected` of the built-in documents: their status follows."""
    model = _doc_type(request.document_type).model
    document: Any = model._default_manager.select_for_update().get(pk=request.document_id)
    before = audit_snapshot(document)
    document.status = {
        RequestStatus.APPROVED: DocumentStatus.APPROVED,
        RequestStatus.REJECTED: DocumentStatus.REJECTED,
        RequestStatus.WITHDRAWN: DocumentStatus.WITHDRAWN,
    }[RequestStatus(request.status)]
    document.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, instance=document, action=AuditAction.UPDATE, before=before)

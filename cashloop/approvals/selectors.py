"""Reads of approvals: flows, the inbox (waiting for me, my requests), one request with its
timeline, delegations, and the built-in documents, each limited to what the user may see.

A request is visible to its submitter, to everyone who has or had a task on it (and
whom they stood in for), to the current delegates of those, and to whoever manages flows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cashloop.approvals.choices import RequestStatus, TaskStatus
from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    ApprovalTask,
    Delegation,
    ExpenseClaim,
    WorkPlan,
)
from cashloop.approvals.registry import document_type_get
from cashloop.core.errors import DomainError
from cashloop.core.scoping import get_scoped, may, require
from cashloop.identity.models import User


def approval_flow_list(*, user: User, document_type: str = "") -> QuerySet[ApprovalFlow]:
    require(user, "manage", ApprovalFlow)
    flows = ApprovalFlow.objects.select_related("current_version").annotate(
        version_count=Count("versions")
    )
    return flows.filter(document_type=document_type) if document_type else flows


def approval_flow_get(*, user: User, flow_id: int) -> ApprovalFlow:
    require(user, "manage", ApprovalFlow)
    flow = (
        ApprovalFlow.objects.select_related("current_version")
        .prefetch_related("versions__created_by")
        .filter(pk=flow_id)
        .first()
    )
    if flow is None:
        raise DomainError(ApprovalError.FLOW_NOT_FOUND)
    return flow


def _acting_for(user: User, field: str) -> Q:
    """`field` is the user or someone they stand in for today (a subquery, not a list:
    the badge on every page costs one query)."""
    today = timezone.localdate()
    away = Delegation.objects.filter(delegate=user, start__lte=today, end__gte=today)
    return Q(**{field: user.pk}) | Q(**{f"{field}__in": away.values("user_id")})


def approval_task_waiting(*, user: User) -> QuerySet[ApprovalTask]:
    """Open tasks on pending requests that the user may act on now."""
    return ApprovalTask.objects.filter(
        _acting_for(user, "approver_id"),
        status=TaskStatus.OPEN,
        request__status=RequestStatus.PENDING,
    )


def approval_waiting_count(*, user: User) -> int:
    """How many requests wait for the user (the badge on the navigation)."""
    return approval_task_waiting(user=user).values("request_id").distinct().count()


def _visible(user: User) -> QuerySet[ApprovalRequest]:
    requests = ApprovalRequest.objects.all()
    if may(user, "manage", ApprovalFlow):
        return requests
    return requests.filter(
        Q(submitter=user)
        | _acting_for(user, "tasks__approver_id")
        | _acting_for(user, "tasks__on_behalf_of_id")
    ).distinct()


def approval_request_list(
    *, user: User, box: str = "waiting", status: str = ""
) -> QuerySet[ApprovalRequest]:
    """`waiting`: requests waiting for the user; `mine`: what the user submitted."""
    requests = ApprovalRequest.objects.select_related("submitter", "flow_version__flow")
    if box == "mine":
        requests = requests.filter(submitter=user)
    else:
        ids = approval_task_waiting(user=user).values("request_id")
        requests = requests.filter(pk__in=ids)
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at", "-pk")


def approval_request_get(*, user: User, request_id: Any) -> ApprovalRequest:
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise DomainError(ApprovalError.REQUEST_NOT_FOUND) from None
    request = (
        _visible(user)
        .select_related("submitter", "submitter_team", "flow_version__flow")
        .prefetch_related("actions__actor", "actions__on_behalf_of", "tasks__approver")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise DomainError(ApprovalError.REQUEST_NOT_FOUND)
    return request


def approval_request_can_act(*, user: User, request: ApprovalRequest) -> bool:
    """Whether the request waits for the user now (to show the action buttons)."""
    return (
        request.status == RequestStatus.PENDING
        and approval_task_waiting(user=user).filter(request=request, step=request.step).exists()
    )


def approval_document_url(request: ApprovalRequest) -> str:
    """The page of the request's document, or "" if its type is gone or it cannot be read."""
    doc_type = document_type_get(request.document_type)
    if doc_type is None:
        return ""
    document = doc_type.model._default_manager.filter(pk=request.document_id).first()
    return doc_type.url(document) if document is not None else ""


def delegation_list(*, user: User) -> QuerySet[Delegation]:
    return Delegation.objects.filter(user=user).select_related("delegate")


def delegation_to_me(*, user: User) -> QuerySet[Delegation]:
    today = timezone.localdate()
    return Delegation.objects.filter(delegate=user, end__gte=today).select_related("user")


def expense_claim_list(*, user: User, status: str = "") -> QuerySet[ExpenseClaim]:
    require(user, "view", ExpenseClaim)
    claims = ExpenseClaim.objects.restrict(user, "view").select_related("submitter")
    return claims.filter(status=status) if status else claims


def expense_claim_get(*, user: User, claim_id: Any) -> ExpenseClaim:
    return get_scoped(
        ExpenseClaim.objects.select_related("submitter", "team"),
        user=user,
        action="view",
        pk=claim_id,
        not_found=ApprovalError.DOCUMENT_NOT_FOUND,
    )


def work_plan_list(*, user: User, status: str = "") -> QuerySet[WorkPlan]:
    require(user, "view", WorkPlan)
    plans = WorkPlan.objects.restrict(user, "view").select_related("submitter")
    return plans.filter(status=status) if status else plans


def work_plan_get(*, user: User, plan_id: Any) -> WorkPlan:
    return get_scoped(
        WorkPlan.objects.select_related("submitter", "team"),
        user=user,
        action="view",
        pk=plan_id,
        not_found=ApprovalError.DOCUMENT_NOT_FOUND,
    )


def document_request(*, document_type: str, document_id: Any) -> ApprovalRequest | None:
    """The latest approval request of one document, if it ever had one."""
    return (
        ApprovalRequest.objects.filter(document_type=document_type, document_id=str(document_id))
        .order_by("-created_at", "-pk")
        .first()
    )

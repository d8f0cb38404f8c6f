"""Approval endpoints under /api/v1/approvals: document types, flows (saving makes a
version), requests and the actions on them, delegations, expense claims and work plans."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status

from cashloop.approvals import selectors, services
from cashloop.approvals.models import ApprovalFlow
from cashloop.approvals.registry import DOCUMENT_TYPES, OPS_BY_KIND
from cashloop.approvals.schemas import (
    CommentIn,
    DelegationIn,
    DelegationOut,
    DocumentTypeOut,
    ExpenseClaimIn,
    ExpenseClaimOut,
    FlowDetailOut,
    FlowIn,
    FlowOut,
    FlowUpdateIn,
    RejectIn,
    RequestDetailOut,
    RequestOut,
    ReturnIn,
    WorkPlanIn,
    WorkPlanOut,
)
from cashloop.core.pagination import paginated
from cashloop.core.scoping import require

router = Router(tags=["approvals"])


@router.get("/document-types", response=list[DocumentTypeOut])
def document_type_list(request: HttpRequest) -> Any:
    """The document types flows can approve, with the fields their conditions may test."""
    require(request.user, "manage", ApprovalFlow)
    return [
        {
            "key": key,
            "label": str(t.label),
            "fields": [
                {
                    "name": name,
                    "label": str(spec.label),
                    "kind": spec.kind,
                    "ops": list(OPS_BY_KIND[spec.kind]),
                    "choices": [value for value, _label in spec.choices],
                }
                for name, spec in t.fields.items()
            ],
        }
        for key, t in sorted(DOCUMENT_TYPES.items())
    ]


# --- flows -------------------------------------------------------------------------------


@router.get("/flows", response=list[FlowOut])
@paginated(sorts=("document_type", "priority", "name"), default="document_type,priority")
def flow_list(request: HttpRequest, document_type: str = "") -> Any:
    return selectors.approval_flow_list(user=request.user, document_type=document_type)


@router.post("/flows", response={201: FlowDetailOut})
def flow_create(request: HttpRequest, payload: FlowIn) -> Any:
    data = payload.dict()
    flow = services.approval_flow_create(actor=request.user, **data)
    return Status(201, selectors.approval_flow_get(user=request.user, flow_id=flow.pk))


@router.get("/flows/{flow_id}", response=FlowDetailOut)
def flow_detail(request: HttpRequest, flow_id: int) -> Any:
    return selectors.approval_flow_get(user=request.user, flow_id=flow_id)


@router.put("/flows/{flow_id}", response=FlowDetailOut)
def flow_update(request: HttpRequest, flow_id: int, payload: FlowUpdateIn) -> Any:
    """Save the flow: a new version; requests in progress keep the version they began on."""
    services.approval_flow_update(actor=request.user, flow_id=flow_id, **payload.dict())
    return selectors.approval_flow_get(user=request.user, flow_id=flow_id)


# --- requests ----------------------------------------------------------------------------


@router.get("/requests", response=list[RequestOut])
@paginated(sorts=("created_at", "decided_at", "status"), default="-created_at")
def request_list(
    request: HttpRequest, box: Literal["waiting", "mine"] = "waiting", status: str = ""
) -> Any:
    """`waiting`: requests waiting for me now; `mine`: the requests I submitted."""
    return selectors.approval_request_list(user=request.user, box=box, status=status)


@router.get("/requests/{request_id}", response=RequestDetailOut)
def request_detail(request: HttpRequest, request_id: int) -> Any:
    return selectors.approval_request_get(user=request.user, request_id=request_id)


def _detail(request: HttpRequest, request_id: int) -> Any:
    """The request as the user may see it; a request they may not see answers 404."""
    return selectors.approval_request_get(user=request.user, request_id=request_id)


@router.post("/requests/{request_id}/approve", response=RequestDetailOut)
def request_approve(request: HttpRequest, request_id: int, payload: CommentIn) -> Any:
    _detail(request, request_id)
    services.approval_request_approve(
        actor=request.user, request_id=request_id, comment=payload.comment
    )
    return _detail(request, request_id)


@router.post("/requests/{request_id}/reject", response=RequestDetailOut)
def request_reject(request: HttpRequest, request_id: int, payload: RejectIn) -> Any:
    """Refuse with a reason; nothing of the document is applied."""
    _detail(request, request_id)
    services.approval_request_reject(
        actor=request.user, request_id=request_id, reason=payload.reason
    )
    return _detail(request, request_id)


@router.post("/requests/{request_id}/return", response=RequestDetailOut)
def request_return(request: HttpRequest, request_id: int, payload: ReturnIn) -> Any:
    """Back to the submitter, or (`to_step`) to an earlier step."""
    _detail(request, request_id)
    services.approval_request_return(
        actor=request.user, request_id=request_id, comment=payload.comment, to_step=payload.to_step
    )
    return _detail(request, request_id)


@router.post("/requests/{request_id}/resubmit", response=RequestDetailOut)
def request_resubmit(request: HttpRequest, request_id: int, payload: CommentIn) -> Any:
    _detail(request, request_id)
    services.approval_request_resubmit(
        actor=request.user, request_id=request_id, comment=payload.comment
    )
    return _detail(request, request_id)


@router.post("/requests/{request_id}/withdraw", response=RequestDetailOut)
def request_withdraw(request: HttpRequest, request_id: int, payload: CommentIn) -> Any:
    _detail(request, request_id)
    services.approval_request_withdraw(
        actor=request.user, request_id=request_id, comment=payload.comment
    )
    return _detail(request, request_id)


# --- delegations -------------------------------------------------------------------------


@router.get("/delegations", response=list[DelegationOut])
@paginated(sorts=("start", "end", "created_at"), default="-start,id")
def delegation_list(request: HttpRequest) -> Any:
    return selectors.delegation_list(user=request.user)


@router.post("/delegations", response={201: DelegationOut})
def delegation_create(request: HttpRequest, payload: DelegationIn) -> Any:
    return Status(201, services.delegation_create(actor=request.user, **payload.dict()))


@router.delete("/delegations/{delegation_id}", response={204: None})
def delegation_delete(request: HttpRequest, delegation_id: int) -> Any:
    services.delegation_delete(actor=request.user, delegation_id=delegation_id)
    return Status(204, None)


# --- expense claims and work plans -------------------------------------------------------


@router.get("/expense-claims", response=list[ExpenseClaimOut])
@paginated(sorts=("date", "amount", "created_at"), default="-date")
def expense_claim_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.expense_claim_list(user=request.user, status=status)


@router.post("/expense-claims", response={201: ExpenseClaimOut})
def expense_claim_create(request: HttpRequest, payload: ExpenseClaimIn) -> Any:
    return Status(201, services.expense_claim_create(actor=request.user, **payload.dict()))


@router.get("/expense-claims/{claim_id}", response=ExpenseClaimOut)
def expense_claim_detail(request: HttpRequest, claim_id: int) -> Any:
    return selectors.expense_claim_get(user=request.user, claim_id=claim_id)


@router.put("/expense-claims/{claim_id}", response=ExpenseClaimOut)
def expense_claim_update(request: HttpRequest, claim_id: int, payload: ExpenseClaimIn) -> Any:
    return services.expense_claim_update(actor=request.user, claim_id=claim_id, **payload.dict())


@router.post("/expense-claims/{claim_id}/submit", response=ExpenseClaimOut)
def expense_claim_submit(request: HttpRequest, claim_id: int) -> Any:
    """Ask for approval; with no flow that applies it is approved at once."""
    return services.expense_claim_submit(actor=request.user, claim_id=claim_id)


@router.get("/work-plans", response=list[WorkPlanOut])
@paginated(sorts=("period_start", "created_at"), default="-period_start")
def work_plan_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.work_plan_list(user=request.user, status=status)


@router.post("/work-plans", response={201: WorkPlanOut})
def work_plan_create(request: HttpRequest, payload: WorkPlanIn) -> Any:
    return Status(201, services.work_plan_create(actor=request.user, **payload.dict()))


@router.get("/work-plans/{plan_id}", response=WorkPlanOut)
def work_plan_detail(request: HttpRequest, plan_id: int) -> Any:
    return selectors.work_plan_get(user=request.user, plan_id=plan_id)


@router.put("/work-plans/{plan_id}", response=WorkPlanOut)
def work_plan_update(request: HttpRequest, plan_id: int, payload: WorkPlanIn) -> Any:
    return services.work_plan_update(actor=request.user, plan_id=plan_id, **payload.dict())


@router.post("/work-plans/{plan_id}/submit", response=WorkPlanOut)
def work_plan_submit(request: HttpRequest, plan_id: int) -> Any:
    """Ask for approval; with no flow that applies it is approved at once."""
    return services.work_plan_submit(actor=request.user, plan_id=plan_id)

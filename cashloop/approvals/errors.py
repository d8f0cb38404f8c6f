"""Error codes of approvals."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ApprovalError(ErrorCode):
    UNKNOWN_DOCUMENT_TYPE = (
        "approvals.unknown_document_type",
        422,
        _("Unknown document type: {document_type}."),
    )
    UNKNOWN_FIELD = (
        "approvals.unknown_field",
        422,
        _("A condition names a field this document type does not have: {field}."),
    )
    BAD_OPERATOR = (
        "approvals.bad_operator",
        422,
        _("The comparison {op} does not fit the field {field}."),
    )
    BAD_CONDITION = ("approvals.bad_condition", 422, _("A condition is not well formed: {why}."))
    NO_STEPS = ("approvals.no_steps", 422, _("A flow needs at least one step."))
    BAD_STEP = ("approvals.bad_step", 422, _("Step {step} is not well formed: {why}."))
    NO_APPROVER = (
        "approvals.no_approver",
        422,
        _("Step {step} has nobody who can approve: {why}."),
    )
    FLOW_NOT_FOUND = ("approvals.flow_not_found", 404, _("No such approval flow."))
    REQUEST_NOT_FOUND = (
        "approvals.request_not_found",
        404,
        _("No such approval request, or it is not yours to see."),
    )
    NOT_PENDING = (
        "approvals.not_pending",
        409,
        _("This request is no longer waiting for approval (it is {status})."),
    )
    NOT_YOUR_TURN = (
        "approvals.not_your_turn",
        403,
        _("This request is not waiting for you."),
    )
    SELF_APPROVAL = (
        "approvals.self_approval",
        403,
        _("This flow does not let anyone approve their own request."),
    )
    REASON_REQUIRED = ("approvals.reason_required", 422, _("Say why you reject this request."))
    NOT_SUBMITTER = (
        "approvals.not_submitter",
        403,
        _("Only the person who submitted this request may do this."),
    )
    BAD_RETURN_STEP = (
        "approvals.bad_return_step",
        422,
        _("A request can only go back to an earlier step."),
    )
    NOT_RETURNED = (
        "approvals.not_returned",
        409,
        _("Only a request returned to its submitter can be submitted again."),
    )
    DELEGATION_CYCLE = (
        "approvals.delegation_cycle",
        422,
        _("{delegate} already hands approvals back to you in this period; pick someone else."),
    )
    DELEGATION_SELF = ("approvals.delegation_self", 422, _("Delegate to someone else."))
    DELEGATION_DATES = (
        "approvals.delegation_dates",
        422,
        _("A delegation ends on or after the day it starts."),
    )
    PERIOD_DATES = (
        "approvals.period_dates",
        422,
        _("A period ends on or after the day it starts."),
    )
    DELEGATE_INACTIVE = ("approvals.delegate_inactive", 422, _("The delegate must be active."))
    DELEGATION_NOT_FOUND = ("approvals.delegation_not_found", 404, _("No such delegation."))
    DOCUMENT_NOT_FOUND = (
        "approvals.document_not_found",
        404,
        _("No such document, or it is not yours to see."),
    )
    DOCUMENT_NOT_DRAFT = (
        "approvals.document_not_draft",
        409,
        _("Only a draft (or a rejected or withdrawn document) can be changed or submitted."),
    )

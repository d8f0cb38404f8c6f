"""Error codes of contracts, payment plans, milestones, billing and recognition."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ContractError(ErrorCode):
    NOT_FOUND = (
        "contract.not_found",
        404,
        _("No such contract, or it is not yours to see."),
    )
    PLAN_SUM = (
        "contract.plan_sum",
        422,
        _("The payment plan sums to {plan}, not to the contract total {total}."),
    )
    MILESTONE_REQUIRED = (
        "contract.milestone_required",
        422,
        _("Installment {n} falls due on a milestone's acceptance but names no milestone."),
    )

"""Error codes of service tickets."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ServiceError(ErrorCode):
    NOT_FOUND = ("ticket.not_found", 404, _("No such ticket, or it is not yours to see."))
    CONTACT_MISMATCH = (
        "ticket.contact_mismatch",
        422,
        _("The contact does not belong to the ticket's customer."),
    )
    CONTRACT_MISMATCH = (
        "ticket.contract_mismatch",
        422,
        _("The contract is not one of the ticket's customer."),
    )
    PRODUCT_NOT_FOUND = ("ticket.product_not_found", 422, _("No such product."))
    ASSIGNEE_INVALID = (
        "ticket.assignee_invalid",
        422,
        _("The assignee must be an active user who may work on tickets."),
    )
    BAD_TRANSITION = (
        "ticket.bad_transition",
        409,
        _("A ticket that is {current} cannot become {target}."),
    )
    CLOSED = ("ticket.closed", 409, _("This ticket is closed; open a new one."))
    EMPTY_MESSAGE = ("ticket.empty_message", 422, _("Write a message."))
    REMINDER_INTERNAL = (
        "ticket.reminder_internal",
        422,
        _("A payment reminder goes to the customer, not into an internal note."),
    )
    NOTHING_OVERDUE = (
        "ticket.nothing_overdue",
        422,
        _("The customer has nothing overdue to remind them of."),
    )
    CUSTOMER_ON_HOLD = (
        "ticket.customer_on_hold",
        409,
        _(
            "The customer is on credit hold ({reason}): paid services are blocked until the "
            "hold is released."
        ),
    )

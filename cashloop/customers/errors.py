"""Error codes of customers."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class CustomerError(ErrorCode):
    CODE_TAKEN = ("customer.code_taken", 409, _("A customer with code {code} already exists."))
    NOT_FOUND = ("customer.not_found", 404, _("No such customer, or it is not yours to see."))
    OWNER_OUTSIDE_SCOPE = (
        "customer.owner_outside_scope",
        403,
        _("You may only give customers to people within your own data scope."),
    )
    OWNER_INACTIVE = ("customer.owner_inactive", 422, _("The owner must be an active user."))
    HAS_CONTACTS = (
        "customer.has_contacts",
        409,
        _("This customer still has contacts; delete or move them first."),
    )
    CONTACT_NOT_FOUND = (
        "contact.not_found",
        404,
        _("No such contact, or it is not yours to see."),
    )

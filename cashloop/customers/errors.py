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
    POSSIBLE_DUPLICATE = (
        "customer.possible_duplicate",
        409,
        _("This customer may already exist; check the candidates or confirm to save anyway."),
    )
    CONTACT_NOT_FOUND = (
        "contact.not_found",
        404,
        _("No such contact, or it is not yours to see."),
    )


class InteractionError(ErrorCode):
    NOT_FOUND = (
        "interaction.not_found",
        404,
        _("No such interaction, or it is not yours to see."),
    )
    CONTACT_OF_OTHER_CUSTOMER = (
        "interaction.contact_of_other_customer",
        422,
        _("Participants must be contacts of this customer."),
    )
    USER_CANNOT_VIEW_CUSTOMER = (
        "interaction.user_cannot_view_customer",
        422,
        _("Colleagues taking part must be allowed to see this customer."),
    )
    NEXT_STEP_DATE_WITHOUT_STEP = (
        "interaction.next_step_date_without_step",
        422,
        _("A next step date needs a next step."),
    )
    IN_FUTURE = (
        "interaction.in_future",
        422,
        _("An interaction cannot have happened after today; plan it as a next step instead."),
    )
    NOT_AUTHOR = (
        "interaction.not_author",
        403,
        _("Only the person who logged this interaction, or their manager, may change it."),
    )
    NO_OPEN_STEP = (
        "interaction.no_open_step",
        409,
        _("This interaction has no open next step."),
    )


class HandOverError(ErrorCode):
    SAME_USER = (
        "customer.hand_over_same_user",
        422,
        _("Hand customers over to someone else than their current owner."),
    )
    TO_INACTIVE = (
        "customer.hand_over_to_inactive",
        422,
        _("Customers can only be handed over to an active user."),
    )
    USER_NOT_FOUND = (
        "customer.hand_over_user_not_found",
        404,
        _("No such user, or not within your data scope."),
    )
    NOT_OWNED = (
        "customer.hand_over_not_owned",
        422,
        _("Some of these customers are not owned by {owner} (or not within your scope)."),
    )
    NOTHING = ("customer.hand_over_nothing", 422, _("There are no customers to hand over."))
    REASON_REQUIRED = (
        "customer.hand_over_reason_required",
        422,
        _("Say why the customers are handed over."),
    )


class PoolError(ErrorCode):
    NOT_IN_POOL = (
        "customer.pool_not_in_pool",
        409,
        _("This customer is not in the public pool (someone may have claimed it just now)."),
    )
    CLAIM_LIMIT = (
        "customer.pool_claim_limit",
        409,
        _("You already own {limit} customers, the most one may own; release one first."),
    )
    RECLAIM_TOO_SOON = (
        "customer.pool_reclaim_too_soon",
        409,
        _("This customer returned to the pool from you; you may claim it again from {date}."),
    )
    NO_OWNER = ("customer.pool_no_owner", 409, _("This customer is already in the pool."))
    REASON_REQUIRED = (
        "customer.pool_reason_required",
        422,
        _("Say why the customer goes back to the pool."),
    )


class MergeError(ErrorCode):
    INTO_ITSELF = ("customer.merge_into_itself", 422, _("A customer cannot be merged into itself."))
    ALREADY_MERGED = (
        "customer.merge_already_merged",
        409,
        _("{customer} has already been merged into another customer."),
    )
    REASON_REQUIRED = (
        "customer.merge_reason_required",
        422,
        _("Say why these two customers are one."),
    )

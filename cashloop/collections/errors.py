"""Error codes of dunning policies, levels, exclusions and runs."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class DunningError(ErrorCode):
    POLICY_NOT_FOUND = ("dunning_policy.not_found", 404, _("No such dunning policy."))
    POLICY_NAME_TAKEN = (
        "dunning_policy.name_taken",
        409,
        _("A dunning policy named {name} already exists."),
    )
    SECOND_DEFAULT = (
        "dunning_policy.second_default",
        409,
        _("“{name}” is already the default policy; there can be only one."),
    )
    POLICY_IN_USE = (
        "dunning_policy.in_use",
        409,
        _("Customers use this policy; assign them another one first."),
    )
    NO_LEVELS = ("dunning_policy.no_levels", 422, _("A policy needs at least one level."))
    LEVELS_OUT_OF_ORDER = (
        "dunning_level.out_of_order",
        422,
        _(
            "Levels must come in order of days overdue: “{name}” ({days}) comes after a"
            " level from {previous} days."
        ),
    )
    LEVELS_OVERLAP = (
        "dunning_level.overlap",
        422,
        _("Two levels start on the same day ({days} days overdue); each needs its own day."),
    )
    LEVEL_INVALID = ("dunning_level.invalid", 422, _("Level {position} is not valid: {reason}"))
    TEMPLATE_INVALID = (
        "dunning_level.template_invalid",
        422,
        _("The message template of level {position} does not read: {reason}"),
    )
    EXCLUSION_IN_PAST = (
        "dunning_exclusion.end_in_past",
        422,
        _("The exclusion must end today or later; {until} has passed."),
    )
    EXCLUSION_NOT_FOUND = ("dunning_exclusion.not_found", 404, _("No such exclusion."))
    INVOICE_NOT_FOUND = (
        "dunning_exclusion.invoice_not_found",
        404,
        _("No such invoice, or it is not yours to see."),
    )
    LOG_NOT_FOUND = ("dunning_log.not_found", 404, _("No such dunning log entry."))
    COLLECTOR_INVALID = (
        "customer_dunning.collector_invalid",
        422,
        _("The collector must be an active user."),
    )

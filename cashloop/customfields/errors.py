"""Error codes of custom fields."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class CustomFieldError(ErrorCode):
    INVALID = (
        "custom_field.invalid",
        422,
        _("Custom field {key}: {reason}"),
    )
    NOT_FOUND = ("custom_field.not_found", 404, _("No such custom field."))
    KEY_TAKEN = (
        "custom_field.key_taken",
        409,
        _("The key {key} is already used by a field of this object type."),
    )
    KEY_INVALID = (
        "custom_field.key_invalid",
        422,
        _("A key is a lower-case letter, then letters, digits or underscores (at most 50)."),
    )
    KEY_IMMUTABLE = ("custom_field.key_immutable", 422, _("A field's key cannot change."))
    KIND_IMMUTABLE = (
        "custom_field.kind_immutable",
        422,
        _("A field's kind cannot change once it exists; retire it and add another."),
    )
    BAD_DEFINITION = ("custom_field.bad_definition", 422, _("The field is not valid: {reason}"))
    BAD_PATTERN = (
        "custom_field.bad_pattern",
        422,
        _("The pattern is not a valid regular expression."),
    )
    ALREADY_RETIRED = ("custom_field.already_retired", 409, _("This field is already retired."))
    NOT_RETIRED = ("custom_field.not_retired", 409, _("This field is not retired."))
    LAYOUT_UNKNOWN_KEY = (
        "custom_field.layout_unknown_key",
        422,
        _("The layout names a field that does not exist or is retired: {key}."),
    )
    BAD_FILTER = ("custom_field.bad_filter", 422, _("Cannot filter {key} by “{value}”."))

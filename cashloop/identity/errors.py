"""Error codes of identity."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class IdentityError(ErrorCode):
    TOKEN_READ_ONLY = ("token.read_only", 403, _("This API token is read-only."))
    TOKEN_EXPIRY_INVALID = (
        "token.expiry_invalid",
        422,
        _("A token must expire in 1 to {max_days} days."),
    )
    TOKEN_NOT_FOUND = ("token.not_found", 404, _("No such API token."))
    USERNAME_TAKEN = ("user.username_taken", 409, _("This user name is already taken."))
    USER_NOT_FOUND = ("user.not_found", 404, _("No such user."))
    ROLE_NOT_FOUND = ("role.not_found", 404, _("No such role."))
    ROLE_CODE_TAKEN = ("role.code_taken", 409, _("A role with the code {code} exists already."))
    ROLE_GRANT_UNKNOWN = (
        "role.grant_unknown",
        422,
        _("Unknown object type or action in the grants: {object_type} / {action}."),
    )
    ROLE_FIELD_RULE_INVALID = (
        "role.field_rule_invalid",
        422,
        _("A field rule is not valid: {object_type} / {field} / {rule}."),
    )
    ROLE_BUILTIN = (
        "role.builtin",
        409,
        _("A built-in role cannot be deleted; change its grants instead."),
    )
    LAST_ADMIN = (
        "identity.last_admin",
        409,
        _("This change would leave nobody able to manage roles, so it was refused."),
    )
    SHARE_NOT_FOUND = ("share.not_found", 404, _("No such share."))
    SHARE_TARGET_INVALID = (
        "share.target_invalid",
        422,
        _("Share with exactly one user or one team."),
    )
    SHARE_EXPIRY_PAST = ("share.expiry_past", 422, _("A share must expire in the future."))
    SHARE_NOT_ALLOWED = (
        "share.not_allowed",
        403,
        _("Only the customer's owner, a manager over it or an administrator may share it."),
    )

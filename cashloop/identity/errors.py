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

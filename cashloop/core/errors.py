"""Domain errors with stable codes, shared by the API envelope and the page forms.

Each app lists its codes in an `errors.py` enum of `ErrorCode`; a member carries its
stable code string, the HTTP status the API answers with, and a translatable message
that may use `{placeholders}` filled from the error's params.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(Enum):
    """Base of every app's error enum: value is the code, plus status and message."""

    def __init__(self, code: str, status: int, message: Promise) -> None:
        self.code = code
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return self.code


class CoreError(ErrorCode):
    VALIDATION = ("validation.invalid", 422, _("Some fields are not valid."))
    UNKNOWN_FIELD = ("validation.unknown_field", 422, _("Unknown field: {field}."))
    RATE_LIMITED = (
        "api.rate_limited",
        429,
        _("Too many requests: this token may make {limit} a minute. Try again shortly."),
    )
    COUNTRY_INVALID = (
        "country.invalid",
        422,
        _("A country is two letters of ISO 3166, such as CN."),
    )
    REQUEST_INVALID = ("request.invalid", 422, _("The request is not valid."))
    BAD_REQUEST = ("request.malformed", 400, _("The request could not be read."))
    SORT_INVALID = (
        "request.sort_invalid",
        422,
        _("This list cannot be sorted so; sort by one to three of: {allowed}."),
    )
    CURSOR_INVALID = (
        "request.cursor_invalid",
        422,
        _("This cursor does not belong to this list and order; start again from the first page."),
    )
    VALUE_REJECTED = (
        "request.value_rejected",
        422,
        _("A value does not fit the field it is meant for: too long or out of range."),
    )
    CURSOR_WITH_OFFSET = (
        "request.cursor_with_offset",
        422,
        _("Send either a cursor or an offset, not both."),
    )
    NOT_AUTHENTICATED = ("auth.required", 401, _("Please sign in or send a valid API token."))
    PERMISSION_DENIED = ("permission.denied", 403, _("You are not allowed to do this."))
    NOT_FOUND = ("not_found", 404, _("Not found."))
    CONFLICT = ("conflict", 409, _("The record changed meanwhile; please try again."))
    UNKNOWN_CURRENCY = ("money.unknown_currency", 422, _("Unknown currency: {currency}."))
    SEQUENCE_OUTSIDE_TRANSACTION = (
        "sequence.outside_transaction",
        500,
        _("A document number can only be taken inside a transaction."),
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency.key_reused",
        409,
        _("This Idempotency-Key was already used with a different request."),
    )
    IDEMPOTENCY_IN_PROGRESS = (
        "idempotency.in_progress",
        409,
        _("A request with this Idempotency-Key is still being processed."),
    )
    IDEMPOTENCY_KEY_INVALID = (
        "idempotency.key_invalid",
        400,
        _("An Idempotency-Key must be 1 to 255 printable characters."),
    )
    SEED_NOT_EMPTY = (
        "seed.database_not_empty",
        409,
        _("The database already holds customers; seed only an empty database."),
    )


class DomainError(Exception):
    """A refusal the user can understand; nothing was changed when it is raised."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | Promise | None = None,
        /,
        *,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.params = params
        self._message = message
        self.details = details or {}
        super().__init__(code.code)

    @property
    def status(self) -> int:
        return self.code.status

    @property
    def message(self) -> str:
        template = self._message if self._message is not None else self.code.message
        text = str(template)
        return text.format(**self.params) if self.params else text

    def as_envelope(self) -> dict[str, Any]:
        return {"error": {"code": self.code.code, "message": self.message, "details": self.details}}

    def __str__(self) -> str:
        return f"{self.code.code}: {self.message}"


def validation_error_from_django(exc: ValidationError) -> DomainError:
    """Turn a Django model `ValidationError` into our 422 with per-field details."""
    if hasattr(exc, "error_dict"):
        details = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    else:
        details = {"__all__": [str(m) for m in exc.messages]}
    return DomainError(CoreError.VALIDATION, details=details)


def full_clean_or_raise(
    instance: Any, *, validate_unique: bool = False, exclude: Collection[str] = ()
) -> None:
    """Run a model's own validation; refusals leave as our 422 with per-field details.

    Uniqueness and other database constraints are left to the database (and to the
    services' own checks) unless asked for: checking them here costs a query each, as does
    each foreign key not `exclude`d (a service that fetched the related row itself excludes it).
    """
    try:
        instance.full_clean(
            exclude=exclude,
            validate_unique=validate_unique,
            validate_constraints=validate_unique,
        )
    except ValidationError as exc:
        raise validation_error_from_django(exc) from exc

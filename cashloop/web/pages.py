"""What every app's pages do with a refusal and with a role's grants.

A service refuses with a `DomainError`.  On a page, a record that is missing or out of
scope (404) is the 404 page and no right at all (`DENIED`) the 403 page, as in the API;
any other refusal (bad input, a conflict, a rule such as "only your own team's reps") is
shown where it arose, in the form or as a message.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.scoping import may

# No right to the page at all, as opposed to a business rule that refuses one action.
DENIED = (CoreError.PERMISSION_DENIED, CoreError.NOT_AUTHENTICATED)


def page_error(exc: DomainError) -> NoReturn:
    """Raise the refusal as the page Django shows for it (404, 403), or as it is."""
    if exc.status == 404:
        raise Http404(exc.message)
    if exc.status in (401, 403):
        raise PermissionDenied(exc.message)
    raise exc


def refuse_or_show(exc: DomainError) -> None:
    """Let missing records and denied rights become their pages; return for the others."""
    if exc.status == 404 or exc.code in DENIED:
        page_error(exc)


def need(user: Any, action: str, model: type[models.Model]) -> None:
    """The 403 page unless some role grants `action` on `model`."""
    if not may(user, action, model):
        page_error(DomainError(CoreError.PERMISSION_DENIED))

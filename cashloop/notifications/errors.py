"""Error codes of notifications."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class NotificationError(ErrorCode):
    NOT_FOUND = ("notification.not_found", 404, _("Notification not found."))

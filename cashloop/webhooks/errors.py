"""Error codes of webhooks."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class WebhookError(ErrorCode):
    NOT_FOUND = ("webhook.not_found", 404, _("No such webhook subscription."))
    DELIVERY_NOT_FOUND = ("webhook.delivery_not_found", 404, _("No such webhook delivery."))
    URL_SCHEME = ("webhook.url_scheme", 422, _("A webhook URL starts with http:// or https://."))
    URL_PRIVATE = (
        "webhook.url_private",
        422,
        _("The webhook URL points to a private or local address, which is not allowed."),
    )
    URL_UNRESOLVED = ("webhook.url_unresolved", 422, _("The webhook URL's host is not known."))
    EVENT_UNKNOWN = ("webhook.event_unknown", 422, _("Unknown event: {event}."))
    NO_EVENTS = ("webhook.no_events", 422, _("Subscribe to at least one event."))

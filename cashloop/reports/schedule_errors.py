"""Error codes of report schedules (decision 064): what a schedule refuses, and why."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ScheduleError(ErrorCode):
    NOT_FOUND = ("report.schedule_not_found", 404, _("No such report schedule."))
    UNKNOWN_REPORT = (
        "report.unknown_report",
        422,
        _("There is no report “{value}” to schedule: choose ar_summary or revenue."),
    )
    BAD_FREQUENCY = (
        "report.bad_frequency",
        422,
        _("Send a report weekly or monthly, not “{value}”."),
    )
    BAD_WEEKDAY = (
        "report.bad_weekday",
        422,
        _("A weekly report needs a weekday from 0 (Monday) to 6 (Sunday)."),
    )
    BAD_DAY = (
        "report.bad_day",
        422,
        _("A monthly report needs a day of the month from 1 to 28."),
    )
    NO_FORMAT = ("report.no_format", 422, _("Send the report as PDF, Excel or both."))
    NO_RECIPIENTS = ("report.no_recipients", 422, _("Choose at least one recipient."))
    RECIPIENT_UNKNOWN = ("report.recipient_unknown", 422, _("There is no active user {value}."))
    RECIPIENT_NO_EMAIL = (
        "report.recipient_no_email",
        422,
        _("{name} has no email address to send the report to."),
    )
    RECIPIENT_DENIED = (
        "report.recipient_denied",
        422,
        _("{name} may not read this report, so it cannot be sent to them."),
    )
    BAD_LANGUAGE = (
        "report.bad_language",
        422,
        _("Write the report in zh-hans or en, not “{value}”."),
    )

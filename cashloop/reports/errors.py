"""Error codes of reports: what a report refuses to compute, and why."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ReportError(ErrorCode):
    BAD_DATE = (
        "report.bad_date",
        422,
        _("{field} must be a date written as YYYY-MM-DD, not “{value}”."),
    )
    BAD_BUCKETS = (
        "report.bad_buckets",
        422,
        _(
            "Buckets are increasing whole numbers of days above zero, separated by commas "
            "(such as 30,60,90,120), at most {most} of them."
        ),
    )
    BAD_BASIS = (
        "report.bad_basis",
        422,
        _("Age by “due” (the due date) or “invoice” (the invoice date), not “{value}”."),
    )
    BAD_BUCKET = ("report.bad_bucket", 422, _("There is no bucket “{value}” in this report."))
    BAD_PERIOD = (
        "report.bad_period",
        422,
        _("The period must start on or before the as-of date."),
    )
    BAD_FORMAT = ("report.bad_format", 422, _("Export as csv or xlsx, not “{value}”."))
    PERIOD_TOO_LONG = (
        "report.period_too_long",
        422,
        _("The period may cover at most {most} months."),
    )

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
    BAD_MEASURE = (
        "report.bad_measure",
        422,
        _("Measure revenue as recognised, invoiced, collected or backlog, not “{value}”."),
    )
    BAD_DIMENSION = (
        "report.bad_dimension",
        422,
        _(
            "Break revenue down by customer, customer_group, product, product_family, rep, "
            "team, region or period, not “{value}”."
        ),
    )
    BAD_GRAIN = (
        "report.bad_grain",
        422,
        _("Group the periods by month, quarter or year, not “{value}”."),
    )
    BAD_COMPARE = (
        "report.bad_compare",
        422,
        _("Compare with previous, year, both or none, not “{value}”."),
    )
    BAD_RANGE = ("report.bad_range", 422, _("“From” must be on or before “to”."))
    BAD_KEY = (
        "report.bad_key",
        422,
        _("“{value}” is not a value of the dimension {dimension}."),
    )
    DIMENSION_UNAVAILABLE = (
        "report.dimension_unavailable",
        422,
        _(
            "{measure} revenue cannot be broken down by {dimension}: its documents do not "
            "name products."
        ),
    )

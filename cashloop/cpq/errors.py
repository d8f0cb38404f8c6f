"""Error codes of the catalog, price books, discount rules and quotes."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class CatalogError(ErrorCode):
    PRODUCT_NOT_FOUND = ("product.not_found", 404, _("No such product."))
    FAMILY_NOT_FOUND = ("product_family.not_found", 404, _("No such product family."))
    REVENUE_ACCOUNT_NOT_FOUND = (
        "product.revenue_account_not_found",
        422,
        _("No such revenue account in the chart of accounts."),
    )
    PRICE_BOOK_NOT_FOUND = ("price_book.not_found", 404, _("No such price book."))
    CUSTOMER_PRICE_NOT_FOUND = (
        "customer_price.not_found",
        404,
        _("No such contracted price, or it is not yours to see."),
    )
    DISCOUNT_RULE_NOT_FOUND = ("discount_rule.not_found", 404, _("No such discount rule."))
    GROUP_NOT_FOUND = ("customer_group.not_found", 404, _("No such customer group."))
    CODE_TAKEN = ("catalog.code_taken", 409, _("The code {code} is already taken."))
    FAMILY_CYCLE = (
        "product_family.cycle",
        422,
        _("A family cannot sit under itself or under one of its own sub-families."),
    )
    BUNDLE_COMPONENT = (
        "product.bad_component",
        422,
        _("Component {n}: {reason}."),
    )
    TAX_RATE = ("product.tax_rate", 422, _("{rate} is not a tax rate in use."))
    COST_NEGATIVE = ("product.cost_negative", 422, _("A standard cost cannot be negative."))
    BAD_TIER = ("price_book.bad_tier", 422, _("Price {n}: {reason}."))
    PERIOD = ("catalog.period", 422, _("The validity ends before it starts."))
    DISCOUNT_LIMITS = (
        "discount_rule.limits",
        422,
        _("The discount must be between 0 and its maximum, and the maximum below 100%."),
    )
    IN_USE = ("catalog.in_use", 409, _("This record is used by quotes or prices; deactivate it."))


class QuoteError(ErrorCode):
    NOT_FOUND = ("quote.not_found", 404, _("No such quote, or it is not yours to see."))
    CUSTOMER_OR_LEAD = (
        "quote.customer_or_lead",
        422,
        _("A quote is for one customer or one lead: name exactly one."),
    )
    DATES = ("quote.dates", 422, _("A quote cannot be valid until a date before the quote date."))
    NO_PRICE = (
        "quote.no_price",
        422,
        _("{product} has no price in {currency} on {date}."),
    )
    INACTIVE_PRODUCT = ("quote.inactive_product", 422, _("{product} is no longer sold."))
    BAD_LINE = ("quote.bad_line", 422, _("Line {n}: {reason}."))
    FREE_LINE_NOT_ALLOWED = (
        "quote.free_line_not_allowed",
        403,
        _("Only those who keep the catalog may add lines that are not in it (line {n})."),
    )
    COMPONENT_REQUIRED = (
        "quote.component_required",
        422,
        _("{component} is a required part of {bundle} and cannot be left out."),
    )
    NOT_DRAFT = (
        "quote.not_draft",
        409,
        _("Only a draft quote can be changed; this one is {status}. Revise it instead."),
    )
    WRONG_STATUS = (
        "quote.wrong_status",
        409,
        _("This cannot be done to a quote that is {status}."),
    )
    NO_LINES = ("quote.no_lines", 422, _("A quote needs at least one line with an amount."))
    DISCOUNT_OVER_MAX = (
        "quote.discount_over_max",
        422,
        _(
            "Line {n} gives a discount of {percent} percent, above the {max} percent its rule "
            "allows, and no approval flow applies."
        ),
    )
    PLAN_INVALID = ("quote.plan_invalid", 422, _("Payment plan item {n}: {reason}."))
    PLAN_SUM = (
        "quote.plan_sum",
        422,
        _("The proposed payment plan sums to {plan}, not to the quote total {total}."),
    )
    REASON_REQUIRED = ("quote.reason_required", 422, _("Say why the quote is rejected."))
    NO_RECIPIENT = (
        "quote.no_recipient",
        422,
        _("There is no email address to send the quote to."),
    )

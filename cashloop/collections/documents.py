"""The texts of dunning: a level's message rendered for one customer, the letter PDF, and
the customer's statement PDF every reminder email carries (decision 051).

A level's subject and body are Django templates run in a plain engine (no loaders, no
escaping: the message is plain text), like contract terms (cashloop.contracts.terms).
Placeholders: `{{ customer.name }}`, `{{ customer.code }}`, `{{ level }}`, `{{ items }}`
(the open items table), `{{ total }}`, `{{ today }}`.  An empty text takes the built-in
one in the customer's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cashloop.collections.errors import DunningError
from cashloop.collections.models import DunningLevel, DunningLog
from cashloop.collections.selectors import CustomerPlan, PolicyResolver, log_plan, policies
from cashloop.core.errors import DomainError
from cashloop.core.money import format_money

_ENGINE = Engine(autoescape=False)


def default_texts() -> tuple[str, str]:
    """The built-in subject and body, in the active language."""
    subject = _("Payment reminder: {{ level }}")
    body = _(
        "Dear {{ customer.name }},\n\n"
        "according to our records the following items are open:\n\n"
        "{{ items }}\n\n"
        "Total open: {{ total }}\n\n"
        "Please arrange payment, or tell us if you have already paid.\n\n"
        "Kind regards"
    )
    return subject, body


def template_check(text: str, *, position: int) -> None:
    """Refuse a template that does not parse (at save time, not at 6 a.m.)."""
    try:
        _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise DomainError(
            DunningError.TEMPLATE_INVALID, position=position, reason=str(exc)
        ) from None


class MessageRenderer:
    """Renders the messages of a run; each level's templates are parsed once per language."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._parsed: dict[tuple[int, str], tuple[Template, Template]] = {}
        self._amounts: dict[tuple[Decimal, str, str], str] = {}

    @cached_property
    def resolver(self) -> PolicyResolver:
        """The policies, read once for all the logs this renderer writes."""
        return PolicyResolver(policies())

    def money(self, amount: Decimal, currency: str) -> str:
        """`format_money`, remembered: a run formats the same amounts for many customers."""
        key = (amount, currency, translation.get_language() or "")
        if key not in self._amounts:
            self._amounts[key] = format_money(amount, currency)
        return self._amounts[key]

    def _templates(self, level: DunningLevel, language: str) -> tuple[Template, Template]:
        key = (level.pk, language)
        if key not in self._parsed:
            subject, body = level.template(language)
            with translation.override(language):
                default_subject, default_body = default_texts()
            self._parsed[key] = (
                _ENGINE.from_string(subject or default_subject),
                _ENGINE.from_string(body or default_body),
            )
        return self._parsed[key]

    def render(self, plan: CustomerPlan) -> tuple[str, str]:
        subject_tpl, body_tpl = self._templates(plan.level, plan.language)
        with translation.override(plan.language):
            context = Context(
                {
                    "customer": {"name": plan.name, "code": plan.code},
                    "level": plan.level.name,
                    "items": items_table(plan, self.money),
                    "total": "; ".join(
                        self.money(amount, currency)
                        for currency, amount in sorted(plan.totals().items())
                    ),
                    "today": self.today.isoformat(),
                }
            )
            return subject_tpl.render(context).strip()[:200], body_tpl.render(context)


def items_table(plan: CustomerPlan, money: Callable[[Decimal, str], str] = format_money) -> str:
    """The open items as plain text lines: invoice, installment, due date, days, amount."""
    lines = []
    for item in plan.items:
        if item.days_overdue >= 0:
            when = _("%(days)s days overdue") % {"days": item.days_overdue}
        else:
            when = _("due in %(days)s days") % {"days": -item.days_overdue}
        lines.append(
            f"{item.invoice_number}/{item.sequence}  {item.due_date.isoformat()}  {when}  "
            f"{money(item.residual, item.currency)}"
        )
    return "\n".join(lines)


def with_message(log: DunningLog, renderer: MessageRenderer | None = None) -> DunningLog:
    """The log with its message: as emailed, or, for one not emailed yet (or a letter only),
    rendered now in memory from the customer's items of that day (the run writes no
    message: rendering is most of its time, decision 047).  A `renderer` of the log's run
    date serves many logs (the email task)."""
    if not log.body and (log.emailed_to or log.letter):
        renderer = renderer or MessageRenderer(log.run_date)
        log.subject, log.body = renderer.render(log_plan(log, renderer.resolver))
    return log


def letter_filename(log: DunningLog) -> str:
    return f"dunning-{log.customer.code}-{log.run_date.isoformat()}.pdf"


def letter_pdf(log: DunningLog) -> bytes:
    """The reminder as a letter (WeasyPrint): the message and the items it was about."""
    import weasyprint  # imported here: only letters need it

    items = log.items.select_related("installment__invoice").order_by("installment__due_date", "id")
    with_message(log)
    with translation.override(_language_of(log)):
        html = render_to_string(
            "collections/letter_pdf.html",
            {"log": log, "items": items, "printed_at": timezone.localtime()},
        )
    return weasyprint.HTML(string=html).write_pdf()


def _language_of(log: DunningLog) -> str:
    settings = getattr(log.customer, "dunning", None)
    return settings.language if settings is not None else translation.get_language()


def statement_attachment(log: DunningLog) -> tuple[str, bytes]:
    """The customer's statement of the run's month (receivables' default period), in the
    reminder's language, as a file name and PDF."""
    from cashloop.receivables.statement import default_period, statement_of, statement_pdf

    start, end = default_period(log.run_date)
    with translation.override(_language_of(log)):
        pdf = statement_pdf(statement_of(log.customer, start=start, end=end))
    return f"statement-{log.customer.code}-{end.isoformat()}.pdf", pdf

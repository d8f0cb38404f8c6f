"""The reports a schedule mails (decision 064): what each one holds, its period, and its files.

* Weekly AR summary: the aging by customer in every currency, as of the sending day, with
  the AR KPIs in the base currency (total, overdue and its share, collected this month,
  DSO): the aging report's own selectors.
* Monthly revenue: invoiced and collected per month over the twelve whole months before
  the sending month, in the base currency: the revenue report's figures (decision 063;
  invoiced net of credit notes, collected the payments applied to invoices).

Each recipient gets the report as they would see it on the page (their own data scope)
and in their language.  The PDF is made by WeasyPrint, as statements and letters are; the
workbook by openpyxl, as the exports are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cashloop.core.dates import add_months, month_start
from cashloop.core.money import base_currency
from cashloop.core.scoping import may
from cashloop.identity.models import User
from cashloop.receivables.models import Invoice
from cashloop.reports import exports
from cashloop.reports import selectors as report_selectors
from cashloop.reports.choices import Frequency, ScheduledReport
from cashloop.reports.models import ReportSchedule
from cashloop.reports.revenue import (
    Compare,
    Dimension,
    Grain,
    Measure,
    revenue_params,
    revenue_report,
)
from cashloop.reports.selectors import AgingParams

PDF_TYPE = "application/pdf"
REVENUE_MONTHS = 12
# What reading each report takes: both read receivables, scoped to the reader's customers.
REPORT_RIGHTS: dict[str, tuple[str, type]] = {
    ScheduledReport.AR_SUMMARY: ("view", Invoice),
    ScheduledReport.REVENUE: ("view", Invoice),
}


def may_read(user: User, report: str) -> bool:
    action, model = REPORT_RIGHTS[report]
    return bool(user.is_active and may(user, action, model))


def period_due(schedule: ReportSchedule, today: date) -> str | None:
    """The period a schedule owes at `today`: its ISO week from its weekday on, or its month
    from its day on; None before then.  A job that missed the day sends later in the period."""
    if schedule.frequency == Frequency.WEEKLY:
        if schedule.weekday is None or today.weekday() < schedule.weekday:
            return None
        year, week, _day = today.isocalendar()
        return f"{year}-W{week:02d}"
    if schedule.day is None or today.day < schedule.day:
        return None
    return today.strftime("%Y-%m")


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def _ar_summary(user: User, today: date) -> dict[str, Any]:
    summary = report_selectors.aging_summary(user=user, params=AgingParams(as_of=today), limit=None)
    kpis = report_selectors.ar_kpis(
        user=user, params=AgingParams(as_of=today, currency=base_currency()), summary=summary
    )
    return {"summary": summary, "kpis": kpis, "as_of": today}


def monthly_revenue(user: User, start: date, end: date) -> list[dict[str, Any]]:
    """Invoiced and collected per month from `start` to `end` (both snapped to whole
    months), in the base currency, as the revenue report counts them for `user`."""
    found: dict[str, dict[date, Decimal]] = {}
    for measure in (Measure.INVOICED, Measure.COLLECTED):
        params = revenue_params(
            measure=measure,
            dimension=Dimension.PERIOD,
            grain=Grain.MONTH,
            date_from=start,
            date_to=end,
            compare=Compare.NONE,
        )
        report = revenue_report(user=user, params=params)
        found[measure] = {row.key: row.current for row in report.rows}
    invoiced, collected = found[Measure.INVOICED], found[Measure.COLLECTED]
    return [
        {"month": month, "invoiced": invoiced[month], "collected": collected[month]}
        for month in invoiced
    ]


def _revenue(user: User, today: date) -> dict[str, Any]:
    first = add_months(month_start(today), -REVENUE_MONTHS)
    last = month_start(today) - timedelta(days=1)
    months = monthly_revenue(user, first, last)
    return {
        "months": months,
        "invoiced": sum((m["invoiced"] for m in months), Decimal(0)),
        "collected": sum((m["collected"] for m in months), Decimal(0)),
        "currency": base_currency(),
        "date_from": first,
        "date_to": last,
        "as_of": today,
    }


def report_title(report: str) -> str:
    return str(ScheduledReport(report).label)


def report_data(report: str, user: User, today: date) -> dict[str, Any]:
    """The report's figures as `user` may see them (call inside the recipient's language)."""
    data = (
        _ar_summary(user, today) if report == ScheduledReport.AR_SUMMARY else _revenue(user, today)
    )
    return {**data, "report": report, "title": report_title(report), "reader": user}


def _pdf(data: dict[str, Any]) -> bytes:
    import weasyprint  # imported here: only the mailed reports need it

    html = render_to_string(
        "reports/schedule_pdf.html", {**data, "printed_at": timezone.localtime()}
    )
    return weasyprint.HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def _ar_book(data: dict[str, Any]) -> Workbook:
    book = exports.aging_book(data["summary"])
    kpis = data["kpis"]
    sheet = book.create_sheet(_("AR KPIs"))
    sheet.append([_("As of"), kpis.as_of.isoformat()])
    sheet.append([_("Currency"), kpis.currency])
    sheet.append([_("Total receivables"), kpis.total])
    sheet.append([_("Overdue"), kpis.overdue])
    sheet.append([_("Overdue share (%)"), kpis.overdue_percent])
    sheet.append([_("Collected this month"), kpis.collected])
    sheet.append(["DSO", kpis.dso])
    return book


def _revenue_book(data: dict[str, Any]) -> Workbook:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Revenue"))
    sheet.append([_("Month"), _("Invoiced"), _("Collected")])
    for row in data["months"]:
        sheet.append([row["month"].strftime("%Y-%m"), row["invoiced"], row["collected"]])
    sheet.append([_("Total"), data["invoiced"], data["collected"]])
    sheet.append([_("Currency"), data["currency"]])
    return book


def _xlsx(data: dict[str, Any]) -> bytes:
    book = _ar_book(data) if data["report"] == ScheduledReport.AR_SUMMARY else _revenue_book(data)
    return exports.book_bytes(book)


def report_files(data: dict[str, Any], formats: list[str]) -> list[Attachment]:
    """The report as each format asked for (call inside the recipient's language)."""
    stem = f"{data['report']}-{data['as_of'].isoformat()}"
    files = []
    if "pdf" in formats:
        files.append(Attachment(f"{stem}.pdf", _pdf(data), PDF_TYPE))
    if "xlsx" in formats:
        files.append(Attachment(f"{stem}.xlsx", _xlsx(data), exports.XLSX_TYPE))
    return files

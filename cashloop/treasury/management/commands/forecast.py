"""`cashloop forecast backtest --as-of DATE [--as-of DATE ...]`: how well the payment-behaviour
model predicted payment dates on past days, against the naive forecasts (decision 053);
`cashloop forecast accuracy`: how well the kept forecasts did (decision 055)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from cashloop.core.errors import DomainError
from cashloop.treasury.accuracy import accuracy
from cashloop.treasury.backtest import INFLOW_WEEKS, METHODS, BacktestResult, backtest
from cashloop.treasury.history import payment_history

COLUMNS = (
    ("as of", 10),
    ("learnt", 8),
    ("evaluated", 9),
    ("open", 7),
    *((f"MAE {method}", 13) for method in METHODS),
    ("x due", 6),
    ("x avg", 6),
    *((f"timing {method}", 13) for method in METHODS),
    ("WAPE 4w", 8),
    ("WAPE due", 8),
    ("P10-P90", 7),
)


def _date(value: str) -> date:
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)")
    return day


class Command(BaseCommand):
    help = "Backtest the payment-behaviour model on past days and print its errors."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser(
            "backtest",
            help="Rebuild the model from what was known on each day, predict the payment date"
            " of every installment open then, and compare with what happened.",
        )
        run.add_argument("--as-of", action="append", required=True, type=_date, dest="as_of")
        actions.add_parser(
            "accuracy",
            help="Score the kept forecasts' passed weeks against the payments that came in.",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["action"] == "accuracy":
            self._accuracy()
            return
        history = payment_history()
        today = timezone.localdate()
        results: list[BacktestResult] = []
        for as_of in sorted(options["as_of"]):
            try:
                results.append(backtest(history, as_of, today))
            except DomainError as error:
                raise CommandError(f"{error.code.code}: {error.message}") from None
        self.stdout.write("  ".join(name.rjust(width) for name, width in COLUMNS))
        for result in results:
            cells = (
                result.as_of.isoformat(),
                str(result.learnt_from),
                str(result.evaluated),
                str(result.still_open),
                *(f"{result.score(method).mae_days:.1f}" for method in METHODS),
                f"{result.ratio('due_date'):.2f}",
                f"{result.ratio('customer_average'):.2f}",
                *(f"{result.score(method).timing:.1%}" for method in METHODS),
                *(
                    (
                        f"{result.inflow.wape:.1%}",
                        f"{result.inflow.wape_due_date:.1%}",
                        f"{result.inflow.covered}/{INFLOW_WEEKS}",
                    )
                    if result.inflow
                    else ("-", "-", "-")
                ),
            )
            self.stdout.write(
                "  ".join(
                    cell.rjust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)
                )
            )
        self.stdout.write(_summary(results))

    def _accuracy(self) -> None:
        for line in _accuracy_lines():
            self.stdout.write(line)


def _summary(results: list[BacktestResult]) -> str:
    """The figures over all days: errors weighted by the installments scored, inflow errors
    by the weeks' actual amounts, coverage over all weeks."""
    count = sum(r.evaluated for r in results)
    mae = {m: sum(r.score(m).mae_days * r.evaluated for r in results) / count for m in METHODS}
    text = (
        f"all days: MAE model {mae['model']:.1f} days, {mae['due_date'] / mae['model']:.2f}x"
        f" better than the due date, {mae['customer_average'] / mae['model']:.2f}x than the"
        " customer's average"
    )
    scored = [r.inflow for r in results if r.inflow is not None]
    actual = sum(sum(i.actual) for i in scored)
    if actual:
        wape = sum(sum(abs(a - p) for a, p in zip(i.actual, i.p50, strict=True)) for i in scored)
        naive = sum(
            sum(abs(a - p) for a, p in zip(i.actual, i.due_date, strict=True)) for i in scored
        )
        weeks = INFLOW_WEEKS * len(scored)
        covered = sum(i.covered for i in scored)
        text += (
            f"; {INFLOW_WEEKS}-week inflow WAPE {wape / actual:.1%} (due date"
            f" {naive / actual:.1%}), P10-P90 coverage {covered / weeks:.0%} of {weeks} weeks"
        )
    return text


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _accuracy_lines() -> list[str]:
    scores = accuracy(timezone.localdate())
    lines = [f"{scores.forecasts} kept forecasts with weeks passed"]
    lines.append("weeks ahead   pairs   WAPE   WAPE due date   within P10-P90")
    lines += [
        f"{h.weeks_ahead:>11} {h.pairs:>7} {_percent(h.wape):>6} {_percent(h.wape_due_date):>15}"
        f" {_percent(h.coverage):>16}"
        for h in scores.horizons
    ]
    return lines

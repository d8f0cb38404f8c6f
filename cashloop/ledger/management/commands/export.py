"""`cashloop export <kind> --format <format>`: write data out of Cashloop.

Kinds and their formats are a dispatch table (`EXPORTERS`); later issues add theirs.
`ledger` in `beancount` writes the journal (cashloop/ledger/export.py), in `vouchers` the
vouchers CSV of Chinese accounting software (cashloop/ledger/vouchers.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from cashloop.ledger.export import ExportSummary, Writable, beancount_write
from cashloop.ledger.vouchers import vouchers_write

Exporter = Callable[..., ExportSummary]

# kind -> format -> exporter(out, *, date_from, date_to)
EXPORTERS: dict[str, dict[str, Exporter]] = {
    "ledger": {"beancount": beancount_write, "vouchers": vouchers_write},
}


class _Stdout:
    """Stream text to the command's stdout as it is, without Django's added newlines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str, /) -> None:
        self.wrapper.write(text, ending="")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Export data, e.g. `export ledger --format beancount --output ledger.beancount`."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("kind", help=f"what to export: {', '.join(sorted(EXPORTERS))}")
        parser.add_argument(
            "--format",
            dest="format",
            required=True,
            help="output format; ledger: " + ", ".join(sorted(EXPORTERS["ledger"])),
        )
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--from", dest="date_from", help="first date, YYYY-MM-DD (inclusive)")
        parser.add_argument("--to", dest="date_to", help="last date, YYYY-MM-DD (inclusive)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind, fmt = options["kind"], options["format"]
        formats = EXPORTERS.get(kind)
        if formats is None:
            raise CommandError(f"unknown export {kind!r}; known: {', '.join(sorted(EXPORTERS))}")
        exporter = formats.get(fmt)
        if exporter is None:
            raise CommandError(
                f"unknown format {fmt!r} for {kind}; known: {', '.join(sorted(formats))}"
            )
        date_from = _date(options["date_from"], "--from")
        date_to = _date(options["date_to"], "--to")
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from is after --to")

        output = options["output"]
        if not output:
            exporter(_Stdout(self.stdout), date_from=date_from, date_to=date_to)
            return
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as stream:
                out: Writable = stream
                summary = exporter(out, date_from=date_from, date_to=date_to)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"exported {summary.entries} entries ({summary.lines} lines, "
            f"{summary.accounts} accounts) to {target}"
        )

"""`cashloop verify`: prove that every balance shown equals what the ledger holds."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cashloop.core.verify import verify_all


class Command(BaseCommand):
    help = "Recompute balances from the ledger and open items; exit 1 on any difference."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        results = verify_all()
        failed = 0
        for result in results:
            mark = "ok  " if result.ok else "FAIL"
            self.stdout.write(f"{mark} {result.name} ({result.checked} checked)")
            for problem in result.problems:
                self.stdout.write(f"     - {problem}")
            failed += 0 if result.ok else 1
        if failed:
            raise CommandError(f"verify found differences in {failed} of {len(results)} checks")
        self.stdout.write(f"verify: all {len(results)} checks passed")

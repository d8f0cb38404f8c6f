"""`verify`: recompute what the system shows from what it posted, and list every difference.

Each app that keeps money may have a `verify.py` with `CHECKS`, a list of functions that
take nothing and return a `CheckResult`.  `verify_all()` runs them in app order; the
`cashloop verify` command and the admin page print the results, and anything found makes
the command exit non-zero.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _checks() -> list[Callable[[], CheckResult]]:
    found: list[Callable[[], CheckResult]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("cashloop."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.verify")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.verify":
                raise
            continue
        found.extend(getattr(module, "CHECKS", ()))
    return found


def verify_all() -> list[CheckResult]:
    return [check() for check in _checks()]

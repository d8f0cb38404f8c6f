"""Template context for the page shell: the navigation and the active section."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cashloop.web.navigation import SECTIONS


def navigation(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    active = ""
    if match is not None:
        active = match.kwargs.get("section") or {
            "customers": "customers",
            "ledger": "ledger",
            "identity": "settings",
            "sales": "pipeline",
            "approvals": "approvals",
            "contracts": "contracts",
            "banking": "statement_lines",
            "workbench": "workbench",
        }.get(match.namespace, match.url_name or "")
        if match.namespace == "web" and match.url_name in {"dashboard", "settings"}:
            active = match.url_name
        if match.namespace == "customers" and match.url_name == "todo":
            active = "todo"
        if match.namespace == "customers" and match.url_name in {"pool", "pool_settings"}:
            active = "pool"
        if match.namespace == "receivables":
            is_payment = (match.url_name or "").startswith("payment")
            active = "payments" if is_payment else "invoices"
    return {
        "nav_sections": SECTIONS,
        "nav_active": active,
        # A callable, so that fragments that never show the bell never count.
        "notifications_unread": lambda: _unread(request),
    }


def _unread(request: HttpRequest) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from cashloop.notifications.selectors import notification_unread_count

    return notification_unread_count(user=user)

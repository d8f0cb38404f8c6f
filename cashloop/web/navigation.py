"""The product's navigation: every section, built or not, in one list.

A section that has not been built yet still appears, and its page says so plainly
instead of pretending.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise
    url_name: str
    built: bool
    description: Promise


SECTIONS: tuple[Section, ...] = (
    Section("dashboard", _("Dashboard"), "web:dashboard", True, _("Your day at a glance.")),
    Section(
        "customers",
        _("Customers"),
        "customers:list",
        True,
        _("Customers and contacts: company assets, not the rep's."),
    ),
    Section(
        "todo",
        _("My to-do"),
        "customers:todo",
        True,
        _("Open next steps of your customers' interactions, overdue first."),
    ),
    Section(
        "approvals",
        _("Approvals"),
        "approvals:inbox",
        True,
        _("Requests waiting for you, your own requests, expense claims and work plans."),
    ),
    Section(
        "pool",
        _("Public pool"),
        "customers:pool",
        True,
        _("Customers without an owner (公海): claim one, or see what came back."),
    ),
    Section(
        "pipeline",
        _("Pipeline"),
        "sales:board",
        True,
        _("Leads, opportunities, stages and the weighted sales forecast."),
    ),
    # The key is the quote list's url name, so the shell marks the section active there.
    Section(
        "quotes",
        _("Quotes"),
        "cpq:quotes",
        True,
        _("Quotes built from the catalog, price books and discount rules (CPQ)."),
    ),
    Section(
        "contracts",
        _("Contracts"),
        "contracts:list",
        True,
        _("Quotes, contracts and their payment plans."),
    ),
    # The key is the calendar's url name, so the shell marks the section active there.
    Section(
        "key_dates",
        _("Key dates"),
        "revenue:key_dates",
        True,
        _("Installments due, milestones, contract ends and renewal notices, on a calendar."),
    ),
    # The key is the page's url name, so the shell marks the section active there; the
    # page links on to billing (the installments due) for those who may bill.
    Section(
        "reconciliation",
        _("Contract reconciliation"),
        "billing:reconciliation",
        True,
        _("Contracted, invoiced, collected (合同-开票-回款), and the installments due to bill."),
    ),
    Section(
        "invoices",
        _("Invoices"),
        "receivables:invoice_list",
        True,
        _("Invoices, credit notes and the receivable schedule."),
    ),
    Section(
        "payments",
        _("Payments"),
        "receivables:payment_list",
        True,
        _("Bank statements, payment recognition (认款) and write-off against invoices (核销)."),
    ),
    # The key is the statement lines' url name, so the shell marks the section active there.
    Section(
        "statement_lines",
        _("Bank statements"),
        "banking:statement_lines",
        True,
        _("Bank accounts, statement imports in every format, and the statement lines (银行流水)."),
    ),
    # The key is the workbench's url name, so the shell marks the section active there.
    Section(
        "workbench",
        _("Recognition workbench"),
        "workbench:workbench",
        True,
        _("Who paid each bank line and which invoices it pays (认款): confirm, split, undo."),
    ),
    Section(
        "ledger",
        _("Ledger"),
        "ledger:entries",
        True,
        _("Chart of accounts, journal entries, periods and verify."),
    ),
    # The key is the worklist's url name, so the shell marks the section active there.
    Section(
        "collections",
        _("Collector's worklist"),
        "worklist:collections",
        True,
        _("Collection tasks by priority, promises to pay and disputes (催收工作台)."),
    ),
    # The key is the dunning preview's url name, so the shell marks the section active there.
    Section(
        "dunning",
        _("Dunning"),
        "collections:dunning",
        True,
        _("Dunning policies and levels, the daily run's preview, and the dunning log (催收)."),
    ),
    # The key is the holds list's url name, so the shell marks the section active there.
    Section(
        "holds",
        _("Credit holds"),
        "credit:holds",
        True,
        _("Customers on credit hold, their limits, exposure and risk signals (信用管理)."),
    ),
    # The key is the ticket list's url name, so the shell marks the section active there.
    Section(
        "tickets",
        _("Service tickets"),
        "service:tickets",
        True,
        _("After-sales tickets (售后工单), their conversation and SLA, and who owes money."),
    ),
    Section(
        "treasury",
        _("Treasury"),
        "treasury:index",
        True,
        _("Cash position, budgets and the cash forecast."),
    ),
    Section(
        "documents",
        _("Documents"),
        "knowledge:document_list",
        True,
        _("Knowledge base: folders, pages, files and announcements (公告)."),
    ),
    Section(
        "reports",
        _("Reports"),
        "reports:aging",
        True,
        _("Revenue, collections and pipeline analytics."),
    ),
    Section(
        "settings",
        _("Settings"),
        "web:settings",
        True,
        _("Your API tokens; users, teams and roles."),
    ),
)

SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}

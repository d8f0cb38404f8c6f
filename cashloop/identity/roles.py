"""The built-in roles: what each may do, on which object types, over which data scope.

Grants map an object type (`app_label.model`, or `*` for every type) to the actions the
role allows (`view`, `add`, `change`, `delete`, `export`, `manage`, or `*`).  Admins edit
roles in Settings; this module only says what a new installation starts with.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cashloop.core.scoping import ALL, OWN, TEAM

CUSTOMER_TYPES = ("customers.customer", "customers.contact")
LEDGER_TYPES = ("ledger.account", "ledger.journalentry", "ledger.accountingperiod")
AR_TYPES = ("receivables.invoice", "receivables.payment", "receivables.creditnote")
SALES_TYPES = ("sales.opportunity", "sales.lead")
CATALOG_TYPES = ("cpq.product", "cpq.pricebook", "cpq.discountrule", "cpq.customerprice")
BANKING_TYPES = (
    "banking.bankaccount",
    "banking.importprofile",
    "banking.statementimport",
    "banking.statementline",
)
READ = ["view", "export"]
WRITE = ["view", "add", "change", "export"]


def _on(types: tuple[str, ...], actions: list[str]) -> dict[str, list[str]]:
    return dict.fromkeys(types, actions)


# Everyone reads the knowledge base and announcements; which documents each one sees is
# decided by the folders' and documents' own access rules (decision 035).
KNOWLEDGE_READ = _on(("knowledge.document", "knowledge.folder", "knowledge.announcement"), ["view"])
# Quotes and contracts (decision 036): reps draft and submit, managers activate, amend and
# renew, finance bills and recognises; everyone who sells or counts money reads the catalog.
CATALOG_READ = {**_on(CATALOG_TYPES, ["view"]), "customers.customergroup": ["view"]}
CONTRACT_READ = {"cpq.quote": ["view"], "contracts.contract": ["view"]}
# Credit control (decision 048): sellers read their customers' credit and ask for a hold's
# release or a new limit; finance also places holds and records risk signals.  Approval
# flows decide the release and the limit.
CREDIT_SELLER = {
    "credit.credithold": ["view", "release"],
    "credit.creditprofile": ["view"],
    "credit.risksignal": ["view"],
}
CREDIT_FINANCE = {
    "credit.credithold": ["view", "add", "release", "export"],
    "credit.creditprofile": ["view", "change", "export"],
    "credit.risksignal": ["view", "add", "export"],
}
# Treasury (decision 054): the treasurer and finance keep exchange rates, the fiscal year,
# budgets and planned items; the cash position reads the bank accounts' own grants.
TREASURY_TYPES = (
    "treasury.exchangerate",
    "treasury.treasurysettings",
    "treasury.budgetcategory",
    "treasury.budgetline",
    "treasury.planneditem",
    "treasury.forecastrun",
    "treasury.scenario",
)
TREASURY_WRITE = _on(TREASURY_TYPES, [*WRITE, "delete"])
# After-sales service (decision 049): the service agent works every ticket; sellers and
# finance read their customers' tickets (the customer 360 panel).
TICKET_AGENT = {"service.ticket": ["view", "add", "change", "reply", "assign", "export"]}
TICKET_READ = {"service.ticket": ["view"]}
# Dunning (decision 047): finance keeps the policies and runs dunning; collectors run it,
# set customers' collectors and exclusions and work the tasks; sellers read the log.
DUNNING_TYPES = (
    "collections.dunningpolicy",
    "collections.customerdunning",
    "collections.invoiceexclusion",
    "collections.collectiontask",
)
DUNNING_FINANCE = {
    **_on(DUNNING_TYPES, [*WRITE, "delete"]),
    "collections.dunninglog": ["view", "run", "export"],
}
DUNNING_COLLECTOR = {
    "collections.dunningpolicy": ["view"],
    **_on(DUNNING_TYPES[1:], WRITE),
    "collections.dunninglog": ["view", "run", "export"],
}
DUNNING_READ = {
    "collections.dunninglog": ["view"],
    "collections.collectiontask": ["view", "change"],
}
# Disputes and dunning charges (decision 051): anyone who works a customer's money may
# mark an item disputed; finance and collectors resolve (a credit note needs finance's
# right to credit); finance books and waives fees and interest.
DISPUTE_FINANCE = _on(("collections.dispute", "collections.dunningcharge"), WRITE)
DISPUTE_COLLECTOR = {"collections.dispute": WRITE, "collections.dunningcharge": READ}
DISPUTE_READ = {"collections.dispute": ["view", "add"], "collections.dunningcharge": ["view"]}
# The collector's worklist (decision 050): collectors and finance log contacts and promises
# (finance also logs the contact itself and runs the promise check); sellers read theirs.
COLLECTION_TYPES = ("collections.collectionactivity", "collections.paymentpromise")
COLLECTION_WRITE = _on(COLLECTION_TYPES, WRITE)
COLLECTION_FINANCE = {
    **COLLECTION_WRITE,
    "collections.paymentpromise": [*WRITE, "check"],
    "customers.interaction": ["view", "add"],
}
COLLECTION_READ = _on(COLLECTION_TYPES, ["view"])


BUILTIN_ROLES: dict[str, dict] = {
    "admin": {"name": _("Administrator"), "data_scope": ALL, "grants": {"*": ["*"]}},
    "sales_manager": {
        "name": _("Sales manager"),
        "data_scope": TEAM,
        "grants": {
            "knowledge.document": ["view", "add", "change", "delete"],
            "knowledge.folder": ["view", "add", "change", "delete"],
            "knowledge.announcement": ["view"],
            **_on(CUSTOMER_TYPES, [*WRITE, "delete"]),
            "customers.customer": [*WRITE, "delete", "claim", "hand_over"],
            "customers.interaction": WRITE,
            "identity.user": ["view"],
            "receivables.invoice": ["view", "add", "change", "export"],
            "receivables.payment": READ,
            "receivables.creditnote": READ,
            **_on(SALES_TYPES, WRITE),
            "sales.pipeline": ["view"],
            "sales.forecastadjustment": ["view", "add"],
            "sales.salestarget": ["view", "add", "change"],
            "sales.forecastsnapshot": ["view"],
            **CATALOG_READ,
            **_on(CATALOG_TYPES, [*WRITE, "delete"]),
            "cpq.quote": [*WRITE, "send"],
            "contracts.contract": [
                *[*WRITE, "submit", "activate", "milestone", "amend", "renew", "terminate"],
            ],
            # Credit control (decision 048): sellers see and ask; finance places and approves.
            **CREDIT_SELLER,
            **TICKET_READ,
            **DUNNING_READ,
            **DISPUTE_READ,
            **COLLECTION_READ,
        },
    },
    "sales_rep": {
        "name": _("Sales rep"),
        "data_scope": OWN,
        "grants": {
            **KNOWLEDGE_READ,
            "knowledge.document": ["view", "add", "change"],
            "customers.customer": [*WRITE, "claim"],
            "customers.contact": [*WRITE, "delete"],
            "customers.interaction": WRITE,
            "receivables.invoice": ["view", "add", "change"],
            "receivables.payment": ["view"],
            "receivables.creditnote": ["view"],
            **_on(SALES_TYPES, WRITE),
            "sales.pipeline": ["view"],
            "sales.forecastadjustment": ["view"],
            "sales.salestarget": ["view"],
            "sales.forecastsnapshot": ["view"],
            **CATALOG_READ,
            "cpq.quote": [*WRITE, "send"],
            "contracts.contract": [*WRITE, "submit", "milestone"],
            **CREDIT_SELLER,
            **TICKET_READ,
            **DUNNING_READ,
            **DISPUTE_READ,
            **COLLECTION_READ,
        },
    },
    "finance": {
        "name": _("Finance / AR clerk"),
        "data_scope": ALL,
        "grants": {
            **KNOWLEDGE_READ,
            **_on(CUSTOMER_TYPES, ["view", "change", "export"]),
            "customers.customer": ["view", "change", "export", "merge"],
            "customers.interaction": ["view"],
            "ledger.account": ["view", "add", "change", "export"],
            "ledger.journalentry": ["view", "reverse", "export"],
            "ledger.accountingperiod": ["view", "change"],
            "receivables.invoice": [
                *["view", "add", "change", "issue", "export", "credit", "write_off"],
            ],
            "receivables.payment": ["view", "add", "change", "allocate", "refund", "export"],
            "receivables.creditnote": READ,
            # The seller on e-invoices (decision 058).
            "receivables.invoicingprofile": ["view", "change"],
            # Reports mailed on a schedule (decision 064): finance keeps them, with admins.
            "reports.reportschedule": [*WRITE, "delete", "send"],
            # Migrating open items (decision 063); each row still needs its own grant.
            "imports.importjob": ["view", "add"],
            # Recognition (认款): matching a line is changing it; rules are finance's own.
            "banking.linematch": READ,
            "banking.matchrule": WRITE,
            # Bank accounts and statement imports (银行流水): finance keeps them.
            **_on(BANKING_TYPES, WRITE),
            **_on(SALES_TYPES, READ),
            "sales.pipeline": ["view"],
            "sales.forecastadjustment": ["view"],
            "sales.salestarget": ["view"],
            "sales.forecastsnapshot": ["view"],
            **CATALOG_READ,
            "cpq.quote": READ,
            "contracts.contract": [
                *[*READ, "change", "activate", "milestone", "bill", "recognise", "terminate"],
            ],
            **CREDIT_FINANCE,
            **TREASURY_WRITE,
            **TICKET_READ,
            **DUNNING_FINANCE,
            **DISPUTE_FINANCE,
            **COLLECTION_FINANCE,
        },
    },
    "collector": {
        "name": _("Collector"),
        "data_scope": ALL,
        "grants": {
            **KNOWLEDGE_READ,
            **_on(CUSTOMER_TYPES, READ),
            **_on(AR_TYPES, READ),
            "customers.interaction": ["view", "add"],
            **CONTRACT_READ,
            **DUNNING_COLLECTOR,
            **DISPUTE_COLLECTOR,
            **COLLECTION_WRITE,
        },
    },
    "treasurer": {
        "name": _("Treasurer"),
        "data_scope": ALL,
        "grants": {
            **KNOWLEDGE_READ,
            **_on(CUSTOMER_TYPES, READ),
            "customers.interaction": ["view"],
            **_on(LEDGER_TYPES, READ),
            **_on(AR_TYPES, READ),
            **_on(SALES_TYPES, READ),
            "sales.pipeline": ["view"],
            "sales.forecastadjustment": ["view"],
            "sales.salestarget": ["view"],
            "sales.forecastsnapshot": ["view"],
            **CATALOG_READ,
            **_on(("cpq.quote", "contracts.contract"), READ),
            **_on(("banking.linematch", "banking.matchrule"), READ),
            **_on(BANKING_TYPES, READ),
            **TREASURY_WRITE,
        },
    },
    "service_agent": {
        "name": _("Service agent"),
        "data_scope": ALL,
        "grants": {
            **KNOWLEDGE_READ,
            **_on(CUSTOMER_TYPES, ["view"]),
            **_on(AR_TYPES, ["view"]),
            "customers.interaction": ["view", "add"],
            **CONTRACT_READ,
            **TICKET_AGENT,
        },
    },
    "viewer": {
        "name": _("Viewer"),
        "data_scope": ALL,
        "grants": {
            **KNOWLEDGE_READ,
            **_on(CUSTOMER_TYPES, ["view"]),
            "customers.interaction": ["view"],
            **_on(LEDGER_TYPES, ["view"]),
            **_on(AR_TYPES, ["view"]),
            **_on(SALES_TYPES, ["view"]),
            "sales.pipeline": ["view"],
            "sales.forecastadjustment": ["view"],
            "sales.salestarget": ["view"],
            "sales.forecastsnapshot": ["view"],
            **CATALOG_READ,
            **CONTRACT_READ,
        },
    },
}

# Everyone who signs in files their own expense claims and work plans; each role's data
# scope decides whose else they see.  Approval flows stay the admin's (through "*").
APPROVAL_DOCUMENTS = _on(
    ("approvals.expenseclaim", "approvals.workplan"), ["view", "add", "change"]
)
for _role in BUILTIN_ROLES.values():
    if "*" not in _role["grants"]:
        _role["grants"].update(APPROVAL_DOCUMENTS)

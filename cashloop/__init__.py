"""Cashloop: a contract-to-cash CRM whose money lives in an immutable double-entry ledger."""

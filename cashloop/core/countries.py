"""Countries as ISO 3166 alpha-2 codes: a customer's and the seller's, which e-invoices
carry (decision 058)."""

from __future__ import annotations

from cashloop.core.errors import CoreError, DomainError


def country_check(code: str, *, field: str = "country") -> str:
    """Two ASCII letters, upper-cased; else `country.invalid` naming `field`."""
    country = (code or "").strip().upper()
    if not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise DomainError(CoreError.COUNTRY_INVALID, details={"field": field})
    return country

"""Normal forms the matching engine compares: references, payer accounts, payer names.

Banks and payers write the same thing many ways: "INV-2026-000123", "inv 2026 000123",
"ＩＮＶ２０２６０００１２３" (full width, from a Chinese input method); "6222 0212 3456"
and "6222-0212-3456"; "上海星河科技有限公司", "上海星河科技" and "SHANGHAI XINGHE TECH CO.,
LTD.".  Each function here reduces one kind of text to the form two spellings share, so
that the engine looks them up by equality or compares them with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata

from cashloop.customers.matching import name_key

# The numbered documents a payer may quote: series, year, number (sequences.NUMBER_WIDTH).
DOCUMENT_SERIES = ("INV", "CON", "QUO")
_DOCUMENT = re.compile(r"(INV|CON|QUO)[\s_\-/.:#]*(\d{4})[\s_\-/.:#]*(\d{1,8})(?!\d)")
_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9_.\-]*[A-Z0-9]|[A-Z0-9]")
_NOT_ALNUM = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """Full width to half width, compatibility forms resolved, upper case."""
    return unicodedata.normalize("NFKC", text or "").upper()


def compact(text: str) -> str:
    """Letters and digits only, upper case: what "INV-2026 / 000123" and "inv2026000123"
    have in common."""
    return _NOT_ALNUM.sub("", folded(text))


def document_numbers(reference: str, width: int = 6) -> set[str]:
    """The document numbers quoted in a reference, in the system's own spelling.

    Separators between series, year and number may be anything or nothing, and leading
    zeros of the number may be dropped ("inv 2026-123" is INV-2026-000123).
    """
    found = set()
    for series, year, number in _DOCUMENT.findall(folded(reference)):
        if len(number.lstrip("0")) <= width:
            found.add(f"{series}-{year}-{int(number):0{width}d}")
    return found


def reference_tokens(reference: str) -> set[str]:
    """The words of a reference in upper case (at least 3 characters, so that a code like
    "A1" is not found in every text): what a customer code is looked up by."""
    return {token for token in _TOKEN.findall(folded(reference)) if len(token) >= 3}


def account_key(account: str) -> str:
    """A payer account number without spaces, dashes or case."""
    return compact(account)[:60]


def payer_key(name: str) -> str:
    """A payer or customer name without legal suffix, punctuation, width, case or spaces
    (有限公司, Co., Ltd., Inc. ... go; see customers.matching.name_key)."""
    return name_key(name or "")

"""Normal forms of customer names, phones and emails, so duplicates can be found by index.

`name_key` is what two spellings of one company have in common: "华为技术有限公司",
"華為技術（深圳）有限公司" and "Huawei Technologies Co., Ltd." lose their legal suffix,
punctuation, width, case and spaces, and traditional characters become simplified.
`name_tokens` cuts a key into the short pieces the `CustomerNameToken` index stores
(bigrams of Chinese, trigrams of Latin), which is how a fuzzy candidate is found without
reading every name (decision 021).
"""

from __future__ import annotations

import re
import unicodedata

import opencc

# Longest first, so "股份有限公司" goes before "有限公司" and "公司".
CJK_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "株式会社",
    "有限公司",
    "分公司",
    "集团",
    "公司",
)
LATIN_SUFFIXES = frozenset(
    {
        "ag",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "group",
        "inc",
        "incorporated",
        "kk",
        "limited",
        "llc",
        "ltd",
        "plc",
        "pte",
        "pty",
        "sa",
        "srl",
    }
)
NAME_KEY_MAX_LENGTH = 200
TOKEN_MAX_LENGTH = 3
MIN_PHONE_DIGITS = 7

# Traditional characters to simplified (华为 and 華為 are one company), with OpenCC's
# dictionaries: a few microseconds a name (decision 045).
_SIMPLIFIED = opencc.OpenCC("t2s")
_NOT_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _strip_suffixes(text: str) -> str:
    while True:
        text = text.strip()
        for suffix in CJK_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        else:
            head, _, last = text.rpartition(" ")
            if head and last in LATIN_SUFFIXES:
                text = head
                continue
            return text


def name_key(name: str) -> str:
    """The comparable core of a company name: '' only for a name without letters."""
    text = _NOT_WORD.sub(" ", _SIMPLIFIED.convert(unicodedata.normalize("NFKC", name)).casefold())
    return _strip_suffixes(text).replace(" ", "")[:NAME_KEY_MAX_LENGTH]


def name_tokens(key: str) -> set[str]:
    """Bigrams of the Chinese runs and trigrams of the other runs of a name key."""
    tokens: set[str] = set()
    runs: list[tuple[bool, str]] = []
    for char in key:
        cjk = bool(_CJK.match(char))
        if runs and runs[-1][0] == cjk:
            runs[-1] = (cjk, runs[-1][1] + char)
        else:
            runs.append((cjk, char))
    for cjk, run in runs:
        size = 2 if cjk else TOKEN_MAX_LENGTH
        if len(run) <= size:
            tokens.add(run)
        else:
            tokens.update(run[i : i + size] for i in range(len(run) - size + 1))
    return tokens


def phone_key(phone: str) -> str:
    """Digits of a phone without the +86 country code or the 0 trunk prefix; '' if too short.

    "+86 138 0013 8000" and "13800138000" meet, and so do "+86 10 6512 3456" and
    "010-6512-3456".
    """
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    for country in ("0086", "86"):
        if digits.startswith(country) and len(digits) - len(country) >= 10:
            digits = digits[len(country) :]
            break
    digits = digits.removeprefix("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


def email_key(email: str) -> str:
    return email.strip().casefold()


def tax_id_key(tax_id: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", tax_id)).upper()

"""Text files' encodings: the one the user chose, else detected by charset-normalizer.

Chinese banks export GBK (GB18030 is its superset, read as that), European ones CP852,
CP1250 or Latin-1, everyone else UTF-8, sometimes with a byte-order mark.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence

from charset_normalizer import from_bytes

from cashloop.banking.errors import BankingError
from cashloop.core.errors import DomainError

# charset-normalizer names the subset it saw; the superset reads every such file.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "ascii": "utf-8"}

ENCODING_CHOICES = ("utf-8", "gb18030", "big5", "cp852", "cp1250", "cp1252", "latin-1", "utf-16")


def decode(data: bytes, encoding: str | None, expect: Sequence[str] = ()) -> tuple[str, str]:
    """The text and the encoding it was read in; `statement.bad_encoding` if it is not.

    Detection on a short file is a guess among look-alike code pages (CP850 or CP852?);
    `expect`, the header names a profile maps, picks the first guess that shows them.
    """
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError as exc:
            raise DomainError(BankingError.UNKNOWN_ENCODING, encoding=encoding) from exc
        return _strict(data, name), name
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guesses = [_SUPERSETS.get(m.encoding, m.encoding) for m in from_bytes(data[:200_000])]
    guesses = list(dict.fromkeys([*guesses, "gb18030"]))
    wanted = [_squeezed(text) for text in expect if text]
    for name in guesses:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        squeezed = _squeezed(text)
        if all(w in squeezed for w in wanted):
            return text, codecs.lookup(name).name
    name = codecs.lookup(guesses[0]).name
    return _strict(data, name), name


def _squeezed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DomainError(BankingError.BAD_ENCODING, encoding=encoding, line=line) from exc

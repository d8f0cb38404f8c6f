"""The Simplified Chinese catalogue stays complete and is really used.

Every msgid has a non-fuzzy translation that keeps its placeholders; running
`makemessages` on today's source finds nothing the committed .po lacks; and a page
renders in Chinese or English according to the browser's language.  When a test
fails, `make messages` and translating the new entries fixes it.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core.management import call_command

import cashloop

PACKAGE_DIR = Path(cashloop.__file__).resolve().parent
PO_PATH = PACKAGE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What `makemessages` reads by default; everything else is left out of the copy.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def load_catalogue(path: Path = PO_PATH) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def entries(catalog: Catalog) -> list[Message]:
    """The catalogue's messages without the header entry."""
    return [message for message in catalog if message.id]


def key(message: Message) -> tuple[str | None, str | tuple[str, ...]]:
    return (message.context, message.id)


def describe(message: Message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}|{msgid}" if message.context else msgid


def translations(message: Message) -> tuple[str, ...]:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return tuple(s or "" for s in strings)


def test_header_is_simplified_chinese_with_one_plural_form():
    catalog = load_catalogue()
    assert str(catalog.locale) == "zh_Hans"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"
    assert catalog.charset.lower() == "utf-8"
    assert not catalog.fuzzy, "the header is marked fuzzy"


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = load_catalogue()
    empty = [describe(m) for m in entries(catalog) if not all(translations(m))]
    fuzzy = [describe(m) for m in entries(catalog) if m.fuzzy]
    assert not (empty or fuzzy), (
        f"{len(empty)} msgid(s) without a translation: {empty}; "
        f"{len(fuzzy)} fuzzy msgid(s): {fuzzy}"
    )


def test_translations_keep_every_placeholder():
    wrong = []
    for message in entries(load_catalogue()):
        # With one plural form, msgstr[0] is used for every count: match msgid_plural.
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        expected = sorted(PLACEHOLDER.findall(source))
        for string in translations(message):
            if string and sorted(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"{describe(message)!r} -> {string!r}")
    assert not wrong, "placeholders changed in translation:\n" + "\n".join(wrong)


def test_makemessages_finds_nothing_missing_from_the_po(tmp_path, settings, monkeypatch):
    needed = ("xgettext", "msguniq", "msgmerge", "msgattrib")
    absent = [program for program in needed if shutil.which(program) is None]
    if absent:
        pytest.skip(f"GNU gettext is not installed ({', '.join(absent)} not on PATH)")

    def skip_non_sources(directory: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            if Path(directory, name).is_dir():
                if name in {"__pycache__", "locale", "static", "node_modules"}:
                    skipped.add(name)
            elif Path(name).suffix not in SOURCE_SUFFIXES:
                skipped.add(name)
        return skipped

    # A copy of the package with its own empty locale dir, so the committed .po is never
    # touched: makemessages writes to the nearest "locale" dir above each source file.
    copy = tmp_path / "cashloop"
    shutil.copytree(PACKAGE_DIR, copy, ignore=skip_non_sources)
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [str(copy / "locale")]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages", locale=["zh_Hans"], no_obsolete=True, no_location=True, verbosity=0
    )

    extracted = load_catalogue(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    committed = {key(m) for m in entries(load_catalogue())}
    missing = [describe(m) for m in entries(extracted) if key(m) not in committed]
    assert entries(extracted), "makemessages extracted nothing; is the copy complete?"
    assert not missing, (
        f"{len(missing)} msgid(s) in the source but not in {PO_PATH.name}; run "
        f"`make messages` and translate them: {missing}"
    )


@pytest.fixture
def compiled_catalogue(settings):
    """Compile the .po with Babel when its .mo is missing or stale, as setup.sh does."""
    mo_path = PO_PATH.with_suffix(".mo")
    if not mo_path.exists() or mo_path.stat().st_mtime < PO_PATH.stat().st_mtime:
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as mo:
            write_mo(mo, load_catalogue())
        os.replace(partial, mo_path)  # others may be reading it: swap it in whole
        gettext._translations.clear()  # the stdlib caches catalogues by .mo path
        settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # makes Django reload them
    return mo_path


def test_pages_render_in_the_language_the_browser_asks_for(client, company, compiled_catalogue):
    chinese = load_catalogue().get("Dashboard").string
    assert chinese and chinese != "Dashboard"
    client.force_login(company.rep_east)

    zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200
    assert chinese in zh.content.decode()

    en = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200
    assert "Dashboard" in en.content.decode()
    assert chinese not in en.content.decode()

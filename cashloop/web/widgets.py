"""Form widgets shared by the pages: a rich-text editor (Trix) for HTML fields.

The editor writes its HTML into a hidden input, so the form posts a plain field and the
server sanitizes it as before (nh3); without JavaScript nothing is lost but the toolbar.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import pgettext


def _word(text: str) -> str:
    # A context of their own: "Code" here is program code, not a customer's code.
    return pgettext("rich-text editor", text)


def _toolbar_words() -> dict[str, str]:
    """Trix's toolbar tooltips, in the page's language (keys are Trix's own)."""
    return {
        "bold": _word("Bold"),
        "italic": _word("Italic"),
        "strike": _word("Strikethrough"),
        "link": _word("Link"),
        "unlink": _word("Unlink"),
        "url": _word("URL"),
        "urlPlaceholder": _word("Enter a URL…"),
        "heading1": _word("Heading"),
        "quote": _word("Quote"),
        "code": _word("Code"),
        "bullets": _word("Bullets"),
        "numbers": _word("Numbers"),
        "outdent": _word("Decrease level"),
        "indent": _word("Increase level"),
        "undo": _word("Undo"),
        "redo": _word("Redo"),
        "attachFiles": _word("Attach files"),
        "remove": _word("Remove"),
        "captionPlaceholder": _word("Add a caption…"),
    }


class RichTextWidget(forms.Widget):
    template_name = "web/widgets/rich_text.html"

    def format_value(self, value: object) -> str:
        return "" if value is None else str(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["toolbar_words"] = _toolbar_words()
        return context

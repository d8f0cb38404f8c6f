"""The quote as a document: its PDF (WeasyPrint) in the quote's language, with the letterhead."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cashloop.cpq.models import Quote


def company_name() -> str:
    """The letterhead's name: `CASHLOOP_COMPANY_NAME` if set, else the product's."""
    return getattr(settings, "CASHLOOP_COMPANY_NAME", "") or "Cashloop"


def quote_subject(quote: Quote) -> str:
    with translation.override(quote.language):
        return _("Quote %(number)s from %(company)s") % {
            "number": f"{quote.number} v{quote.version}",
            "company": company_name(),
        }


def quote_pdf(quote: Quote) -> bytes:
    """Render the quote in its own language (zh-Hans or English), whatever the reader's."""
    import weasyprint  # imported here: only PDF downloads need it

    lines = list(quote.lines.select_related("product").order_by("position"))
    with translation.override(quote.language):
        html = render_to_string(
            "cpq/quote_pdf.html",
            {
                "quote": quote,
                "lines": lines,
                "company": company_name(),
                "english": quote.language == "en",
                "printed_at": timezone.localtime(),
            },
        )
    return weasyprint.HTML(string=html).write_pdf()

"""Full-text search of documents, Chinese included (decision 035).

PostgreSQL's parser does not split Chinese, and SQLite has no full-text search we may
count on, so the text is cut here, in Python, the same way for documents and queries:
Latin words and numbers become lower-case words, and each run of Chinese characters
becomes its single characters and its overlapping pairs (bigrams): "回款计划" is stored as
"回 款 计 划 回款 款计 计划".  A query of two or more Chinese characters asks for all its
bigrams, so "回款计划" finds "合同回款计划说明" without a dictionary.  The cut text is kept
in `Document.search_text`.  On PostgreSQL it is matched with `to_tsvector('simple', …)`
through a GIN index (migration 0002); elsewhere each query word must appear in it.
"""

from __future__ import annotations

import html
import re

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Func, QuerySet
from django.utils.html import strip_tags

# CJK unified ideographs (with extension A and the compatibility block).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}_]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
QUERY_WORDS_MAX = 20


class _SimpleVector(Func):
    """`to_tsvector('simple', column)`, written exactly as the GIN index has it."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def _runs(text: str) -> list[str]:
    return _RUN.findall(text.lower())


def index_terms(text: str) -> list[str]:
    """The words to store for `text`: Latin words, Chinese characters and bigrams."""
    terms: list[str] = []
    for run in _runs(text):
        if _IS_CJK.match(run):
            terms.extend(run)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            terms.append(run)
    return terms


def query_terms(query: str) -> list[str]:
    """The words a query asks for (all of them): Chinese as bigrams, a lone character alone."""
    terms: list[str] = []
    for run in _runs(query):
        if _IS_CJK.match(run) and len(run) > 1:
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            terms.append(run)
    return list(dict.fromkeys(terms))[:QUERY_WORDS_MAX]


def html_text(body_html: str) -> str:
    """The readable text of sanitised HTML, for the index."""
    return html.unescape(strip_tags(body_html.replace("<", " <")))


def search_text_for(*parts: str) -> str:
    """What `Document.search_text` holds for these parts of a document."""
    seen = dict.fromkeys(term for part in parts for term in index_terms(part))
    return " ".join(seen)


def search_filter(queryset: QuerySet, query: str) -> QuerySet:
    """`queryset` narrowed to documents whose search text has every word of `query`."""
    terms = query_terms(query)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        # Words are letters, digits or CJK only (see _RUN), so they are safe in a tsquery;
        # Latin words match as prefixes, as people type them.
        tsquery = " & ".join(t if _IS_CJK.match(t) else f"{t}:*" for t in terms)
        matches = SearchQuery(tsquery, config="simple", search_type="raw")
        return queryset.alias(fts=_SimpleVector("search_text")).filter(fts=matches)
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return queryset
